"""/delete and queueing a broadcast at scale: how long each holds the database writer.

    .venv/bin/python bench/delete.py [--participants 100000] [--deletes 10] [--audience round]

On a copy of the scale fixture (bench/fixture.py), the real bot (`python -m bot.cli run`,
started through bench/_bot_process.py's hooks, which time every write transaction and every
update without changing the bot) polls the offline Bot API double (no latency, no limits).

1. /delete: --deletes residents, one after another, send /delete and tap "Yes, delete
   everything". For each, the confirming tap's processing time (handler start to end, its
   Bot API calls included) and the longest write transaction while it was handled (the
   erasure: participants.forget, under BEGIN IMMEDIATE). Target: under 20 ms, judged on the
   longest of those transactions (the part that holds every other resident up); the whole
   tap is printed beside it.
2. Queueing a broadcast to everyone: `python -m bot.cli broadcast everyone --text ... --yes`
   (through the same hooks), then the bot's sweep starts it; with `--audience round`, to
   the people who took part in the fixture's round (58,799 of 100,000: an audience looked up
   in another table, as a round's results are). Every write transaction in both
   processes, from the command until every recipient's delivery row exists. Target: none
   longer than 50 ms.

Exit status 0 whether or not the targets are met; 1 when it could not measure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._realbot import (
    BenchError,
    BotProcess,
    bot_env,
    build_fixture,
    cli,
    copy_database,
    quiet_chores,
    read_one,
    residents,
)
from bench.broadcast import BroadcastAPI
from tgdouble import DoubleServer, SentMessage

TARGET_DELETE_MS = 20.0
TARGET_HOLD_MS = 50.0
QUESTION = "Do you want us to delete everything we keep about you?"
YES = "Yes, delete everything"
DELETED = "Done. We have deleted everything we kept about you."
TEXT = "The community fair is on Saturday at the Riverside Hall. Come and meet us."
REACHABLE = (
    "SELECT COUNT(*) FROM participants WHERE consent_at IS NOT NULL AND opted_out_at IS NULL "
    "AND unreachable_at IS NULL"
)
ROUND_ID = 1  # the fixture's round most participants took part in
# Each audience: the command's argument, and who of the reachable belong to it.
AUDIENCES = {
    "everyone": ("everyone", ""),
    "round": (
        f"round:{ROUND_ID}",
        f" AND id IN (SELECT participant_id FROM priority_submissions WHERE round_id = {ROUND_ID})",
    ),
}
# Rows about a participant, table by table (the erasure removes them all).
ROWS = (
    "answers",
    "sessions",
    "priority_submissions",
    "priority_choices",
    "evaluations",
    "evaluation_ratings",
    "assets",
    "referrals",
)

Write = tuple[float, float, str]  # (start, end, the work's name)


@dataclass
class Deletion:
    """One resident's /delete."""

    participant: int
    chat: int
    rows: int  # rows about them before
    tap: float = 0.0  # processing of the confirming tap, seconds
    held: float = 0.0  # the longest write transaction meanwhile, seconds
    work: str = ""
    gone: bool = False


@dataclass
class Queueing:
    """Queueing one broadcast to its audience."""

    audience: str = "everyone"
    recipients: int = 0
    seconds: float = 0.0  # from staff's command to the last delivery row
    bot_writes: list[Write] = field(default_factory=list)
    cli_writes: list[Write] = field(default_factory=list)

    @property
    def longest(self) -> tuple[float, str, str]:
        """(seconds, which process, the work's name) of the longest write transaction."""
        candidates = [(e - s, "bot", n) for s, e, n in self.bot_writes]
        candidates += [(e - s, "cli", n) for s, e, n in self.cli_writes]
        return max(candidates, default=(0.0, "-", "-"))

    def over(self, seconds: float) -> int:
        return sum(1 for s, e, _ in [*self.bot_writes, *self.cli_writes] if e - s > seconds)


def _rows(database: Path, participant: int) -> int:
    return sum(
        int(
            read_one(database, f"SELECT COUNT(*) FROM {t} WHERE participant_id = ?", (participant,))
        )
        for t in ROWS
    )


async def _delete(api: BroadcastAPI, chat: int, timeout: float) -> tuple[float, float]:  # noqa: ASYNC109
    """/delete, then "Yes": when the tap was sent and when the reply came."""

    def asked(m: SentMessage | None) -> bool:
        return m is not None and (m.text or "").startswith(QUESTION)

    def deleted(m: SentMessage | None) -> bool:
        return m is not None and (m.text or "").startswith(DELETED)

    api.send_command(chat, "delete")
    await api.reply(chat, asked, timeout)
    tapped = time.monotonic()
    api.tap(chat, YES)
    return tapped, await api.reply(chat, deleted, timeout)


async def bench(args: argparse.Namespace) -> list[str]:
    """Both measurements; the report lines."""
    with tempfile.TemporaryDirectory(prefix="cv-bench-delete-") as tmp:
        workdir = Path(tmp)
        source = args.fixture or await build_fixture(workdir, args.participants)
        database = copy_database(source, workdir / "delete.sqlite3")
        await quiet_chores(database)
        people = residents(database, args.deletes)
        deletions = [Deletion(pid, chat, _rows(database, pid)) for pid, chat in people]
        api = BroadcastAPI(None, 0.0)
        api.residents.update(chat for _, chat in people)
        queueing = Queueing(audience=args.audience)
        audience, members = AUDIENCES[args.audience]
        stats = workdir / "bot-stats.json"
        cli_stats = workdir / "cli-stats.json"
        try:
            async with DoubleServer(api) as server:
                env = bot_env(database, server.base_url)
                bot = BotProcess(env, workdir, workdir / "bot.log", stats=stats)
                await bot.start()
                try:
                    deadline = time.monotonic() + args.start_timeout
                    while not api.polls:
                        bot.check_alive()
                        if time.monotonic() > deadline:
                            raise BenchError("the bot did not start polling")
                        await asyncio.sleep(0.1)
                    taps = [await _delete(api, d.chat, 30.0) for d in deletions]
                    started = time.monotonic()
                    await cli(
                        env,
                        workdir,
                        *("broadcast", audience, "--text", TEXT, "--yes"),
                        stats=cli_stats,
                    )
                    queueing.recipients = int(read_one(database, REACHABLE + members))
                    queued_at = await _until_queued(database, queueing.recipients, bot, args)
                    queueing.seconds = queued_at - started
                finally:
                    code = await bot.stop()
                if code != 0:
                    raise BenchError(f"the bot exited with {code}:\n{bot.tail()}")
        finally:
            await api.aclose()
        samples, writes = _load(stats)
        for deletion, (tapped, _) in zip(deletions, taps, strict=True):
            _judge(deletion, tapped, samples, writes)
            deletion.gone = not read_one(
                database, "SELECT COUNT(*) FROM participants WHERE id = ?", (deletion.participant,)
            )
        queueing.bot_writes = [w for w in writes if started <= w[0] <= queued_at]
        queueing.cli_writes = _load(cli_stats)[1]
    missing = [d.participant for d in deletions if not d.gone]
    if missing:
        raise BenchError(f"participants {missing} were not deleted")
    return report(args.participants, deletions, queueing)


async def _until_queued(
    database: Path, recipients: int, bot: BotProcess, args: argparse.Namespace
) -> float:
    """When every recipient of the newest staff broadcast has a delivery row."""
    deadline = time.monotonic() + args.start_timeout
    while True:
        bid = read_one(database, "SELECT MAX(id) FROM broadcasts WHERE kind = 'staff'")
        count = read_one(
            database, "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?", (bid or 0,)
        )
        if bid is not None and int(count or 0) >= recipients:
            return time.monotonic()
        bot.check_alive()
        if time.monotonic() > deadline:
            raise BenchError(f"{count} of {recipients} deliveries queued after the deadline")
        await asyncio.sleep(0.05)


def _load(path: Path) -> tuple[list[tuple[str, float, float, int | None]], list[Write]]:
    stats: dict[str, Any] = json.loads(path.read_text())
    samples = [(str(k), float(s), float(e), c) for k, s, e, c in stats["samples"]]
    writes = [(float(s), float(e), str(n)) for s, e, n in stats["writes"]]
    return samples, writes


def _judge(
    deletion: Deletion,
    tapped: float,
    samples: list[tuple[str, float, float, int | None]],
    writes: list[Write],
) -> None:
    """The confirming tap's sample, and the longest write transaction within it."""
    taps = [s for s in samples if s[3] == deletion.chat and s[0] == "button" and s[1] >= tapped]
    if not taps:
        raise BenchError(f"no timed update for resident {deletion.chat}'s tap")
    _, start, end, _ = min(taps, key=lambda s: s[1])
    deletion.tap = end - start
    inside = [(e - s, n) for s, e, n in writes if start <= s <= end]
    if not inside:
        raise BenchError(f"no write transaction while resident {deletion.chat}'s tap was handled")
    deletion.held, deletion.work = max(inside)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(participants: int, deletions: list[Deletion], queueing: Queueing) -> list[str]:
    """The printed lines."""
    held = [d.held for d in deletions]
    taps = [d.tap for d in deletions]
    works = sorted({d.work for d in deletions})
    longest, where, work = queueing.longest
    bot_held = [e - s for s, e, _ in queueing.bot_writes]
    table = [
        ("rows about each before (mean)", f"{statistics.mean(d.rows for d in deletions):.1f}"),
        (
            "erasure's write transaction p50 / max (ms)",
            f"{_ms(statistics.median(held))} / {_ms(max(held))}   ({', '.join(works)})",
        ),
        (
            "confirming tap, whole, p50 / max (ms)",
            f"{_ms(statistics.median(taps))} / {_ms(max(taps))}   (Bot API calls included)",
        ),
        ("", ""),
        ("staff command to the last delivery row (s)", f"{queueing.seconds:.2f}"),
        ("bot: write transactions", f"{len(bot_held)}, {_ms(sum(bot_held))} ms in all"),
        ("command's process: write transactions", f"{len(queueing.cli_writes)}"),
        ("longest write transaction (ms)", f"{_ms(longest)}   ({where}: {work})"),
        (
            f"write transactions over {TARGET_HOLD_MS:g} ms",
            f"{queueing.over(TARGET_HOLD_MS / 1000)}",
        ),
    ]
    width = max(len(name) for name, _ in table) + 3
    rows = [f"  {name:<{width}}{value}" if name else "" for name, value in table]
    lines = [
        f"/delete with {participants} participants: {len(deletions)} residents, one after "
        "another (the double answers at once)",
        *rows[:3],
        "",
        f"queueing a broadcast to {queueing.audience}: {queueing.recipients} recipients",
        *rows[4:],
        "",
        "TARGETS",
        f"target /delete < {TARGET_DELETE_MS:g} ms with {participants} participants: "
        f"{'PASS' if max(held) * 1000 < TARGET_DELETE_MS else 'MISS'} (longest erasure "
        f"{_ms(max(held))} ms; whole tap up to {_ms(max(taps))} ms)",
        f"target no write transaction over {TARGET_HOLD_MS:g} ms while queueing a broadcast to "
        f"{queueing.recipients}: {'PASS' if longest * 1000 <= TARGET_HOLD_MS else 'MISS'} "
        f"(longest {_ms(longest)} ms, {work})",
    ]
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="/delete and queueing a broadcast: time holding the database writer."
    )
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--deletes", type=int, default=10, help="residents who /delete")
    parser.add_argument("--fixture", type=Path, help="an already built fixture (copied)")
    parser.add_argument("--start-timeout", type=float, default=180.0)
    parser.add_argument(
        "--audience",
        choices=sorted(AUDIENCES),
        default="everyone",
        help="whom the broadcast queued goes to (round: those who took part in round 1)",
    )
    parser.add_argument("--quick", action="store_true", help="2,000 participants, 3 deletes")
    args = parser.parse_args(argv)
    if args.quick:
        args.participants, args.deletes = 2000, 3
    if args.participants < 100 or args.deletes < 1:
        parser.error("--participants must be at least 100 and --deletes at least 1")
    args.fixture = args.fixture.resolve() if args.fixture else None
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        lines = asyncio.run(bench(args))
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
