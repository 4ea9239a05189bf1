"""Throughput and latency benchmark: N residents onboard, compared with a bare PTB echo bot.

    .venv/bin/python bench/throughput.py [--residents 500] [--load 0.5] [--no-paced]

This process runs the offline Bot API double (over HTTP on 127.0.0.1) and the simulated
residents. Each bot runs in its own process (bench/_bot_process.py), so the double's and the
residents' CPU is never charged to the bot, as with the real, remote Telegram.

Phase 1, ours: N residents at once each do the four-step onboarding (/start, tap "Yes, I
agree", type an area, tap "No, thanks"), one step at a time, each waiting for the bot's reply.
Phase 2, echo: a bare python-telegram-bot echo bot (PTB defaults except concurrent updates,
same bound as ours) on a fresh double; N residents each send four texts, one at a time, each
waiting for its echo.
These two are SATURATED: no think time, so the bots run flat out and measure throughput; an
update's latency there is mostly queueing for the event loop (about N / throughput).

Phase 3, PACED (skip with --no-paced): the same residents and steps, each resident thinking
between a reply and their next step, so the offered load is a stated rate below saturation:
--load (default 0.5) x our saturated updates/s, the same absolute rate for both bots. Think
times are uniform around a mean of N / rate - service time, with a seeded generator (see
Pacing). Latency figures are taken over the steady window, while the rate holds.

Figures:
- updates/s: updates sent / wall time from the first update enqueued to the last expected
  reply seen by a resident.
- answers/s (ours): answer rows saved in the database / the same wall time.
- processing latency: time the bot spends handling one update, measured inside the bot
  process from the processor starting the handler coroutine to its end (Bot API calls
  included); the same wrapper times both bots.
- ratio: our updates/s / echo updates/s (saturated). Targets: ratio >= 0.7 (saturated) and
  our processing p99 < 25 ms at the paced phase's offered rate. The saturated p99 is printed
  too, but not judged: no design meets 25 ms with N updates queued at once.

Exit status 0 whether or not the targets are met; non-zero on errors (a reply that never
came, a bot process that failed, answers missing from the database).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import math
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import telegram

from bench._bot_process import GcPauses
from tgdouble import TEST_TOKEN, DoubleServer, FakeBotAPI, SentMessage

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.7
TARGET_P99_MS = 25.0
UPDATES_PER_RESIDENT = 4
ANSWERS_PER_RESIDENT = 3  # consent, area, equality_opt_in
FIRST_USER_ID = 100_000
UNLOADED_RESIDENTS = 25  # --details: residents one after another
THINK_SPREAD = 0.25  # paced phase: think times uniform in (1 +- this) x their mean
LONG_PAUSE = 0.005  # --details: GC pauses at least this long (s) count as stalls

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
        # (chat id, method, arrived, answered) for every call but getUpdates.
        self.timed_calls: list[tuple[int | None, str, float, float]] = []
        self._query_chats: dict[str, int] = {}  # callback query id -> chat id

    async def call(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Any = None,
        *,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        arrived = time.monotonic()
        result = await super().call(method, params, files, token=token)
        chat_id = _chat_id(params.get("chat_id"))
        if chat_id is None and "callback_query_id" in params:
            chat_id = self._query_chats.get(str(params["callback_query_id"]))
        if method != "getUpdates":
            self.timed_calls.append((chat_id, method, arrived, time.monotonic()))
        if chat_id is not None:
            waiter = self._waiters.get(chat_id)
            if waiter is not None and not waiter[1].done() and waiter[0](self.last(chat_id)):
                waiter[1].set_result(time.monotonic())
        return result

    def press(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None, **kw: Any
    ) -> dict[str, Any]:
        update = super().press(user_id, message_id, data, chat_id=chat_id, **kw)
        self._query_chats[update["callback_query"]["id"]] = user_id if chat_id is None else chat_id
        return update

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


def _echoes(text: str) -> Predicate:
    return lambda m: m is not None and m.text == text


def _asks(question: str) -> Predicate:
    # The texts that lead up to a question come in its message (one message a second a chat).
    return lambda m: m is not None and question in (m.text or "")


# --------------------------------------------------------------------------- residents

Step = tuple[Callable[[], object], Predicate]
Script = Callable[[BenchAPI, int], list[Step]]


def onboard(api: BenchAPI, user: int) -> list[Step]:
    """One resident's onboarding: each step, and the reply that ends it."""
    return [
        (partial(api.send_command, user, "start"), _asks("Are you happy to take part?")),
        (partial(api.tap, user, "Yes, I agree"), _asks("Which area do you live in?")),
        (partial(api.send_text, user, "Riverside"), _asks("Would you answer a few questions")),
        (partial(api.tap, user, "No, thanks"), _asks("What would you like to do?")),
    ]


def echo_chat(api: BenchAPI, user: int) -> list[Step]:
    """One resident sending four texts to the echo bot, each answered by its echo."""
    texts = [f"hello {i + 1} from {user}" for i in range(UPDATES_PER_RESIDENT)]
    return [(partial(api.send_text, user, text), _echoes(text)) for text in texts]


@dataclass(frozen=True)
class Pacing:
    """The paced phase: residents think between a reply and their next step.

    The offered load is `rate` updates/s, the same for both bots: `load` times our saturated
    throughput (`reference`). A closed loop of N residents offers N / (think + round trip)
    updates/s, so the mean think time is N / rate - `service` (the bot's CPU per update in the
    saturated phase, an estimate of the round trip without queueing). Each think time is
    uniform in [1 - THINK_SPREAD, 1 + THINK_SPREAD] x the mean.

    Staggered start: each resident's first step comes after a random part of one interval
    between steps, drawn from that interval's equilibrium distribution (a start uniform over
    one interval would bunch early second steps onto late first steps: a rate overshoot). The
    offered rate is then flat from the first second until the first resident would have
    taken a fifth step, which none can before `steady_for` seconds: the steady window, where
    the figures are judged. After it the load tails off as residents finish. Every resident
    draws from its own generator, seeded with (`seed`, resident), so both bots see the same
    pattern.
    """

    residents: int
    rate: float
    load: float
    reference: float
    service: float
    seed: int

    @property
    def cycle(self) -> float:
        """Seconds from one of a resident's steps to their next, on average."""
        return self.residents / self.rate

    @property
    def think(self) -> float:
        """Mean think time, seconds (0 when N residents cannot offer `rate`)."""
        return max(0.0, self.cycle - self.service)

    @property
    def steady_for(self) -> float:
        """Seconds from the start during which the offered rate stays at `rate`."""
        return UPDATES_PER_RESIDENT * (1 - THINK_SPREAD) * self.think

    def rng(self, user: int) -> random.Random:
        return random.Random(f"{self.seed}:{user}")

    def think_time(self, rng: random.Random) -> float:
        return self.think * (1 + THINK_SPREAD * (2 * rng.random() - 1))

    def first_step_after(self, rng: random.Random) -> float:
        """A draw from the equilibrium distribution of the interval between steps.

        Its density is (1 - F(x)) / mean for intervals with distribution F: flat up to the
        shortest interval, then falling in a straight line to 0 at the longest.
        """
        shortest, width = (1 - THINK_SPREAD) * self.cycle, 2 * THINK_SPREAD * self.cycle
        if rng.random() < 1 - THINK_SPREAD:  # the flat part holds shortest / mean of the mass
            return shortest * rng.random()
        return shortest + width * (1 - math.sqrt(rng.random()))


async def _walk(
    api: BenchAPI,
    user: int,
    steps: list[Step],
    timeout: float,  # noqa: ASYNC109
    pacing: Pacing | None,
) -> list[tuple[float, float]]:
    """One resident, step by step; (sent at, round trip) for each step."""
    rng = pacing.rng(user) if pacing is not None else None
    done = []
    for index, (act, expect) in enumerate(steps):
        if pacing is not None and rng is not None:  # a think time; the first, a staggered start
            await asyncio.sleep(pacing.think_time(rng) if index else pacing.first_step_after(rng))
        sent_at = time.monotonic()
        try:
            act()
        except LookupError as error:  # a button that is not there: the flow changed
            raise BenchError(f"resident {user}: {error}") from None
        seen_at = await api.reply(user, expect, timeout)
        done.append((sent_at, seen_at - sent_at))
    return done


async def _all_residents(
    script: Script,
    api: BenchAPI,
    users: range,
    timeout: float,  # noqa: ASYNC109
    *,
    sequential: bool,
    pacing: Pacing | None,
) -> list[list[tuple[float, float]]]:
    """Every resident at once (or one after another); the first failure stops the rest."""
    if sequential:
        return [await _walk(api, user, script(api, user), timeout, None) for user in users]
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(_walk(api, user, script(api, user), timeout, pacing))
                for user in users
            ]
    except* BenchError as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


@dataclass
class Phase:
    """What one bot did under load."""

    name: str
    residents: int
    sequential: bool = False
    pacing: Pacing | None = None
    updates: int = 0
    wall: float = 0.0
    started: float = 0.0  # time.monotonic() when the residents were let loose
    sent_at: list[float] = field(default_factory=list)  # each update, when queued
    round_trips: list[float] = field(default_factory=list)  # resident-side, seconds
    processing: list[float] = field(default_factory=list)  # bot-side, seconds
    in_flight: list[int] = field(default_factory=list)  # other updates in the bot, at each start
    samples: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, start, end)
    chats: list[int | None] = field(default_factory=list)  # each sample's chat
    # Event-loop thread CPU while each update was handled (its own only when sequential).
    loop_cpu_by_kind: dict[str, list[float]] = field(default_factory=dict)
    # Bot API calls the double answered during the run: (chat id, method, arrived, answered).
    double_calls: list[tuple[int | None, str, float, float]] = field(default_factory=list)
    # Ours: each hold of the store's connection lock, (asked, got, released); None if unknown.
    store_lock: list[tuple[float, float, float]] | None = None
    lock_wait: list[float] = field(default_factory=list)  # per sample: waiting for that lock
    lock_held: list[float] = field(default_factory=list)  # per sample: holding it (DB work)
    bot_gc: list[tuple[int, float, float]] = field(default_factory=list)  # (generation, start, end)
    double_gc: list[tuple[int, float, float]] = field(default_factory=list)  # this process's
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    bot_cpu: float | None = None
    bot_window: float = 0.0
    bot_threads_cpu: dict[str, float] = field(default_factory=dict)
    double_cpu: float = 0.0
    others_cpu: float | None = None  # every other process on the machine (Linux only)
    answers: int | None = None
    api_calls: dict[str, int] = field(default_factory=dict)  # Bot API method -> calls
    bot_warnings: list[str] = field(default_factory=list)

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.wall if self.wall else 0.0

    @property
    def steady_end(self) -> float:
        """Paced: when the steady window ends (time.monotonic()); otherwise never."""
        return self.started + self.pacing.steady_for if self.pacing is not None else math.inf

    @property
    def steady_processing(self) -> list[float]:
        """Processing times of the updates the bot started in the steady window."""
        return [end - start for _, start, end in self.samples if start < self.steady_end]

    @property
    def steady_round_trips(self) -> list[float]:
        return [
            trip
            for sent, trip in zip(self.sent_at, self.round_trips, strict=True)
            if sent < self.steady_end
        ]

    @property
    def steady_rate(self) -> float:
        """Updates/s the residents sent in the steady window."""
        window = min(self.steady_end, self.started + self.wall) - self.started
        sent = sum(1 for at in self.sent_at if at < self.steady_end)
        return sent / window if window > 0 else math.nan

    @property
    def other_threads_cpu(self) -> float | None:
        """CPU seconds of every thread but the event loop's (for ours: the database threads')."""
        if not self.bot_threads_cpu:
            return None
        return sum(s for name, s in self.bot_threads_cpu.items() if name != "MainThread")


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


def _system_busy() -> float:
    """CPU seconds every CPU of the machine has spent busy since boot (Linux; else NaN)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return math.nan
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used (Linux; else NaN)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    pacing: Pacing | None = None,
    profile: Path | None = None,
    py_spy: Path | None = None,
) -> Phase:
    """Start a fresh double and the bot, let the residents loose, collect the figures.

    `sequential`: residents one after another instead of all at once (latency without
    queueing). `pacing`: residents think between steps (the paced phase). `profile`: cProfile
    the bot's update handling into this file. `py_spy`: a folder where py-spy (on PATH or in
    $PY_SPY) records the bot process's stacks while it works.
    """
    phase = Phase(kind, residents, sequential, pacing, updates=residents * UPDATES_PER_RESIDENT)
    script: Script = onboard if kind == "ours" else echo_chat
    mode = "sequential" if sequential else "paced" if pacing is not None else "concurrent"
    label = f"{kind}-{mode}"
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
                    busy_start, bot_start = _system_busy(), _process_cpu(process.pid)
                    cpu_start, started = time.process_time(), time.monotonic()
                    with GcPauses() as double_gc:
                        results = await _all_residents(
                            script, api, users, timeout, sequential=sequential, pacing=pacing
                        )
                    phase.wall = time.monotonic() - started
                    phase.double_cpu = time.process_time() - cpu_start
                    bot_used = _process_cpu(process.pid) - bot_start
                    others = _system_busy() - busy_start - phase.double_cpu - bot_used
                    phase.others_cpu = None if math.isnan(others) else max(0.0, others)
                    phase.double_gc = double_gc.pauses
                finally:
                    await _stop_process(recorder, signal.SIGINT)  # py-spy saves on SIGINT
            finally:
                await _stop_process(process, signal.SIGTERM)
    finally:
        await api.aclose()
    if process.returncode != 0:
        raise BenchError(f"{kind} bot exited with {process.returncode}:\n{_tail(log)}")
    phase.double_calls = [call for call in api.timed_calls if call[2] >= started]
    for call in api.calls():
        if call.time >= started:
            phase.api_calls[call.method] = phase.api_calls.get(call.method, 0) + 1
    phase.started = started
    phase.sent_at = [sent_at for steps in results for sent_at, _ in steps]
    phase.round_trips = [seconds for steps in results for _, seconds in steps]
    phase.bot_warnings = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith(("WARNING", "ERROR", "CRITICAL"))
    ]
    stats = json.loads(stats_path.read_text())
    samples = [(str(k), float(start), float(end)) for k, start, end, *_ in stats["samples"]]
    phase.chats = [chat for _, _, _, chat, _, _ in stats["samples"]]
    for update_kind, _, _, _, cpu, _ in stats["samples"]:
        phase.loop_cpu_by_kind.setdefault(update_kind, []).append(float(cpu))
    if len(samples) != phase.updates:
        raise BenchError(f"{kind} bot handled {len(samples)} updates, expected {phase.updates}")
    phase.samples = samples
    for update_kind, start, end in samples:
        phase.processing.append(end - start)
        phase.by_kind.setdefault(update_kind, []).append(end - start)
    phase.in_flight = _in_flight([(start, end) for _, start, end in samples])
    phase.bot_gc = [
        (int(gen), float(start), float(end))
        for gen, start, end in stats.get("gc_pauses", [])
        if start >= started
    ]
    holds = stats.get("store_lock_holds")
    if holds is not None:
        # Each hold's wait and time held, added up per update (holds outside one: dropped).
        by_task: dict[int, list[int]] = {}  # ids can be reused once a task has ended
        for index, (*_, task) in enumerate(stats["samples"]):
            by_task.setdefault(task, []).append(index)
        phase.lock_wait = [0.0] * len(samples)
        phase.lock_held = [0.0] * len(samples)
        phase.store_lock = []
        for asked, got, released, task in holds:
            if asked >= started:
                phase.store_lock.append((float(asked), float(got), float(released)))
            for index in by_task.get(task, ()):
                if samples[index][1] <= asked <= samples[index][2]:
                    phase.lock_wait[index] += got - asked
                    phase.lock_held[index] += released - got
                    break
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


def _in_flight(intervals: list[tuple[float, float]]) -> list[int]:
    """For each (start, end): how many other intervals had started and not yet ended."""
    starts = sorted(start for start, _ in intervals)
    ends = sorted(end for _, end in intervals)
    return [
        bisect.bisect_left(starts, start) - bisect.bisect_right(ends, start)
        for start, _ in intervals
    ]


# --------------------------------------------------------------------------- report


def percentile(values: Sequence[float], pct: float) -> float:
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
    lines += [f"{label:32}{a:>19}{b:>17}".rstrip() for label, a, b in rows]
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


def _round_trip_rows(ours: Phase, echo: Phase) -> list[tuple[str, str, str]]:
    return [
        (
            f"resident round trip p{pct} (ms)",
            _ms(percentile(ours.round_trips, pct)),
            _ms(percentile(echo.round_trips, pct)),
        )
        for pct in (50, 99)
    ]


def _cpu_rows(ours: Phase, echo: Phase) -> list[tuple[str, str, str]]:
    return [
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
        (
            "other processes CPU busy",  # anything above a few % disturbs the figures
            _share(ours.others_cpu, ours.wall),
            _share(echo.others_cpu, echo.wall),
        ),
        ("bot warnings/errors logged", str(len(ours.bot_warnings)), str(len(echo.bot_warnings))),
    ]


def _by_kind(phase: Phase, heading: str) -> list[str]:
    lines = [heading]
    for update_kind, values in sorted(phase.by_kind.items()):
        lines.append(
            f"  {update_kind:8} n={len(values):5}  p50 {_ms(percentile(values, 50)):>7} ms"
            f"  p99 {_ms(percentile(values, 99)):>7} ms"
        )
    return lines


def _steady_in_flight(phase: Phase) -> list[int]:
    return [
        count
        for (_, start, _), count in zip(phase.samples, phase.in_flight, strict=True)
        if start < phase.steady_end
    ]


def _paced_report(ours: Phase, echo: Phase, pacing: Pacing) -> list[str]:
    def both(value: Callable[[Phase], str]) -> tuple[str, str]:
        return value(ours), value(echo)

    def pct(values: Callable[[Phase], list[float]], p: int) -> tuple[str, str]:
        return both(lambda phase: _ms(percentile(values(phase), p)))

    rows: list[tuple[str, str, str]] = [
        ("residents (paced)", *both(lambda ph: str(ph.residents))),
        ("updates", *both(lambda ph: str(ph.updates))),
        ("offered load (updates/s)", *both(lambda ph: f"{pacing.rate:.1f}")),
        ("think time mean (ms)", *both(lambda ph: _ms(ph.pacing.think if ph.pacing else 0))),
        ("steady window (s)", *both(lambda ph: f"{ph.pacing.steady_for if ph.pacing else 0:.2f}")),
        ("  updates sent in it", *both(lambda ph: str(len(ph.steady_round_trips)))),
        ("  measured send rate (updates/s)", *both(lambda ph: f"{ph.steady_rate:.1f}")),
        ("  processing p50 (ms)", *pct(lambda ph: ph.steady_processing, 50)),
        ("  processing p99 (ms)", *pct(lambda ph: ph.steady_processing, 99)),
        ("  resident round trip p50 (ms)", *pct(lambda ph: ph.steady_round_trips, 50)),
        ("  resident round trip p99 (ms)", *pct(lambda ph: ph.steady_round_trips, 99)),
        (
            "  others in flight at start p50/p99",
            *both(
                lambda ph: (
                    f"{percentile(_steady_in_flight(ph), 50):.0f} / "
                    f"{percentile(_steady_in_flight(ph), 99):.0f}"
                )
            ),
        ),
        ("whole phase, ramp-down included:", "", ""),
        ("  wall time (s)", *both(lambda ph: f"{ph.wall:.2f}")),
        ("  processing p99 (ms)", *pct(lambda ph: ph.processing, 99)),
        *_cpu_rows(ours, echo),
    ]
    return [
        f"PACED: {ours.residents} residents with think time (uniform {1 - THINK_SPREAD:g}-"
        f"{1 + THINK_SPREAD:g} x mean, seed {pacing.seed}); measures latency below saturation",
        f"offered to both bots: {pacing.rate:.1f} updates/s = {pacing.load:.0%} of our "
        f"saturated {pacing.reference:.1f} updates/s; judged in the steady window",
        *_table(ours, echo, rows),
    ]


def _where_time_went(phase: Phase) -> list[str]:
    """Paced, --details: where the updates over the target spent their time."""
    calls: dict[int | None, list[tuple[float, float]]] = {}
    for chat, _, arrived, answered in phase.double_calls:
        calls.setdefault(chat, []).append((arrived, answered))
    parts: list[tuple[float, float, float, float]] = []  # (total, lock wait, held, at double)
    for index, ((_, start, end), chat) in enumerate(zip(phase.samples, phase.chats, strict=True)):
        if start >= phase.steady_end:
            continue
        at_double = sum(b - a for a, b in calls.get(chat, []) if start <= a <= end)
        wait = phase.lock_wait[index] if phase.lock_wait else 0.0
        held = phase.lock_held[index] if phase.lock_held else 0.0
        parts.append((end - start, wait, held, at_double))
    slow = [p for p in parts if p[0] * 1000 >= TARGET_P99_MS]
    name = f"{phase.name} paced"
    lines = [
        f"{name}: {len(slow)} of {len(parts)} updates took {TARGET_P99_MS:.0f} ms or more "
        "(steady window); mean ms, slow ones (all):"
    ]

    def mean(values: list[tuple[float, float, float, float]], column: int) -> str:
        return _ms(sum(v[column] for v in values) / len(values)) if values else "-"

    rows = [("waiting for the store's lock", 1), ("holding it (SQLite, thread hops)", 2)]
    if not phase.lock_wait:
        rows = []
    rows.append(("in the double, answering Bot API calls", 3))
    for label, column in rows:
        lines.append(f"  {label:46}{mean(slow, column):>8} ({mean(parts, column)})")
    rest = [(p[0] - p[1] - p[2] - p[3], 0.0, 0.0, 0.0) for p in parts]
    slow_rest = [(p[0] - p[1] - p[2] - p[3], 0.0, 0.0, 0.0) for p in slow]
    rest_label = "the rest (bot CPU, HTTP, waiting for the loop)"
    lines += [
        f"  {rest_label:46}{mean(slow_rest, 0):>8} ({mean(rest, 0)})",
        f"  {'total':46}{mean(slow, 0):>8} ({mean(parts, 0)})",
    ]
    if phase.store_lock is None and phase.name == "ours":
        lines.append("  store's lock: not measured (it is not the asyncio.Lock expected)")
    if phase.store_lock:
        window = min(phase.steady_end, phase.started + phase.wall) - phase.started
        holds = [(g - a, r - g) for a, g, r in phase.store_lock if a < phase.steady_end]
        waits = [wait for wait, _ in holds]
        lines.append(
            f"  store's lock: {len(holds) / len(parts):.1f} holds per update, held "
            f"{_share(sum(held for _, held in holds), window)} of the time; one wait p99 "
            f"{_ms(percentile(waits, 99))} ms"
        )
    slow_spans = [
        (start, end)
        for _, start, end in phase.samples
        if start < phase.steady_end and (end - start) * 1000 >= TARGET_P99_MS
    ]
    for label, pauses in (("bot", phase.bot_gc), ("double+residents", phase.double_gc)):
        full = [end - start for gen, start, end in pauses if gen == 2]
        long = [(start, end) for _, start, end in pauses if end - start >= LONG_PAUSE]
        hit = sum(any(p < end and q > start for p, q in long) for start, end in slow_spans)
        longest = f", longest {_ms(max(full))} ms" if full else ""
        lines.append(
            f"  {label}: {len(pauses)} GC pauses, {_ms(sum(e - s for _, s, e in pauses))} ms, "
            f"{len(full)} full (gen 2){longest}; {hit} slow updates overlap one of "
            f"{_ms(LONG_PAUSE)} ms or more"
        )
    return lines


def report(
    ours: Phase,
    echo: Phase,
    unloaded: tuple[Phase, Phase] | None = None,
    paced: tuple[Phase, Phase] | None = None,
) -> list[str]:
    """The printed tables, as lines; details when the unloaded phases ran."""
    ratio = _ratio(ours, echo)
    rows: list[tuple[str, str, str]] = [
        ("residents (all at once)", str(ours.residents), str(echo.residents)),
        ("updates", str(ours.updates), str(echo.updates)),
        ("wall time (s)", f"{ours.wall:.2f}", f"{echo.wall:.2f}"),
        ("updates/s", f"{ours.updates_per_second:.1f}", f"{echo.updates_per_second:.1f}"),
        ("answers saved/s", f"{(ours.answers or 0) / ours.wall:.1f}", "-"),
        *_latency_rows(ours, echo),
        *_round_trip_rows(ours, echo),
        *_cpu_rows(ours, echo),
    ]
    lines = [
        f"Community Voice throughput benchmark (Python {sys.version.split()[0]}, "
        f"python-telegram-bot {telegram.__version__}, {os.cpu_count()} CPUs)",
        "",
        f"SATURATED: {ours.residents} residents all at once, no think time "
        "(closed loop; measures throughput)",
        *_table(ours, echo, rows),
    ]
    paced_ours, paced_echo = paced if paced is not None else (None, None)
    pacing = paced_ours.pacing if paced_ours is not None else None
    if paced_ours is not None and paced_echo is not None and pacing is not None:
        lines += ["", *_paced_report(paced_ours, paced_echo, pacing)]
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
            *_by_kind(ours, "ours, processing by update kind (saturated):"),
        ]
        if paced_ours is not None:
            lines += _by_kind(paced_ours, "ours, processing by update kind (paced, whole phase):")
        lines.append("event-loop CPU per update, residents one after another (ms):")
        for phase in unloaded:
            cpu = ", ".join(
                f"{update_kind} {_ms(sum(values) / len(values))}"
                for update_kind, values in sorted(phase.loop_cpu_by_kind.items())
            )
            lines.append(f"  {phase.name}: {cpu}")
        if ours.store_lock:
            held = sum(released - got for _, got, released in ours.store_lock)
            lines.append(
                f"ours saturated: store's lock held {_share(held, ours.wall)} of the time, "
                f"{len(ours.store_lock) / ours.updates:.1f} holds per update; waiting for it "
                f"{_ms(sum(ours.lock_wait) / ours.updates)} ms per update"
            )
        for phase in paced or ():
            lines += _where_time_went(phase)
        for phase in (ours, echo, *(paced or ())):
            name = phase.name + (" paced" if phase.pacing is not None else "")
            calls = ", ".join(f"{m} {n}" for m, n in sorted(phase.api_calls.items()))
            lines.append(f"{name} Bot API calls: {calls}")
            threads = ", ".join(f"{n} {s:.2f}" for n, s in sorted(phase.bot_threads_cpu.items()))
            lines.append(f"{name} bot CPU seconds by thread: {threads or '-'}")
    for phase in (ours, echo, *(paced or ())):
        name = phase.name + (" paced" if phase.pacing is not None else "")
        lines += [f"{name} bot: {warning}" for warning in phase.bot_warnings[:5]]
    saturated_p99 = percentile(ours.processing, 99) * 1000
    lines += [
        "",
        "ratio = our updates/s / echo updates/s "
        f"= {ours.updates_per_second:.1f} / {echo.updates_per_second:.1f} = {ratio:.2f}",
        f"target ratio >= {TARGET_RATIO:.2f}: {'PASS' if ratio >= TARGET_RATIO else 'MISS'} "
        f"({ratio:.2f}, saturated)",
    ]
    if paced_ours is not None and paced_echo is not None and pacing is not None:
        p99 = percentile(paced_ours.steady_processing, 99) * 1000
        lines.append(
            f"target p99 < {TARGET_P99_MS:.0f} ms at {pacing.rate:.1f} updates/s offered "
            f"({pacing.load:.0%} of saturated throughput): "
            f"{'PASS' if p99 < TARGET_P99_MS else 'MISS'} ({p99:.1f} ms; "
            f"echo {percentile(paced_echo.steady_processing, 99) * 1000:.1f} ms)"
        )
    else:
        lines.append(f"target p99 < {TARGET_P99_MS:.0f} ms: not judged (paced phase skipped)")
    lines.append(
        f"saturated p99 (not judged; queueing with {ours.residents} residents at once): "
        f"ours {saturated_p99:.1f} ms, echo {percentile(echo.processing, 99) * 1000:.1f} ms"
    )
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
        paced = None
        if args.paced:
            rate = args.load * ours.updates_per_second  # the same absolute rate for both bots
            pacings = [
                Pacing(
                    residents=args.residents,
                    rate=rate,
                    load=args.load,
                    reference=ours.updates_per_second,
                    service=(phase.bot_cpu or 0.0) / phase.updates,
                    seed=args.seed,
                )
                for phase in (ours, echo)
            ]
            paced = (
                await run_phase("ours", args.residents, workdir, timeout, pacing=pacings[0]),
                await run_phase("echo", args.residents, workdir, timeout, pacing=pacings[1]),
            )
        unloaded = None
        if args.details:
            count = min(args.residents, UNLOADED_RESIDENTS)
            unloaded = (
                await run_phase("ours", count, workdir, timeout, sequential=True),
                await run_phase("echo", count, workdir, timeout, sequential=True),
            )
    return report(ours, echo, unloaded, paced)


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
        "--load",
        type=float,
        default=0.5,
        metavar="FRACTION",
        help="paced phase: offer this fraction of our saturated updates/s to both bots "
        "(default 0.5)",
    )
    parser.add_argument(
        "--no-paced",
        dest="paced",
        action="store_false",
        help="skip the paced phase (then the p99 target is not judged)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="paced phase: seed for think times (default 1)"
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
    if not 0 < args.load <= 1:
        parser.error("--load must be more than 0 and at most 1")
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
