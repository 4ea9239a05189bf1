"""Throughput benchmark: N residents onboard at once, compared with a bare PTB echo bot.

    .venv/bin/python bench/throughput.py [--residents 500]

This process runs the offline Bot API double (over HTTP on 127.0.0.1) and the simulated
residents. Each bot runs in its own process (bench/_bot_process.py), so the double's and the
residents' CPU is never charged to the bot, as with the real, remote Telegram.

Phase 1, ours: N residents at once each do the four-step onboarding (/start, tap "Yes, I
agree", type an area, tap "No, thanks"), one step at a time, each waiting for the bot's reply.
Phase 2, echo: a bare python-telegram-bot echo bot (PTB defaults except concurrent updates,
same bound as ours) on a fresh double; N residents each send four texts, one at a time, each
waiting for its echo.

Figures:
- updates/s: updates sent / wall time from the first update enqueued to the last expected
  reply seen by a resident.
- answers/s (ours): answer rows saved in the database / the same wall time.
- processing latency: time the bot spends handling one update, measured inside the bot
  process from the processor starting the handler coroutine to its end (Bot API calls
  included); the same wrapper times both bots.
- ratio: our updates/s / echo updates/s. Targets: ratio >= 0.7 and our p99 < 25 ms.

Exit status 0 whether or not the targets are met; non-zero on errors (a reply that never
came, a bot process that failed, answers missing from the database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import telegram

from tests.double import TEST_TOKEN, DoubleServer, FakeBotAPI, SentMessage

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.7
TARGET_P99_MS = 25.0
UPDATES_PER_RESIDENT = 4
ANSWERS_PER_RESIDENT = 3  # consent, area, equality_opt_in
FIRST_USER_ID = 100_000
UNLOADED_RESIDENTS = 25  # --details: residents one after another

Predicate = Callable[[SentMessage | None], bool]


class BenchError(Exception):
    """The benchmark could not measure what it set out to (not a missed target)."""


class BenchAPI(FakeBotAPI):
    """The double, telling each waiting resident when a call touched their chat.

    FakeBotAPI.wait_for re-checks every waiter on every state change, which with hundreds of
    residents makes the double (not the bot) the bottleneck; here only the chat's own waiter
    is checked after a call to that chat.
    """

    def __init__(self) -> None:
        super().__init__()
        self._waiters: dict[int, tuple[Predicate, asyncio.Future[float]]] = {}

    async def call(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Any = None,
        *,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        result = await super().call(method, params, files, token=token)
        chat_id = _chat_id(params.get("chat_id"))
        if chat_id is not None:
            waiter = self._waiters.get(chat_id)
            if waiter is not None and not waiter[1].done() and waiter[0](self.last(chat_id)):
                waiter[1].set_result(time.monotonic())
        return result

    async def reply(self, chat_id: int, predicate: Predicate, timeout: float) -> float:  # noqa: ASYNC109
        """Wait until the chat's newest bot message satisfies `predicate`; when it did."""
        if predicate(self.last(chat_id)):
            return time.monotonic()
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters[chat_id] = (predicate, future)
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            last = self.last(chat_id)
            raise BenchError(
                f"resident {chat_id} got no expected reply within {timeout:g} s; "
                f"last bot message: {last.text if last else None!r}"
            ) from None
        finally:
            del self._waiters[chat_id]


def _chat_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None


def _text_is(expected: str) -> Predicate:
    return lambda m: m is not None and m.text == expected


def _text_starts(prefix: str) -> Predicate:
    return lambda m: m is not None and (m.text or "").startswith(prefix)


@dataclass
class Phase:
    """What one bot did under load."""

    name: str
    residents: int
    sequential: bool = False
    updates: int = 0
    wall: float = 0.0
    round_trips: list[float] = field(default_factory=list)  # resident-side, seconds
    processing: list[float] = field(default_factory=list)  # bot-side, seconds
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    bot_cpu: float | None = None
    bot_window: float = 0.0
    bot_threads_cpu: dict[str, float] = field(default_factory=dict)
    double_cpu: float = 0.0
    answers: int | None = None
    api_calls: dict[str, int] = field(default_factory=dict)  # Bot API method -> calls
    bot_warnings: list[str] = field(default_factory=list)

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.wall if self.wall else 0.0

    @property
    def other_threads_cpu(self) -> float | None:
        """CPU seconds of every thread but the event loop's (for ours: aiosqlite's)."""
        if not self.bot_threads_cpu:
            return None
        return sum(s for name, s in self.bot_threads_cpu.items() if name != "MainThread")


# --------------------------------------------------------------------------- residents

Step = tuple[Callable[[], object], Predicate]


async def onboard(api: BenchAPI, user: int, timeout: float) -> list[float]:  # noqa: ASYNC109
    """One resident's onboarding, step by step; the round trip of each step."""
    steps: list[Step] = [
        (partial(api.send_command, user, "start"), _text_is("Are you happy to take part?")),
        (partial(api.tap, user, "Yes, I agree"), _text_starts("Which area do you live in?")),
        (
            partial(api.send_text, user, "Riverside"),
            _text_starts("Would you answer a few questions"),
        ),
        (partial(api.tap, user, "No, thanks"), _text_is("What would you like to do?")),
    ]
    return await _walk(api, user, steps, timeout)


async def echo_chat(api: BenchAPI, user: int, timeout: float) -> list[float]:  # noqa: ASYNC109
    """One resident sending four texts to the echo bot, each after the previous echo."""
    texts = [f"hello {i + 1} from {user}" for i in range(UPDATES_PER_RESIDENT)]
    steps: list[Step] = [(partial(api.send_text, user, text), _text_is(text)) for text in texts]
    return await _walk(api, user, steps, timeout)


async def _walk(
    api: BenchAPI,
    user: int,
    steps: list[Step],
    timeout: float,  # noqa: ASYNC109
) -> list[float]:
    round_trips = []
    for act, expect in steps:
        sent_at = time.monotonic()
        try:
            act()
        except LookupError as error:  # a button that is not there: the flow changed
            raise BenchError(f"resident {user}: {error}") from None
        seen_at = await api.reply(user, expect, timeout)
        round_trips.append(seen_at - sent_at)
    return round_trips


Script = Callable[[BenchAPI, int, float], Coroutine[Any, Any, list[float]]]


async def _all_residents(
    script: Script,
    api: BenchAPI,
    users: range,
    timeout: float,  # noqa: ASYNC109
    *,
    sequential: bool,
) -> list[list[float]]:
    """Every resident at once (or one after another); the first failure stops the rest."""
    if sequential:
        return [await script(api, user, timeout) for user in users]
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(script(api, user, timeout)) for user in users]
    except* BenchError as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


# --------------------------------------------------------------------------- bot processes


async def _spawn_bot(
    kind: str,
    server: DoubleServer,
    workdir: Path,
    label: str,
    database: Path,
    profile: Path | None,
) -> tuple[asyncio.subprocess.Process, Path, Path]:
    """Start bench/_bot_process.py; returns the process, its stats file and its log."""
    stats = workdir / f"{label}-stats.json"
    log = workdir / f"{label}-bot.log"
    command = [sys.executable, "-m", "bench._bot_process", "--kind", kind]
    command += ["--base-url", server.base_url, "--token", TEST_TOKEN, "--stats", str(stats)]
    if kind == "ours":
        command += ["--db", str(database)]
    if profile is not None:
        command += ["--profile", str(profile)]
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out
        )
    return process, stats, log


async def _wait_ready(api: BenchAPI, process: asyncio.subprocess.Process, log: Path) -> None:
    """Until the bot's first getUpdates: started, commands registered, polling."""
    deadline = time.monotonic() + 60
    while not api.calls("getUpdates"):
        if process.returncode is not None:
            raise BenchError(f"bot process exited with {process.returncode}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise BenchError(f"bot did not start polling within 60 s:\n{_tail(log)}")
        with contextlib.suppress(TimeoutError):
            await api.wait_for(lambda: api.calls("getUpdates"), timeout=0.2)


async def _start_py_spy(
    folder: Path | None, kind: str, pid: int
) -> asyncio.subprocess.Process | None:
    """Attach py-spy to the bot process; its folded stacks go to FOLDER/KIND.txt."""
    if folder is None:
        return None
    executable = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if executable is None:
        raise BenchError("--py-spy needs py-spy on PATH or in $PY_SPY (pip install py-spy)")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{kind}.py-spy.log").open("wb") as log:
        recorder = await asyncio.create_subprocess_exec(
            executable,
            *("record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--threads"),
            *("--nonblocking", "--output", str(folder / f"{kind}.txt")),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    await asyncio.sleep(0.5)  # attached before the residents start
    return recorder


async def _stop_process(process: asyncio.subprocess.Process | None, sig: signal.Signals) -> None:
    """Ask `process` to end with `sig`; kill it if it has not within 30 s."""
    if process is None or process.returncode is not None:
        return
    process.send_signal(sig)
    try:
        async with asyncio.timeout(30):
            await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- one phase


async def run_phase(
    kind: str,
    residents: int,
    workdir: Path,
    timeout: float,  # noqa: ASYNC109
    *,
    sequential: bool = False,
    profile: Path | None = None,
    py_spy: Path | None = None,
) -> Phase:
    """Start a fresh double and the bot, let the residents loose, collect the figures.

    `sequential`: residents one after another instead of all at once (latency without
    queueing). `profile`: cProfile the bot's update handling into this file. `py_spy`: a folder
    where py-spy (on PATH or in $PY_SPY) records the bot process's stacks while it works.
    """
    phase = Phase(kind, residents, sequential, updates=residents * UPDATES_PER_RESIDENT)
    script: Script = onboard if kind == "ours" else echo_chat
    label = f"{kind}-{'sequential' if sequential else 'concurrent'}"
    database = workdir / f"{label}.sqlite3"
    api = BenchAPI()
    try:
        async with DoubleServer(api) as server:
            process, stats_path, log = await _spawn_bot(
                kind, server, workdir, label, database, profile
            )
            try:
                await _wait_ready(api, process, log)
                recorder = await _start_py_spy(py_spy, kind, process.pid)
                users = range(FIRST_USER_ID, FIRST_USER_ID + residents)
                try:
                    cpu_start, started = time.process_time(), time.monotonic()
                    results = await _all_residents(
                        script, api, users, timeout, sequential=sequential
                    )
                    phase.wall = time.monotonic() - started
                    phase.double_cpu = time.process_time() - cpu_start
                finally:
                    await _stop_process(recorder, signal.SIGINT)  # py-spy saves on SIGINT
            finally:
                await _stop_process(process, signal.SIGTERM)
    finally:
        await api.aclose()
    if process.returncode != 0:
        raise BenchError(f"{kind} bot exited with {process.returncode}:\n{_tail(log)}")
    for call in api.calls():
        if call.time >= started:
            phase.api_calls[call.method] = phase.api_calls.get(call.method, 0) + 1
    phase.round_trips = [seconds for steps in results for seconds in steps]
    phase.bot_warnings = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith(("WARNING", "ERROR", "CRITICAL"))
    ]
    stats = json.loads(stats_path.read_text())
    samples = [(str(k), float(start), float(end)) for k, start, end in stats["samples"]]
    if len(samples) != phase.updates:
        raise BenchError(f"{kind} bot handled {len(samples)} updates, expected {phase.updates}")
    for update_kind, start, end in samples:
        phase.processing.append(end - start)
        phase.by_kind.setdefault(update_kind, []).append(end - start)
    phase.bot_cpu = stats["cpu_seconds"]
    phase.bot_threads_cpu = stats["threads_cpu_seconds"]
    phase.bot_window = max(end for _, _, end in samples) - min(start for _, start, _ in samples)
    if kind == "ours":
        with contextlib.closing(sqlite3.connect(database)) as db:
            [(phase.answers,)] = db.execute("SELECT COUNT(*) FROM answers").fetchall()
        expected = residents * ANSWERS_PER_RESIDENT
        if phase.answers != expected:
            raise BenchError(f"{phase.answers} answers saved, expected {expected}")
    return phase


# --------------------------------------------------------------------------- report


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * pct / 100))
    return ordered[rank - 1]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _share(part: float | None, whole: float | None) -> str:
    return "-" if part is None or not whole else f"{100 * part / whole:.0f}%"


def _per_update(phase: Phase) -> str:
    calls = sum(n for method, n in phase.api_calls.items() if method != "getUpdates")
    return f"{calls / phase.updates:.2f}"


def _ratio(a: Phase, b: Phase) -> float:
    return a.updates_per_second / b.updates_per_second if b.updates_per_second else 0.0


def _table(ours: Phase, echo: Phase, rows: list[tuple[str, str, str]]) -> list[str]:
    lines = [f"{'':32}{'ours (onboarding)':>19}{'echo (bare PTB)':>17}"]
    lines += [f"{label:32}{a:>19}{b:>17}" for label, a, b in rows]
    return lines


def _latency_rows(ours: Phase, echo: Phase) -> list[tuple[str, str, str]]:
    return [
        (
            f"processing p{pct} (ms)",
            _ms(percentile(ours.processing, pct)),
            _ms(percentile(echo.processing, pct)),
        )
        for pct in (50, 99)
    ]


def report(ours: Phase, echo: Phase, unloaded: tuple[Phase, Phase] | None = None) -> list[str]:
    """The printed table, as lines; details when the unloaded phases ran."""
    ratio = _ratio(ours, echo)
    ours_p99_ms = percentile(ours.processing, 99) * 1000
    rows: list[tuple[str, str, str]] = [
        ("residents (all at once)", str(ours.residents), str(echo.residents)),
        ("updates", str(ours.updates), str(echo.updates)),
        ("wall time (s)", f"{ours.wall:.2f}", f"{echo.wall:.2f}"),
        ("updates/s", f"{ours.updates_per_second:.1f}", f"{echo.updates_per_second:.1f}"),
        ("answers saved/s", f"{(ours.answers or 0) / ours.wall:.1f}", "-"),
        *_latency_rows(ours, echo),
        (
            "resident round trip p50 (ms)",
            _ms(percentile(ours.round_trips, 50)),
            _ms(percentile(echo.round_trips, 50)),
        ),
        ("Bot API calls per update", _per_update(ours), _per_update(echo)),
        (
            "bot CPU per update (ms)",
            _ms((ours.bot_cpu or 0) / ours.updates),
            _ms((echo.bot_cpu or 0) / echo.updates),
        ),
        (
            "  of which other threads",
            _share(ours.other_threads_cpu, ours.bot_cpu),
            _share(echo.other_threads_cpu, echo.bot_cpu),
        ),
        (
            "bot process CPU busy",
            _share(ours.bot_cpu, ours.bot_window),
            _share(echo.bot_cpu, echo.bot_window),
        ),
        (
            "double+residents CPU busy",
            _share(ours.double_cpu, ours.wall),
            _share(echo.double_cpu, echo.wall),
        ),
        ("bot warnings/errors logged", str(len(ours.bot_warnings)), str(len(echo.bot_warnings))),
    ]
    lines = [
        f"Community Voice throughput benchmark (Python {sys.version.split()[0]}, "
        f"python-telegram-bot {telegram.__version__}, {os.cpu_count()} CPUs)",
        "",
        *_table(ours, echo, rows),
    ]
    if unloaded is not None:
        quiet_ours, quiet_echo = unloaded
        lines += [
            "",
            f"unloaded: {quiet_ours.residents} residents one after another",
            *_table(
                quiet_ours,
                quiet_echo,
                [
                    (
                        "updates/s",
                        f"{quiet_ours.updates_per_second:.1f}",
                        f"{quiet_echo.updates_per_second:.1f}",
                    ),
                    *_latency_rows(quiet_ours, quiet_echo),
                ],
            ),
            "ratio with residents one after another (for comparison, not the target's) = "
            f"{_ratio(quiet_ours, quiet_echo):.2f}",
            "throughput all at once vs one after another: "
            f"ours {_ratio(ours, quiet_ours):.2f}x, echo {_ratio(echo, quiet_echo):.2f}x",
            "",
            "ours, processing by update kind (all at once):",
        ]
        for update_kind, values in sorted(ours.by_kind.items()):
            lines.append(
                f"  {update_kind:8} n={len(values):5}  p50 {_ms(percentile(values, 50)):>7} ms"
                f"  p99 {_ms(percentile(values, 99)):>7} ms"
            )
        for phase in (ours, echo):
            calls = ", ".join(f"{m} {n}" for m, n in sorted(phase.api_calls.items()))
            lines.append(f"{phase.name} Bot API calls: {calls}")
            threads = ", ".join(f"{n} {s:.2f}" for n, s in sorted(phase.bot_threads_cpu.items()))
            lines.append(f"{phase.name} bot CPU seconds by thread: {threads or '-'}")
    for phase in (ours, echo):
        lines += [f"{phase.name} bot: {warning}" for warning in phase.bot_warnings[:5]]
    lines += [
        "",
        "ratio = our updates/s / echo updates/s "
        f"= {ours.updates_per_second:.1f} / {echo.updates_per_second:.1f} = {ratio:.2f}",
        f"target ratio >= {TARGET_RATIO:.2f}: {'PASS' if ratio >= TARGET_RATIO else 'MISS'} "
        f"({ratio:.2f})",
        f"target p99 < {TARGET_P99_MS:.0f} ms: "
        f"{'PASS' if ours_p99_ms < TARGET_P99_MS else 'MISS'} ({ours_p99_ms:.1f} ms)",
    ]
    return lines


# --------------------------------------------------------------------------- CLI


async def bench(args: argparse.Namespace) -> list[str]:
    """Every phase, in one temporary folder; the report."""
    with tempfile.TemporaryDirectory(prefix="cv-bench-") as tmp:
        workdir = Path(tmp)
        timeout = args.reply_timeout
        ours = await run_phase(
            "ours", args.residents, workdir, timeout, profile=args.profile, py_spy=args.py_spy
        )
        echo = await run_phase("echo", args.residents, workdir, timeout, py_spy=args.py_spy)
        unloaded = None
        if args.details:
            count = min(args.residents, UNLOADED_RESIDENTS)
            unloaded = (
                await run_phase("ours", count, workdir, timeout, sequential=True),
                await run_phase("echo", count, workdir, timeout, sequential=True),
            )
    return report(ours, echo, unloaded)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="N residents onboard at once; throughput compared with a bare PTB echo bot."
    )
    parser.add_argument(
        "--residents", type=int, default=500, help="simulated residents (default 500)"
    )
    parser.add_argument("--quick", action="store_true", help="50 residents, for a quick look")
    parser.add_argument(
        "--reply-timeout",
        type=float,
        default=60.0,
        help="seconds a resident waits for each reply before the run fails (default 60)",
    )
    parser.add_argument(
        "--details",
        action="store_true",
        help=f"also run {UNLOADED_RESIDENTS} residents one after another (latency without "
        "queueing), and print latency per update kind, Bot API calls and CPU per thread",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="cProfile our bot's update handling into FILE (pstats; slows the bot down)",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="FOLDER",
        help="sample both bot processes with py-spy: folded stacks in FOLDER/ours.txt and "
        "FOLDER/echo.txt (summarise with: python -m bench.stacks FOLDER/ours.txt)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.residents = 50
    if args.residents < 1:
        parser.error("--residents must be at least 1")
    # The bot runs in the repository folder: make paths the user gave absolute.
    args.profile = args.profile.resolve() if args.profile else None
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
    if args.profile is not None:
        print(f"\ncProfile of our bot: {args.profile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
