"""Broadcast benchmark: the sender's rate and memory against a double enforcing Telegram's limits.

    .venv/bin/python bench/broadcast.py [--quick] [--scenario a|b|c|all]

This process runs the offline Bot API double (over HTTP on 127.0.0.1) with Telegram's flood
limits switched on. The sender runs in a process of its own (`python -m
bench.broadcast_worker`: BroadcastSender, Pacer and TelegramOutbound over PTB with the
aiohttp transport, on a SQLite database made for the run) and exits when the broadcast is done.

Scenarios:
  a. 3,000 recipients at 30 messages/s under the free limits (30/s overall, 1/s per chat).
  b. 100,000 recipients at 1,000 messages/s with allow_paid_broadcast, under the paid limits
     (1,000/s overall, 1/s per chat).
  c. the sender's peak RSS with 1,000 recipients against b's 100,000 (same rate and limits).
--quick: 300 recipients in a, 5,000 in b (c still compares with b's run).
--pieces N: the text is long enough to be split into N messages per recipient, each paced on
its own (one a second per chat); by default one short message each, which cannot breach the
per-chat limit unless a message is sent twice.

Figures:
- achieved rate: (messages the double accepted - 1) / (time of the last accepted - time of
  the first accepted), from the double's own clock when it admitted each message; the ratio
  to the configured rate is judged (target >= 0.95).
- 429s provoked: every Too Many Requests the double answered (target 0); per-chat breaches:
  those of them for the one-a-second-per-chat limit (target 0).
- peak RSS: the worker's own high-water mark (VmHWM), which it writes at exit (target: 1k and
  100k recipients under 20 MB apart). Not ru_maxrss: Linux carries the parent's RSS at fork
  across exec into the child's ru_maxrss, and this process grows with the double's state.

Exit status 0 whether or not the targets are met; 1 on errors (the worker failed or timed out,
a message was not delivered, a chat got a message twice).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.store import broadcasts
from bot.store.broadcasts import Audience
from bot.store.db import Database
from tgdouble import DoubleServer, FakeBotAPI, Limits, SentMessage

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.95
TARGET_RSS_APART_MB = 20.0
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC).isoformat()
FIRST_CHAT_ID = 1_000_000
MB = 1024 * 1024


class BenchError(Exception):
    """The benchmark could not measure what it set out to (not a missed target)."""


class _Unlogged(list[Any]):
    """A call log that keeps nothing (FakeBotAPI would keep every call's parameters)."""

    def append(self, item: Any) -> None:
        pass


class BroadcastAPI(FakeBotAPI):
    """The double with its flood limits, keeping per message only when it was accepted.

    FakeBotAPI stores every call and every sent message; at 100,000 messages that costs the
    benchmark process (not the sender) hundreds of MB and CPU that competes with the sender
    on a small machine. Limits, 429s and breaches are FakeBotAPI's own accounting.
    """

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits=limits)
        self._calls = _Unlogged()
        self.accepted: list[float] = []  # monotonic time each message was admitted
        self.per_chat: dict[int, int] = {}  # messages accepted per chat
        self.statuses: dict[int, int] = {}  # send* answers by HTTP status
        self._message = {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 0, "type": "private"},
            "from": dict(self.bot_user),
        }

    async def call(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Any = None,
        *,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        status, body = await super().call(method, params, files, token=token)
        if method.lower().startswith("send"):
            self.statuses[status] = self.statuses.get(status, 0) + 1
        return status, body

    def _store_sent(
        self,
        method: str,
        chat_id: int,
        params: dict[str, Any],
        content: dict[str, Any],
        sent: SentMessage,
    ) -> dict[str, Any]:
        # Called right after _admit_send let the message through the limits.
        self.accepted.append(time.monotonic())
        count = self.per_chat.get(chat_id, 0) + 1
        self.per_chat[chat_id] = count
        self.stats.messages_sent += 1
        return {
            **self._message,
            "message_id": count,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            **content,
        }


@dataclass
class Run:
    """One broadcast sent by one worker process, and what the double saw."""

    label: str
    recipients: int
    rate: float
    paid: bool
    limits: Limits
    pieces: int = 1
    accepted: int = 0
    first: float = 0.0
    last: float = 0.0
    busiest_second: int = 0
    too_many_requests: int = 0
    global_breaches: int = 0
    per_chat_breaches: int = 0
    duplicates: int = 0
    other_errors: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0
    startup: float = 0.0
    worker_rss_kib: int = 0
    worker_cpu: float = 0.0
    double_cpu: float = 0.0
    ledger: dict[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        """Messages the broadcast consists of."""
        return self.recipients * self.pieces

    @property
    def span(self) -> float:
        """Seconds from the first accepted message to the last."""
        return self.last - self.first

    @property
    def achieved(self) -> float:
        """Messages per second over the span (intervals between accepted messages)."""
        return (self.accepted - 1) / self.span if self.accepted > 1 and self.span > 0 else 0.0

    @property
    def ratio(self) -> float:
        """Achieved rate / configured rate."""
        return self.achieved / self.rate

    @property
    def rss_mb(self) -> float:
        """The worker's peak RSS in MB."""
        return self.worker_rss_kib * 1024 / MB


# --------------------------------------------------------------------------- setup


def broadcast_text(pieces: int) -> str:
    """A text the sender splits into `pieces` messages (paragraphs of about 3,000 characters)."""
    if pieces == 1:
        return "Hi"
    return "\n\n".join(f"Part {n}. " + "Hello " * 495 for n in range(1, pieces + 1))


async def make_database(path: Path, recipients: int, text: str = "Hi") -> int:
    """A database with `recipients` consenting participants and a started broadcast to all."""
    database = await Database.open(path)  # creates the schema
    await database.close()
    joined = "2026-11-01T00:00:00+00:00"
    with sqlite3.connect(path) as db:  # one transaction for every row
        db.executemany(
            "INSERT INTO participants (channel, channel_user_id, chat_id, locale, consent_at, "
            "created_at) VALUES ('telegram', ?, ?, 'en', ?, ?)",
            (
                (str(chat), str(chat), joined, joined)
                for chat in range(FIRST_CHAT_ID, FIRST_CHAT_ID + recipients)
            ),
        )
    db.close()
    database = await Database.open(path)
    try:
        content = {"texts": {"en": text}}
        bid = await database.write(broadcasts.create, "staff", Audience("everyone"), content, NOW)
        if bid is None or await database.write(broadcasts.start, bid, NOW) != recipients:
            raise BenchError("could not queue the broadcast")
    finally:
        await database.close()
    return bid


async def ledger(path: Path, bid: int) -> dict[str, int]:
    """Deliveries by state, after the run."""
    database = await Database.open(path)
    try:
        return await database.read(broadcasts.counts, bid)
    finally:
        await database.close()


def _python_path() -> str:
    """The repository first, then whatever PYTHONPATH already held."""
    return os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def busiest_second(times: Sequence[float]) -> int:
    """The most messages accepted in any one-second window (times in increasing order)."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


# --------------------------------------------------------------------------- one run


async def send_broadcast(
    label: str,
    recipients: int,
    rate: float,
    *,
    paid: bool,
    workdir: Path,
    pieces: int = 1,
    py_spy: Path | None = None,
) -> Run:
    """Send one broadcast to `recipients` at `rate` with a worker process; what happened."""
    limits = Limits(global_per_second=rate if paid else 30, per_chat_per_second=1.0)
    run = Run(label, recipients, rate, paid, limits, pieces)
    db = workdir / f"{label}.sqlite3"
    bid = await make_database(db, recipients, broadcast_text(pieces))
    usage = workdir / f"{label}-usage.json"
    log = workdir / f"{label}-worker.log"
    api = BroadcastAPI(limits)
    command = [sys.executable, "-m", "bench.broadcast_worker", "--db", str(db)]
    command += ["--broadcast", str(bid), "--rate", str(rate), "--report-rss", str(usage)]
    if paid:
        command.append("--paid")
    timeout = run.messages / rate * 2 + pieces * 10 + 60
    async with DoubleServer(api) as server:
        command += ["--base-url", server.base_url]
        cpu_before = time.process_time()
        started = time.monotonic()
        with log.open("wb") as out:
            worker = await asyncio.create_subprocess_exec(
                *command,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": _python_path()},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        spy = await _start_py_spy(py_spy, label, worker.pid)
        try:
            async with asyncio.timeout(timeout):
                code = await worker.wait()
        except TimeoutError:
            worker.kill()
            await worker.wait()
            raise BenchError(f"{label}: the worker did not finish within {timeout:.0f} s") from None
        finally:
            if spy is not None:
                await spy.wait()
        run.wall = time.monotonic() - started
        run.double_cpu = time.process_time() - cpu_before
    if code != 0:
        raise BenchError(f"{label}: the worker exited with {code}:\n{_tail(log)}")
    stats = api.stats
    run.accepted = len(api.accepted)
    if run.accepted:
        run.first, run.last = api.accepted[0], api.accepted[-1]
        run.startup = run.first - started
        run.busiest_second = busiest_second(api.accepted)
    run.too_many_requests = stats.too_many_requests
    run.global_breaches = stats.global_breaches
    run.per_chat_breaches = stats.per_chat_breaches
    run.duplicates = sum(1 for count in api.per_chat.values() if count > pieces)
    run.other_errors = {s: n for s, n in api.statuses.items() if s not in (200, 429)}
    try:
        reported = json.loads(usage.read_text())
    except (OSError, ValueError) as error:
        raise BenchError(f"{label}: the worker did not report its usage ({error})") from None
    run.worker_rss_kib = int(reported["max_rss_kib"])
    run.worker_cpu = float(reported["cpu_s"])
    run.ledger = await ledger(db, bid)
    problems = []
    if run.accepted != run.messages or len(api.per_chat) != recipients:
        problems.append(f"{run.accepted} messages to {len(api.per_chat)} chats accepted")
    if run.duplicates:
        problems.append(f"{run.duplicates} chats got a message more than once")
    if run.ledger != {"sent": recipients}:
        problems.append(f"deliveries by state: {run.ledger}")
    if problems:
        raise BenchError(
            f"{label}: expected {run.messages} messages to {recipients} chats: "
            + "; ".join(problems)
        )
    return run


async def _start_py_spy(
    folder: Path | None, label: str, pid: int
) -> asyncio.subprocess.Process | None:
    """Sample the worker with py-spy until it exits; folded stacks in FOLDER/LABEL.txt."""
    if folder is None:
        return None
    executable = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if executable is None:
        raise BenchError("--py-spy needs py-spy on PATH or in $PY_SPY (pip install py-spy)")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{label}.py-spy.log").open("wb") as log:
        return await asyncio.create_subprocess_exec(
            executable,
            *("record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--threads"),
            *("--nonblocking", "--output", str(folder / f"{label}.txt")),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )


# --------------------------------------------------------------------------- report


def _describe(run: Run) -> str:
    kind = "paid broadcast" if run.paid else "free"
    each = f" x {run.pieces} messages" if run.pieces > 1 else ""
    return (
        f"{run.recipients} recipients{each} at {run.rate:g}/s, {kind} limits "
        f"({run.limits.global_per_second:g}/s overall, "
        f"{run.limits.per_chat_per_second:g}/s per chat)"
    )


def run_lines(title: str, run: Run) -> list[str]:
    """The figures of one run."""
    errors = ", ".join(f"{n} x {s}" for s, n in sorted(run.other_errors.items())) or "none"
    rows = [
        ("recipients", f"{run.recipients}"),
        ("messages to send", f"{run.messages}"),
        ("messages accepted (200)", f"{run.accepted}"),
        ("sending time, first to last accepted (s)", f"{run.span:.2f}"),
        ("worker wall time, start to exit (s)", f"{run.wall:.2f}"),
        ("worker start to first accepted (s)", f"{run.startup:.2f}"),
        ("achieved rate (msg/s)", f"{run.achieved:.2f}"),
        ("configured rate (msg/s)", f"{run.rate:g}"),
        ("achieved / configured", f"{run.ratio:.4f}"),
        ("most accepted in any 1 s window", f"{run.busiest_second}"),
        ("429s provoked", f"{run.too_many_requests}"),
        ("  global-limit breaches", f"{run.global_breaches}"),
        ("  per-chat breaches", f"{run.per_chat_breaches}"),
        ("other errors answered", errors),
        ("worker peak RSS (MB)", f"{run.rss_mb:.1f}"),
        ("worker CPU (s)", f"{run.worker_cpu:.1f}"),
        ("worker CPU per message (ms)", f"{run.worker_cpu / run.messages * 1000:.2f}"),
        ("double CPU (s)", f"{run.double_cpu:.1f}"),
    ]
    width = max(len(name) for name, _ in rows) + 2
    return [title, *(f"{name:<{width}}{value}" for name, value in rows), ""]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def target_lines(runs: Mapping[str, Run], small: Run | None) -> list[str]:
    """PASS/MISS per target."""
    lines = ["TARGETS"]
    for key in ("a", "b"):
        run = runs.get(key)
        if run is None:
            continue
        where = f"at {run.rate:g}/s with {run.recipients} recipients ({key})"
        lines += [
            f"target achieved/configured >= {TARGET_RATIO:.2f} {where}: "
            f"{_verdict(run.ratio >= TARGET_RATIO)} ({run.ratio:.4f})",
            f"target 429s provoked = 0 {where}: "
            f"{_verdict(run.too_many_requests == 0)} ({run.too_many_requests})",
            f"target per-chat breaches = 0 {where}: "
            f"{_verdict(run.per_chat_breaches == 0)} ({run.per_chat_breaches})",
        ]
    large = runs.get("b")
    if small is not None and large is not None:
        apart = abs(large.rss_mb - small.rss_mb)
        lines.append(
            f"target peak RSS {small.recipients} vs {large.recipients} recipients under "
            f"{TARGET_RSS_APART_MB:g} MB apart (c): {_verdict(apart < TARGET_RSS_APART_MB)} "
            f"({small.rss_mb:.1f} vs {large.rss_mb:.1f} MB, {apart:.1f} MB apart)"
        )
    return lines


# --------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace) -> list[str]:
    """Run the chosen scenarios; the report lines."""
    lines: list[str] = []
    runs: dict[str, Run] = {}
    small: Run | None = None
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp:
        workdir = Path(tmp)
        if args.scenario in ("a", "all"):
            run = await send_broadcast(
                "a",
                args.free_recipients,
                args.free_rate,
                paid=False,
                workdir=workdir,
                pieces=args.pieces,
            )
            runs["a"] = run
            lines += run_lines(f"(a) {_describe(run)}", run)
        if args.scenario in ("b", "c", "all"):
            run = await send_broadcast(
                "b",
                args.paid_recipients,
                args.paid_rate,
                paid=True,
                workdir=workdir,
                pieces=args.pieces,
                py_spy=args.py_spy,
            )
            runs["b"] = run
            lines += run_lines(f"(b) {_describe(run)}", run)
        if args.scenario in ("c", "all"):
            small = await send_broadcast(
                "c",
                args.rss_recipients,
                args.paid_rate,
                paid=True,
                workdir=workdir,
                pieces=args.pieces,
            )
            lines += run_lines(f"(c) {_describe(small)}, for peak RSS against (b)", small)
    return lines + target_lines(runs, small)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Broadcast rate, 429s, per-chat breaches and memory against the double."
    )
    parser.add_argument(
        "--scenario",
        choices=("a", "b", "c", "all"),
        default="all",
        help="a: free limits at 30/s; b: paid at 1000/s; c: peak RSS, small vs b "
        "(runs b too); default all",
    )
    parser.add_argument("--quick", action="store_true", help="300 recipients in a and 5,000 in b")
    parser.add_argument("--free-recipients", type=int, help="recipients in a (default 3000)")
    parser.add_argument("--free-rate", type=float, default=30.0, help="rate in a (default 30)")
    parser.add_argument("--paid-recipients", type=int, help="recipients in b (default 100000)")
    parser.add_argument(
        "--paid-rate",
        type=float,
        default=1000.0,
        help="rate and overall limit in b and c (default 1000)",
    )
    parser.add_argument(
        "--rss-recipients", type=int, default=1000, help="recipients in c (default 1000)"
    )
    parser.add_argument(
        "--pieces",
        type=int,
        default=1,
        metavar="N",
        help="send each recipient a text split into N messages (default 1: one short text)",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="FOLDER",
        help="sample the worker of b with py-spy: folded stacks in FOLDER/b.txt "
        "(summarise with: python -m bench.stacks FOLDER/b.txt)",
    )
    args = parser.parse_args(argv)
    if args.free_recipients is None:
        args.free_recipients = 300 if args.quick else 3000
    if args.paid_recipients is None:
        args.paid_recipients = 5000 if args.quick else 100_000
    for name in ("free_recipients", "paid_recipients", "rss_recipients"):
        if getattr(args, name) < 2:
            parser.error(f"--{name.replace('_', '-')} must be at least 2")
    if args.pieces < 1:
        parser.error("--pieces must be at least 1")
    if args.free_rate <= 0 or args.free_rate > 30:
        parser.error("--free-rate must be more than 0 and at most 30 (the free limit)")
    if args.paid_rate <= 0:
        parser.error("--paid-rate must be positive")
    args.py_spy = args.py_spy.resolve() if args.py_spy else None
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
