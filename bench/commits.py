"""How long residents' commits hold the event loop under a steady load, checkpoints included.

    .venv/bin/python bench/commits.py [--rate 500] [--seconds 20] [--together 1]

Residents do the onboarding (/start, "Yes, I agree", type "Riverside", "No, thanks") through
the bot's own Host and Database, one step after another at --rate steps a second, on a fresh
database, with no Telegram at all: every step's write transaction runs on the event loop
(`Database.write_quick`), as in the bot, and the checkpointer copies the log beside it as it
does there. Each COMMIT is timed: a commit is where SQLite's own checkpoint runs when the log
reaches its backstop (fsyncs included), and where the log starts again from its beginning
(its header synced) unless the checkpointer has done so; the event loop, and every resident,
waits while it does. Each step is timed as well, as the resident waits for it: that includes
waiting for the checkpointer while it holds the writer. Also printed: how often the log was
started again, the longest it was when a checkpoint began, how many steps shared a commit, and
the process's CPU a step (the host's work, SQL included).

A busy disk: bench/slow_fsync.c makes every fsync of the process take longer (LD_PRELOAD; how
to build it is at its top), to see what residents wait for when a sync takes milliseconds.

--together K: K residents at a time, each step of theirs begun in the same turn of the event
loop (as when updates arrive together, or pile up while the machine gives the bot no CPU), so
their steps share commits (Database.write_quick); 1 (the default) is one step at a time.

No target of its own: it shows where the paced target's slow steps do not come from
(bench/README.md, "The checkpoint"). Exit status 0; 1 when it could not measure.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.flows.events import Choose, Text
from bot.flows.registry import default_flows_dir
from bot.host.checks import load_library
from bot.host.hooks import registry
from bot.host.host import Host
from bot.host.replies import Question
from bot.host.steps import Who
from bot.i18n.catalogs import Catalogs
from bot.store import db as store
from bot.store.db import Database

SLOW_MS = 5.0
T = TypeVar("T")


class TimedConnection:
    """The writer connection, every COMMIT timed (the rest passed through)."""

    def __init__(self, conn: sqlite3.Connection, commits: list[float]) -> None:
        self._conn = conn
        self._commits = commits

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if not sql.startswith("COMMIT"):
            return self._conn.execute(sql, *args)
        started = time.perf_counter()
        try:
            return self._conn.execute(sql, *args)
        finally:
            self._commits.append(time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _question(outcome: Any) -> Question:
    last = outcome.replies[-1]
    if not isinstance(last, Question):
        raise RuntimeError(f"expected a question, the bot replied {last!r}")
    return last


async def onboard(host: Host, who: Who, steps: list[float]) -> None:
    """The four steps of bench/throughput.py's residents, each timed into `steps`."""

    async def timed(step: Awaitable[T]) -> T:
        started = time.perf_counter()
        try:
            return await step
        finally:
            steps.append(time.perf_counter() - started)

    asked = _question(await timed(host.start(who)))
    asked = _question(
        await timed(host.handle(who, Choose("yes", asked.node_id), session_id=asked.session_id))
    )
    asked = _question(await timed(host.handle(who, Text("Riverside"))))
    await timed(
        host.handle(
            who, Choose(asked.buttons[-1].option_id, asked.node_id), session_id=asked.session_id
        )
    )


def watch_checkpoints(db: Database, seen: list[tuple[int, int]]) -> None:
    """Note the log's length (frames) and run number each time the checkpointer begins."""
    checkpoint: Callable[[], None] = db._checkpoint

    def noted() -> None:
        seen.append(log_state(db.path))
        checkpoint()

    db._checkpoint = noted  # type: ignore[method-assign]


def log_state(path: Path) -> tuple[int, int]:
    """(frames in the log's current run, the log's first salt), from the log index's header
    (the -shm file) and the log's own header. The salt goes up by one each time the log
    starts again, whichever connection starts it (the header's checkpoint sequence number is
    the starting connection's own count)."""
    with open(f"{path}-shm", "rb") as shm, open(f"{path}-wal", "rb") as wal:
        index, log = shm.read(20), wal.read(20)  # the headers, not the whole files
    return int.from_bytes(index[16:20], sys.byteorder), int.from_bytes(log[16:20], "big")


def restarts_between(before: int, after: int) -> int:
    """How many times the log started again between two of `log_state`'s salts."""
    return (after - before) % 2**32


async def run(rate: float, seconds: float, together: int = 1) -> dict[str, Any]:
    commits: list[float] = []
    steps: list[float] = []
    seen: list[tuple[int, int]] = []
    with tempfile.TemporaryDirectory(prefix="cv-commits-") as tmp:
        db = await Database.open(Path(tmp) / "bench.sqlite3")
        try:
            hooks = registry(lambda: "c-bench")
            host = Host(
                db, load_library([default_flows_dir()], hooks), Catalogs(), hooks,
                organisation="Riverside Health Team",
            )  # fmt: skip
            db._writer = TimedConnection(db._writer, commits)  # type: ignore[arg-type,assignment]
            watch_checkpoints(db, seen)
            loop = asyncio.get_running_loop()
            started, cpu = loop.time(), time.process_time()
            resident = 0
            while loop.time() - started < seconds:
                first, resident = resident + 1, resident + together
                await asyncio.gather(
                    *(
                        onboard(host, Who("telegram", str(n), str(n), "en"), steps)
                        for n in range(first, resident + 1)
                    )
                )
                due = started + resident * 4 / rate
                await asyncio.sleep(max(0.0, due - loop.time()))
            wall, cpu = loop.time() - started, time.process_time() - cpu
            seen.append(log_state(db.path))
        finally:
            await db.close()
    return {
        "steps": resident * 4,
        "wall": wall,
        "cpu": cpu,
        "commits": commits,
        "step_times": steps,
        "checkpoints": len(seen) - 1,
        "restarts": restarts_between(seen[0][1], seen[-1][1]),
        "longest_log": max(frames for frames, _ in seen),
        "backstop": store.CHECKPOINT_BACKSTOP,
    }


def _spread(name: str, seconds: list[float]) -> list[str]:
    """Two lines: the times' p50, p99, p99.9 and longest, and those over SLOW_MS, in ms."""
    times = sorted(each * 1000 for each in seconds)
    if not times:
        raise RuntimeError(f"no {name} was timed")

    def at(share: float) -> float:
        return times[min(len(times) - 1, int(len(times) * share))]

    slow = [ms for ms in times if ms > SLOW_MS]
    return [
        f"{name} ms: p50 {at(0.5):.3f}, p99 {at(0.99):.3f}, p99.9 {at(0.999):.3f}, "
        f"longest {times[-1]:.1f}",
        f"{name}s over {SLOW_MS:.0f} ms: {len(slow)} ({sum(slow):.0f} ms in all)",
    ]


def report(result: dict[str, Any]) -> list[str]:
    commits = _spread("commit", result["commits"])
    return [
        f"{result['steps']} steps in {result['wall']:.1f} s "
        f"({result['steps'] / result['wall']:.0f} steps/s), {len(result['commits'])} commits",
        *commits,
        *_spread("step", result["step_times"]),
        f"steps a commit: {result['steps'] / len(result['commits']):.2f}; "
        f"CPU a step: {result['cpu'] / result['steps'] * 1000:.3f} ms",
        f"checkpoints: {result['checkpoints']}; the log started again {result['restarts']} "
        f"times; longest log seen by a checkpoint {result['longest_log']} frames "
        f"(SQLite's backstop at {result['backstop']})",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500.0, help="steps a second (500)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long (20)")
    parser.add_argument(
        "--together", type=int, default=1, help="residents stepping at the same time (1)"
    )
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0:
        parser.error("--rate and --seconds must be above 0")
    if args.together < 1:
        parser.error("--together must be 1 or more")
    try:
        lines = report(asyncio.run(run(args.rate, args.seconds, args.together)))
    except (RuntimeError, sqlite3.Error) as error:
        print(f"could not measure: {error}", file=sys.stderr)
        return 1
    print(
        f"Commits of residents' steps at {args.rate:g} steps/s, for {args.seconds:g} s, "
        f"{args.together} at a time"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
