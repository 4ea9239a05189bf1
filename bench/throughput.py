"""Throughput and latency: our bot against a bare PTB bot making the same Bot API calls.

    .venv/bin/python bench/throughput.py [--residents 100,500] [--runs 3] [--paced both]

This process runs the offline Bot API double (over HTTP on 127.0.0.1) and the simulated
residents. Each bot runs in a process of its own (bench/_bot_process.py), so the double's and
the residents' CPU is never charged to the bot, as with the real, remote Telegram.

Every resident does the onboarding: /start, tap "Yes, I agree", type "Riverside", tap "No,
thanks" (four steps, three answers saved), one step at a time, waiting for the bot's reply.

1. CALIBRATION: a few residents one after another with our bot. From the double's call log,
   the Bot API calls ours makes for each step (methods, parameters, in order) become the
   baseline's script; SQL statements and transactions per step come from the bot's own trace.
2. The baseline ("mirror", bench/_bot_process.py) is a bare python-telegram-bot bot with no
   logic: for a chat's n-th update it makes step n's calls through PTB's own methods, on our
   transport (bot/telegram/http.py's AiohttpRequest, set up as ours sets it up). Same
   methods, same number, same texts and keyboards, same double; only our logic is missing.
   Every run re-derives both bots' calls per step from the double's log and checks them.
   ROUND TRIPS (--round-trip-latency, default 50 ms): a few residents one after another with
   each bot, the double answering every call that long after it came, as Telegram would: the
   calls of each step that went at once (one round trip) and those that waited for an answer
   first must be the same in both bots, or the benchmark stops (a baseline making at once
   calls ours makes one after another, or the other way round, would not be doing the same
   work); each step's processing time shows what a round trip costs a resident. Not run with
   --in-service (ours would wait its turn in a chat, one message a second; the baseline not).
3. SATURATED, for each size (--residents): that many residents at once, no think time, so
   the bots run flat out; each resident who finishes is followed by a new one (--waves),
   so that a run has at least 4,000 steps (one wave at 100 residents was over in a second).
   Ours and the baseline alternate (ours, baseline, ours, ...) --runs times each, then the
   baseline once more on PTB's default httpx transport, for context.
4. PACED (--paced quiet|busy|both|none): residents thinking between steps, so both bots are
   offered --load (default 0.5) x our median saturated steps/s at that size (or a fixed
   --paced-rate, the same at every run and commit); as many
   residents as give a steady window of --paced-window seconds (each has only four steps).
   "busy" runs a CPU-burning child process meanwhile (--busy-processes), as the target asks;
   its load is a share of our saturated rate with the burner running too, measured first
   (SATURATED ... WITH A CPU-BURNING PROCESS), so that it is below saturation in the
   condition it is offered in, as the paced phase means it to be (--busy-reference idle: a
   share of the rate on an idle machine, as before 2026-12-05; on 2 CPUs with one burnt
   that load filled the machine, and neither bot kept its p99 near the target).

Figures: steps/s (steps / wall time from the first step to the last reply seen), CPU ms per
step (the bot process only, every thread), SQL statements per step (ours' connections),
Bot API calls per step, processing p50/p99 (handler start to end, Bot API calls included,
timed by the same wrapper in both bots), and the ratio ours / baseline per pair of runs.
Targets: ratio >= 0.5 and paced p99 < 25 ms with another process busy; a target is PASS only
if every run meets it. Exit status 0 whether or not targets are met; 1 when the benchmark
could not measure (a reply that never came, a bot that failed, calls that do not match, or
calls made in other round trips than ours').
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import math
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import telegram

from bench._bot_process import CHAT, LIMITS_ENV, QUERY, SENT, made_beside
from tgdouble import TEST_TOKEN, CallRecord, DoubleServer, FakeBotAPI, SentMessage

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.5
TARGET_P99_MS = 25.0
ANSWERS_PER_RESIDENT = 3  # consent, area, equality_opt_in
FIRST_USER_ID = 100_000
# A saturated run has at least this many steps: at 100 residents one wave of four steps each
# was over in about a second, and a collector's pause or a scheduler's hiccup moved its ratio
# from 0.43 to 0.75 between runs.
STEPS_PER_RUN = 4000
THINK_SPREAD = 0.25  # paced phase: think times uniform in (1 +- this) x their mean
BOTS = {
    "ours": "ours",
    "baseline": "baseline (bare PTB, aiohttp)",
    "httpx": "context: bare PTB, httpx",
}

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
        self._query_chats: dict[str, int] = {}  # callback query id -> chat id

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
        if chat_id is None and "callback_query_id" in params:
            chat_id = self._query_chats.get(str(params["callback_query_id"]))
        if chat_id is not None:
            waiter = self._waiters.get(chat_id)
            if waiter is not None and not waiter[1].done() and waiter[0](self.last(chat_id)):
                waiter[1].set_result(time.monotonic())
        return result

    def chat_of(self, call: CallRecord) -> int | None:
        """The chat a call was about (answerCallbackQuery: the query's chat)."""
        chat = _chat_id(call.params.get("chat_id"))
        if chat is None and "callback_query_id" in call.params:
            chat = self._query_chats.get(str(call.params["callback_query_id"]))
        return chat

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

# The onboarding, step by step: (label, update kind); `onboard` makes the actions.
STEPS = (
    ("/start", "command"),
    ("tap “Yes, I agree”", "button"),
    ("type “Riverside”", "text"),
    ("tap “No, thanks”", "button"),
)
UPDATES_PER_RESIDENT = len(STEPS)


def onboard(api: BenchAPI, user: int) -> list[Step]:
    """One resident's onboarding: each step, and the reply that ends it."""
    return [
        (partial(api.send_command, user, "start"), _asks("Are you happy to take part?")),
        (partial(api.tap, user, "Yes, I agree"), _asks("Which area do you live in?")),
        (partial(api.send_text, user, "Riverside"), _asks("Would you answer a few questions")),
        (partial(api.tap, user, "No, thanks"), _asks("What would you like to do?")),
    ]


@dataclass(frozen=True)
class Pacing:
    """The paced phase: residents think between a reply and their next step.

    The offered load is `rate` steps/s, the same for both bots: `load` times our median
    saturated throughput (`reference`). A closed loop of N residents offers N / (think +
    round trip) steps/s, so the mean think time is N / rate - `service` (the bot's CPU per
    step in the saturated phase, an estimate of the round trip without queueing). Each think
    time is uniform in [1 - THINK_SPREAD, 1 + THINK_SPREAD] x the mean.

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
    fixed: bool = False  # `rate` was given (--paced-rate), not a share of `reference`
    burners: int = 0  # CPU-burning processes running while `reference` was measured

    @property
    def offered(self) -> str:
        """The offered rate as the output names it."""
        share = f"{self.load:.0%} of our median saturated rate"
        if self.burners:
            share += f" (measured with {_burning(self.burners)} busy too)"
        return f"a fixed {self.rate:g} steps/s ({share})" if self.fixed else share

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

    def first_draw(self, user: int) -> tuple[float, random.Random]:
        """A resident's first step's wait, and its generator, which think times come from next."""
        rng = self.rng(user)
        return self.first_step_after(rng), rng

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
    timeout: float,  # noqa: ASYNC109
    pacing: Pacing | None,
    rng: random.Random | None,
    first_after: float,
) -> list[tuple[float, float]]:
    """One resident, step by step: the first `first_after` seconds from now, each other a
    think time (drawn from `rng`) after the reply before; (sent at, round trip) for each."""
    done = []
    for index, (act, expect) in enumerate(onboard(api, user)):
        if index and pacing is not None and rng is not None:
            await asyncio.sleep(pacing.think_time(rng))
        elif not index and first_after > 0:
            await asyncio.sleep(first_after)
        sent_at = time.monotonic()
        try:
            act()
        except LookupError as error:  # a button that is not there: the flow changed
            raise BenchError(f"resident {user}: {error}") from None
        seen_at = await api.reply(user, expect, timeout)
        done.append((sent_at, seen_at - sent_at))
    return done


@dataclass(frozen=True)
class Lane:
    """Residents who take their turn one after another. Paced, the first starts
    `first_after` seconds after the residents are let loose (`rng` is that resident's own
    generator, which has drawn it; their think times come from it next, so a plan serves one
    run), and each after them, with a generator of their own, a staggered wait after the one
    before is done. (Paced runs have one resident a lane.)"""

    people: range
    first_after: float = 0.0
    rng: random.Random | None = None


def plan_lanes(users: range, at_once: int, pacing: Pacing | None) -> list[Lane]:
    """`users` in `at_once` lanes side by side, in the order their first residents start.

    Planned before the clock starts, and each lane begun only when its first resident is
    due. Until 2026-12-05 every resident was a task from the start, each sleeping its
    staggered wait from when it first ran; the loop's first turn ran all of them that far
    (45 ms for 2,361 in a paced run), and the steps due meanwhile went at its end, together:
    13 `/start` at once instead of the flat rate the paced phase offers, a fresh bot's first
    steps, and among either bot's slowest of the run (ours' the more).
    """
    lanes = [users[first::at_once] for first in range(min(at_once, len(users)))]
    if pacing is None:
        return [Lane(people) for people in lanes]
    planned = [Lane(people, *pacing.first_draw(people[0])) for people in lanes]
    return sorted(planned, key=lambda lane: lane.first_after)


async def _all_residents(
    api: BenchAPI,
    lanes: list[Lane],
    timeout: float,  # noqa: ASYNC109
    pacing: Pacing | None,
) -> list[list[tuple[float, float]]]:
    """The lanes side by side, each begun when its first resident is due; the first failure
    stops the rest."""

    async def walk(lane: Lane) -> list[list[tuple[float, float]]]:
        walked = [await _walk(api, lane.people[0], timeout, pacing, lane.rng, 0.0)]
        for user in lane.people[1:]:
            if pacing is None:
                walked.append(await _walk(api, user, timeout, None, None, 0.0))
            else:
                after, rng = pacing.first_draw(user)
                walked.append(await _walk(api, user, timeout, pacing, rng, after))
        return walked

    origin = time.monotonic()
    tasks = []
    try:
        async with asyncio.TaskGroup() as group:
            for lane in lanes:
                wait = origin + lane.first_after - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                tasks.append(group.create_task(walk(lane)))
    except* BenchError as failures:
        raise failures.exceptions[0] from None
    return [walked for task in tasks for walked in task.result()]


# --------------------------------------------------------------------------- one phase

Signature = tuple[tuple[str, ...], ...]  # per step, the Bot API methods called, in order
# Per step, its calls in the round trips they took: each trip's methods, sorted.
Trips = tuple[tuple[tuple[str, ...], ...], ...]


@dataclass
class Phase:
    """What one bot did in one run."""

    bot: str  # ours, baseline or httpx
    residents: int
    mode: str  # calibration, round trips, saturated or paced
    run: int = 1
    pacing: Pacing | None = None
    busy: int = 0  # CPU-burning processes running meanwhile
    size: int = 0  # paced: the saturated phase's residents, whose rate it is offered a share of
    waves: int = 1  # saturated: each resident who finishes is followed by a new one, this often
    latency: float = 0.0  # seconds the double waits before answering each call (round trips)
    updates: int = 0
    wall: float = 0.0
    started: float = 0.0  # time.monotonic() when the residents were let loose
    sent_at: list[float] = field(default_factory=list)  # each step, when the resident sent it
    round_trips: list[float] = field(default_factory=list)  # resident-side, seconds
    samples: list[tuple[str, float, float, int | None]] = field(default_factory=list)
    signatures: Counter[Signature] = field(default_factory=Counter)  # residents by signature
    trips: Counter[Trips] = field(default_factory=Counter)  # with latency: residents by trips
    step_calls: int = 0  # Bot API calls attributed to a step (getUpdates never is)
    calls_outside: int = 0  # calls to a resident's chat outside any of its updates
    api_calls: Counter[str] = field(default_factory=Counter)  # after the start, by method
    # Seconds, pooled over the steps begun in the steady window (paced) or all: from a step's
    # start to its first call's arrival at the double ("first call"), from each of its calls'
    # arrival to the next's ("between calls"), from its last call's arrival to its end; of all
    # its calls, in the order they arrived (those made beside the rest included).
    call_timing: dict[str, list[float]] = field(default_factory=dict)
    sql: dict[str, list[float]] = field(default_factory=dict)  # statement start times by class
    writes: list[tuple[float, float, str]] = field(default_factory=list)
    bot_gc: list[tuple[int, float, float]] = field(default_factory=list)
    bot_cpu: float | None = None
    bot_threads_cpu: dict[str, float] = field(default_factory=dict)
    double_cpu: float = 0.0
    others_cpu: float | None = None  # every other process on the machine (Linux only)
    burner_cpu: float | None = None  # the busy processes' CPU, seconds
    answers: int | None = None
    bot_warnings: list[str] = field(default_factory=list)
    script: dict[str, Any] | None = None  # calibration: the calls per step, as a script
    sql_per_step: list[dict[str, float]] = field(default_factory=list)  # calibration

    @property
    def label(self) -> str:
        return BOTS[self.bot]

    @property
    def people(self) -> int:
        """Residents in the whole run: `residents` at a time, in `waves`."""
        return self.residents * self.waves

    @property
    def steps_per_second(self) -> float:
        return self.updates / self.wall if self.wall else 0.0

    @property
    def processing(self) -> list[float]:
        return [end - start for _, start, end, _ in self.samples]

    @property
    def window(self) -> tuple[float, float]:
        """From the first update's start to the last one's end (bot side)."""
        return min(s for _, s, _, _ in self.samples), max(e for _, _, e, _ in self.samples)

    @property
    def cpu_ms_per_step(self) -> float:
        return (self.bot_cpu or 0.0) / self.updates * 1000

    @property
    def calls_per_step(self) -> float:
        return self.step_calls / self.updates

    def sql_count(self, kind: str) -> int:
        """Statements of one class run between the first update's start and the last's end."""
        start, end = self.window
        return sum(1 for at in self.sql.get(kind, ()) if start <= at <= end)

    @property
    def sql_per_update(self) -> float | None:
        """SQL statements per step (BEGIN and COMMIT included); None for the baselines."""
        if not self.sql:
            return None
        total = sum(self.sql_count(kind) for kind in ("read", "write", "end", "statement"))
        return total / self.updates

    @property
    def steady_end(self) -> float:
        """Paced: when the steady window ends (time.monotonic()); otherwise never."""
        return self.started + self.pacing.steady_for if self.pacing is not None else math.inf

    @property
    def steady_samples(self) -> list[tuple[str, float, float, int | None]]:
        """The samples of the updates the bot started in the steady window."""
        return [sample for sample in self.samples if sample[1] < self.steady_end]

    @property
    def steady_processing(self) -> list[float]:
        """Processing times of the updates the bot started in the steady window."""
        return [end - start for _, start, end, _ in self.steady_samples]

    @property
    def steady_rate(self) -> float:
        """Steps/s the residents sent in the steady window."""
        window = min(self.steady_end, self.started + self.wall) - self.started
        sent = sum(1 for at in self.sent_at if at < self.steady_end)
        return sent / window if window > 0 else math.nan

    @property
    def matching(self) -> int:
        """Residents whose calls per step are the most common signature's."""
        return self.signatures.most_common(1)[0][1] if self.signatures else 0

    @property
    def signature(self) -> Signature:
        return self.signatures.most_common(1)[0][0] if self.signatures else ()


async def _spawn_bot(
    phase: Phase,
    server: DoubleServer,
    workdir: Path,
    name: str,
    *,
    script: Path | None,
    count_sql: bool,
    profile: Path | None,
) -> tuple[asyncio.subprocess.Process, Path, Path, Path]:
    """Start bench/_bot_process.py; the process, its stats file, its log and its database."""
    stats, log, database = (workdir / f"{name}{s}" for s in ("-stats.json", ".log", ".sqlite3"))
    command = [sys.executable, "-m", "bench._bot_process"]
    command += ["--base-url", server.base_url, "--token", TEST_TOKEN, "--stats", str(stats)]
    if phase.bot == "ours":
        command += ["--kind", "ours", "--db", str(database)]
        if not count_sql:
            command.append("--no-sql-count")
    else:
        assert script is not None
        transport = "httpx" if phase.bot == "httpx" else "aiohttp"
        command += ["--kind", "mirror", "--script", str(script), "--transport", transport]
    if profile is not None:
        command += ["--profile", str(profile)]
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out
        )
    return process, stats, log, database


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
    folder: Path | None, name: str, pid: int
) -> asyncio.subprocess.Process | None:
    """Attach py-spy to the bot process; its folded stacks go to FOLDER/NAME.txt."""
    if folder is None:
        return None
    executable = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if executable is None:
        raise BenchError("--py-spy needs py-spy on PATH or in $PY_SPY (pip install py-spy)")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.py-spy.log").open("wb") as log:
        recorder = await asyncio.create_subprocess_exec(
            executable,
            *("record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--threads"),
            *("--nonblocking", "--output", str(folder / f"{name}.txt")),
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


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """This process's garbage collector off while the residents run.

    The double and the residents stand in for Telegram and people, so their pauses are not
    the bot's; yet a full pass over this process's heap (260-330 ms, three in a paced run)
    held up every Bot API call in flight, and the steps held up meanwhile then reached the
    bot at once: most of either bot's slow steps in the paced phase. What lives before the
    run is frozen (never scanned again); what the run leaves, the next run's start collects.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _start_burners(count: int) -> list[asyncio.subprocess.Process]:
    """`count` processes that each keep a CPU busy until killed."""
    return [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", "while True: pass", stdin=asyncio.subprocess.DEVNULL
        )
        for _ in range(count)
    ]


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


async def run_phase(
    phase: Phase,
    workdir: Path,
    timeout: float,  # noqa: ASYNC109
    *,
    script: Path | None = None,
    count_sql: bool = True,
    profile: Path | None = None,
    py_spy: Path | None = None,
) -> Phase:
    """Start a fresh double and the bot, let the residents loose, collect the figures."""
    phase.updates = phase.people * UPDATES_PER_RESIDENT
    name = f"{phase.bot}-{phase.mode}-{phase.residents}-{phase.run}-{phase.busy}"
    api = BenchAPI()
    api.latency = phase.latency
    burners: list[asyncio.subprocess.Process] = []
    try:
        async with DoubleServer(api) as server:
            process, stats_path, log, database = await _spawn_bot(
                phase, server, workdir, name, script=script, count_sql=count_sql, profile=profile
            )
            try:
                await _wait_ready(api, process, log)
                recorder = await _start_py_spy(py_spy, f"{phase.bot}", process.pid)
                burners = await _start_burners(phase.busy)
                users = range(FIRST_USER_ID, FIRST_USER_ID + phase.people)
                at_once = 1 if phase.mode in ("calibration", "round trips") else phase.residents
                lanes = plan_lanes(users, at_once, phase.pacing)
                try:
                    with _collector_paused():
                        busy_start, bot_start = _system_busy(), _process_cpu(process.pid)
                        burn_start = sum(_process_cpu(b.pid) for b in burners)
                        cpu_start, started = time.process_time(), time.monotonic()
                        try:
                            results = await _all_residents(api, lanes, timeout, phase.pacing)
                        except BenchError as error:
                            raise BenchError(
                                f"{phase.label}, {phase.mode} run {phase.run}, {phase.residents} "
                                f"residents: {error}\nthe bot's log ends:\n{_tail(log)}"
                            ) from None
                        phase.wall = time.monotonic() - started
                        phase.double_cpu = time.process_time() - cpu_start
                        bot_used = _process_cpu(process.pid) - bot_start
                        burned = sum(_process_cpu(b.pid) for b in burners) - burn_start
                        others = _system_busy() - busy_start - phase.double_cpu - bot_used - burned
                        phase.others_cpu = None if math.isnan(others) else max(0.0, others)
                        phase.burner_cpu = burned if burners else None
                finally:
                    for burner in burners:
                        burner.kill()
                        await burner.wait()
                    await _stop_process(recorder, signal.SIGINT)  # py-spy saves on SIGINT
            finally:
                await _stop_process(process, signal.SIGTERM)
        if process.returncode != 0:
            raise BenchError(f"{phase.label} bot exited with {process.returncode}:\n{_tail(log)}")
        phase.started = started
        phase.sent_at = [sent_at for steps in results for sent_at, _ in steps]
        phase.round_trips = [seconds for steps in results for _, seconds in steps]
        phase.bot_warnings = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if line.startswith(("WARNING", "ERROR", "CRITICAL"))
        ]
        _read_stats(phase, json.loads(stats_path.read_text()))
        _attribute_calls(phase, api, keep=phase.mode == "calibration")
        if phase.bot == "ours":
            with contextlib.closing(sqlite3.connect(database)) as db:
                [(phase.answers,)] = db.execute("SELECT COUNT(*) FROM answers").fetchall()
            expected = phase.people * ANSWERS_PER_RESIDENT
            if phase.answers != expected:
                raise BenchError(f"{phase.answers} answers saved, expected {expected}")
    finally:
        await api.aclose()
    return phase


def _read_stats(phase: Phase, stats: dict[str, Any]) -> None:
    phase.samples = [
        (str(kind), float(start), float(end), chat) for kind, start, end, chat in stats["samples"]
    ]
    if len(phase.samples) != phase.updates:
        raise BenchError(
            f"{phase.label} handled {len(phase.samples)} updates, expected {phase.updates}"
        )
    if stats["failures"]:
        raise BenchError(f"{phase.label}: {stats['failures']} updates failed (see its log)")
    phase.bot_cpu = stats["cpu_seconds"]
    phase.bot_threads_cpu = stats["threads_cpu_seconds"]
    phase.bot_gc = [(int(g), float(s), float(e)) for g, s, e in stats["gc_pauses"]]
    if phase.bot == "ours":
        phase.sql = {kind: [float(t) for t in times] for kind, times in stats["sql"].items()}
        phase.writes = [(float(s), float(e), str(n)) for s, e, n in stats["writes"]]


def _windows(phase: Phase) -> dict[int, list[tuple[float, float]]]:
    """Each resident's updates as the bot handled them, in order: (start, end)."""
    windows: dict[int, list[tuple[float, float]]] = {}
    for _, start, end, chat in sorted(phase.samples, key=lambda s: s[1]):
        if chat is not None:
            windows.setdefault(chat, []).append((start, end))
    return windows


def _attribute_calls(phase: Phase, api: BenchAPI, *, keep: bool) -> None:
    """Each Bot API call to a resident's chat belongs to the update of that chat the bot was
    handling when the call arrived (a chat's updates never overlap: each resident waits for
    the reply). Fills in the signatures and the call timing; for calibration, the script and
    SQL per step."""
    windows = _windows(phase)
    by_step: dict[int, list[list[CallRecord]]] = {
        chat: [[] for _ in spans] for chat, spans in windows.items()
    }
    for call in api.calls():
        if call.time >= phase.started:
            phase.api_calls[call.method] += 1
        if call.method == "getUpdates":
            continue
        chat = api.chat_of(call)
        spans = windows.get(chat) if chat is not None else None
        if chat is None or spans is None:
            continue  # start-up calls (getMe, setMyCommands, ...)
        for index, (start, end) in enumerate(spans):
            if start <= call.time <= end:
                by_step[chat][index].append(call)
                phase.step_calls += 1
                break
        else:
            phase.calls_outside += 1
    phase.signatures = Counter(
        tuple(_in_order(step) for step in steps) for steps in by_step.values()
    )
    if phase.latency > 0:
        phase.trips = Counter(
            tuple(_round_trips(step, phase.latency) for step in steps) for steps in by_step.values()
        )
    timing: dict[str, list[float]] = {"first call": [], "between calls": [], "after the last": []}
    for chat, steps in by_step.items():
        for (start, end), made in zip(windows[chat], steps, strict=True):
            if made and start < phase.steady_end:  # in the order they arrived, all of them
                timing["first call"].append(made[0].time - start)
                timing["between calls"] += [b.time - a.time for a, b in itertools.pairwise(made)]
                timing["after the last"].append(end - made[-1].time)
    phase.call_timing = timing
    if keep:
        first = min(by_step)
        phase.script = make_script(by_step[first], first)
        phase.sql_per_step = _sql_per_step(phase, windows)


def _in_order(calls: Sequence[CallRecord]) -> tuple[str, ...]:
    """A step's methods as compared between residents and bots: in the order they arrived,
    but those made beside the rest (`made_beside`: the answer to a press, the edit showing an
    answer) last and sorted, wherever they arrived."""
    in_turn: list[str] = []
    beside: list[str] = []
    for call in calls:
        (beside if made_beside(call.method, call.params) else in_turn).append(call.method)
    return (*in_turn, *sorted(beside))


def _round_trips(calls: Sequence[CallRecord], latency: float) -> tuple[tuple[str, ...], ...]:
    """A step's calls in the round trips they took, the double answering each `latency`
    seconds after it came: a call that waited for another's answer came a latency after it,
    at least, so those that came within half of one of a trip's first went with it."""
    trips: list[list[CallRecord]] = []
    for call in sorted(calls, key=lambda c: c.time):
        if trips and call.time - trips[-1][0].time < latency / 2:
            trips[-1].append(call)
        else:
            trips.append([call])
    return tuple(tuple(sorted(call.method for call in trip)) for trip in trips)


def same_trips(ours: Phase, baseline: Phase) -> Trips:
    """The round trips every resident's steps took with both bots; BenchError if they differ
    between residents or between the bots (the baseline would not be doing ours' work)."""
    for phase in (ours, baseline):
        if len(phase.trips) != 1 or phase.trips.total() != phase.people:
            found = "; ".join(f"{_trips_text(t)} ({n})" for t, n in phase.trips.items())
            raise BenchError(
                f"round trips: {phase.label}: the residents' calls went in different round "
                f"trips: {found}"
            )
    [trips] = ours.trips
    if baseline.trips[trips] != baseline.people:
        raise BenchError(
            "round trips: the baseline's calls went in other round trips than ours': ours "
            f"{_trips_text(trips)}; the baseline {_trips_text(next(iter(baseline.trips)))}"
        )
    return trips


def _trip_text(step: tuple[tuple[str, ...], ...]) -> str:
    """'sendMessage then answerCallbackQuery, editMessageText': one step's round trips."""
    return " then ".join(_calls_text(trip) for trip in step) or "(none)"


def _trips_text(trips: Trips) -> str:
    return " | ".join(_trip_text(step) for step in trips)


def _step_ms(phase: Phase) -> list[float]:
    """The median processing time of each step (the n-th update of each resident), in ms."""
    times: list[list[float]] = [[] for _ in STEPS]
    for chat, spans in _windows(phase).items():
        if len(spans) != len(STEPS):
            raise BenchError(
                f"{phase.label}: chat {chat} had {len(spans)} updates, not {len(STEPS)}"
            )
        for index, (start, end) in enumerate(spans):
            times[index].append((end - start) * 1000)
    return [statistics.median(step) if step else math.nan for step in times]


def round_trip_lines(ours: Phase, baseline: Phase, trips: Trips) -> list[str]:
    """The calls each step made at once, and its time, with both bots."""
    latency = ours.latency * 1000
    lines = [
        f"ROUND TRIPS: each bot, {ours.residents} residents one after another; the double answers "
        f"every call {latency:g} ms after it came, as Telegram far away would; calls of a step "
        f"that came within {latency / 2:g} ms of each other went at once (one round trip); "
        "processing: the median per step, handler start to end",
        f"{'step':24}{'ours ms':>9}{'baseline ms':>13}   round trips (the calls of each)",
    ]
    for (label, _), mine, theirs, step in zip(
        STEPS, _step_ms(ours), _step_ms(baseline), trips, strict=True
    ):
        lines.append(f"{label:24}{mine:9.1f}{theirs:13.1f}   {len(step)}: {_trip_text(step)}")
    lines.append(
        f"the baseline's calls went in the same round trips as ours: yes ({baseline.people} of "
        f"{baseline.people} residents; ours {ours.people} of {ours.people})"
    )
    return lines


def make_script(steps: list[list[CallRecord]], chat: int) -> dict[str, Any]:
    """The calls of one resident's steps as a mirror script (see bench._bot_process.Mirror)."""
    sent: list[int] = []  # ids of the messages the bot sent to this chat, in order
    script_steps = []
    for (_, kind), calls in zip(STEPS, steps, strict=True):
        out = []
        earlier = len(sent)  # all a call made beside the rest can name: it goes before any send
        for call in calls:
            if call.files:
                raise BenchError(f"the baseline cannot replay an upload ({call.method})")
            params: dict[str, Any] = {}
            for key, value in call.params.items():
                if key == "chat_id" and _chat_id(value) == chat:
                    value = CHAT
                elif key == "callback_query_id":
                    value = QUERY
                elif key == "message_id":
                    if value not in sent:
                        raise BenchError(f"{call.method}: message {value} was not the bot's")
                    number = sent.index(value)
                    if number >= earlier and made_beside(call.method, call.params):
                        raise BenchError(
                            f"{call.method} beside the rest edits message {value}, sent in the "
                            "same step: the baseline could not replay it"
                        )
                    value = {SENT: number}
                params[key] = value
            out.append({"method": call.method, "params": params})
            result = (call.response or {}).get("result")
            if call.method.startswith("send") and isinstance(result, dict):
                sent.append(int(result["message_id"]))
        script_steps.append({"kind": kind, "calls": out})
    return {"steps": script_steps}


def _sql_per_step(
    phase: Phase, windows: dict[int, list[tuple[float, float]]]
) -> list[dict[str, float]]:
    """Calibration (residents one after another): mean statements of each class per step."""
    totals: list[Counter[str]] = [Counter() for _ in STEPS]
    for spans in windows.values():
        for index, (start, end) in enumerate(spans):
            for kind, times in phase.sql.items():
                totals[index][kind] += sum(1 for at in times if start <= at <= end)
    return [{k: n / len(windows) for k, n in counts.items()} for counts in totals]


# --------------------------------------------------------------------------- report


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * pct / 100))
    return ordered[rank - 1]


def spread(values: Sequence[float], digits: int = 2) -> str:
    """'median (min-max)' of the runs' figures, or the one figure."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _share(part: float | None, whole: float | None) -> str:
    return "-" if part is None or not whole else f"{100 * part / whole:.0f}%"


def _calls_text(methods: Sequence[str]) -> str:
    """'answerCallbackQuery, editMessageText, sendMessage x2'."""
    parts: list[str] = []
    for method in methods:
        if parts and parts[-1].split(" x")[0] == method:
            head, _, count = parts[-1].partition(" x")
            parts[-1] = f"{head} x{int(count or 1) + 1}"
        else:
            parts.append(method)
    return ", ".join(parts) or "(none)"


def calibration_lines(phase: Phase) -> list[str]:
    """What ours does per step: Bot API calls and SQL."""
    lines = [
        f"CALIBRATION: ours, {phase.residents} residents one after another; per step, the Bot "
        "API calls (from the double's log) and SQL (the bot's connections, traced)",
        f"{'step':24}{'update':9}{'SQL':>5}{'read tx':>9}{'write tx':>10}   Bot API calls",
    ]
    for (label, kind), methods, sql in zip(STEPS, phase.signature, phase.sql_per_step, strict=True):
        statements = sum(sql.get(k, 0.0) for k in ("read", "write", "end", "statement"))
        lines.append(
            f"{label:24}{kind:9}{statements:5.1f}{sql.get('read', 0.0):9.1f}"
            f"{sql.get('write', 0.0):10.1f}   {_calls_text(methods)}"
        )
    calls = sum(len(methods) for methods in phase.signature)
    statements = sum(
        sum(sql.get(k, 0.0) for k in ("read", "write", "end", "statement"))
        for sql in phase.sql_per_step
    )
    lines += [
        f"per step: {calls / len(STEPS):.2f} Bot API calls, {statements / len(STEPS):.2f} SQL "
        "statements (BEGIN and COMMIT included)",
        "the baseline replays exactly these calls (methods, parameters, order; the answer to a "
        "press and the edit showing an answer beside the rest, as ours makes them) for each "
        "step; every run below re-derives both bots' calls per step from the double's log",
        f"  residents with these calls: {phase.matching} of {phase.residents}; processing p50 "
        f"{_ms(percentile(phase.processing, 50))} ms, p99 {_ms(percentile(phase.processing, 99))}"
        " ms (one at a time, no queueing)",
    ]
    return lines


def _match_text(phase: Phase, expected: Signature) -> str:
    same = phase.signatures.get(expected, 0)
    return "yes" if same == phase.people and not phase.calls_outside else f"NO ({same})"


def _run_rows(phases: Sequence[Phase], expected: Signature) -> list[str]:
    header = (
        f"{'run':4}{'bot':30}{'steps/s':>9}{'CPU ms/step':>12}{'SQL/step':>9}"
        f"{'calls/step':>11}{'calls match':>12}{'p50 ms':>8}{'p99 ms':>8}{'double CPU':>11}"
        f"{'others CPU':>11}"
    )
    rows = [header]
    for phase in phases:
        sql = phase.sql_per_update
        rows.append(
            f"{phase.run:<4}{phase.label:30}{phase.steps_per_second:9.1f}"
            f"{phase.cpu_ms_per_step:12.2f}{'-' if sql is None else f'{sql:.2f}':>9}"
            f"{phase.calls_per_step:11.2f}{_match_text(phase, expected):>12}"
            f"{_ms(percentile(phase.processing, 50)):>8}{_ms(percentile(phase.processing, 99)):>8}"
            f"{_share(phase.double_cpu, phase.wall):>11}{_share(phase.others_cpu, phase.wall):>11}"
        )
    return rows


def _steps_text(phases: Sequence[Phase]) -> str:
    """The calls of each step, and how many residents of how many runs made exactly those."""
    signatures: Counter[Signature] = Counter()
    for phase in phases:
        signatures.update(phase.signatures)
    residents = sum(phase.people for phase in phases)
    (signature, count), *others = signatures.most_common()
    steps = " | ".join(_calls_text(methods) for methods in signature)
    note = "" if not others else f"; {len(others)} other patterns"
    return f"{steps}  ({count} of {residents} residents in {len(phases)} runs{note})"


def saturated_lines(
    residents: int, pairs: Sequence[tuple[Phase, Phase]], context: Phase | None, expected: Signature
) -> list[str]:
    """The saturated runs at one size, with their ratios."""
    phases = [phase for pair in pairs for phase in pair]
    ratios = [ours.steps_per_second / base.steps_per_second for ours, base in pairs]
    ours_rates = [ours.steps_per_second for ours, _ in pairs]
    base_rates = [base.steps_per_second for _, base in pairs]
    waves = pairs[0][0].waves
    busy = pairs[0][0].busy
    burning = (
        f", WITH {_burning(busy).upper()} (the capacity the busy paced load is a share of)"
        if busy
        else ""
    )
    lines = [
        f"SATURATED{burning}, {residents} residents at once, {UPDATES_PER_RESIDENT} steps each, "
        f"no think time, in {waves} wave{'s' if waves != 1 else ''} (each resident who finishes "
        f"is followed by a new one: {residents * waves} in all; runs alternate ours, baseline, "
        "...)",
        *_run_rows([*phases, *([context] if context else [])], expected),
        f"ours steps/s {spread(ours_rates, 1)}; baseline {spread(base_rates, 1)}; "
        f"CPU ms/step ours {spread([p.cpu_ms_per_step for p, _ in pairs])}, baseline "
        f"{spread([b.cpu_ms_per_step for _, b in pairs])}",
        "ratio ours / baseline, each run with the baseline run after it: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + f"; median {statistics.median(ratios):.2f}",
        "Bot API calls per step in these runs, from the double's log (step 1 | 2 | 3 | 4):",
        *(
            f"  {label:9}{_steps_text(group)}"
            for label, group in (
                ("ours", [o for o, _ in pairs]),
                ("baseline", [b for _, b in pairs]),
            )
        ),
    ]
    if context is not None:
        lines.append(
            f"context, not the target: the same baseline on PTB's default httpx transport made "
            f"{context.steps_per_second:.1f} steps/s; ours / that = "
            f"{statistics.median(ours_rates) / context.steps_per_second:.2f}"
        )
    return lines


def paced_lines(
    residents: int, pairs: Sequence[tuple[Phase, Phase]], expected: Signature
) -> list[str]:
    """The paced runs at one size and one condition."""
    pacing = pairs[0][0].pacing
    assert pacing is not None
    busy = pairs[0][0].busy
    condition = (
        f"with {_burning(busy)} busy meanwhile" if busy else "nothing else started by the benchmark"
    )
    header = (
        f"{'run':4}{'bot':30}{'offered':>8}{'measured':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'whole p99':>10}{'trip p99':>9}{'CPU ms/step':>12}{'calls match':>12}"
        f"{'burner CPU':>11}{'double CPU':>11}{'others CPU':>11}"
    )
    lines = [
        f"PACED, {pacing.offered} with {residents} residents, "
        f"{condition}: {pacing.rate:.1f} steps/s offered to both bots (of "
        f"{pacing.reference:.1f}) by {pacing.residents} residents thinking "
        f"{pacing.think * 1000:.0f} ms on average (uniform {1 - THINK_SPREAD:g}-"
        f"{1 + THINK_SPREAD:g} x, seed {pacing.seed}); p50/p99 over the steady window "
        f"({pacing.steady_for:.1f} s)",
        header,
    ]
    for phase in (p for pair in pairs for p in pair):
        lines.append(
            f"{phase.run:<4}{phase.label:30}{pacing.rate:8.1f}{phase.steady_rate:9.1f}"
            f"{_ms(percentile(phase.steady_processing, 50)):>8}"
            f"{_ms(percentile(phase.steady_processing, 99)):>8}"
            f"{_ms(percentile(phase.processing, 99)):>10}"
            f"{_ms(percentile(phase.round_trips, 99)):>9}"
            f"{phase.cpu_ms_per_step:12.2f}"
            f"{_match_text(phase, expected):>12}"
            f"{_share(phase.burner_cpu, phase.wall):>11}{_share(phase.double_cpu, phase.wall):>11}"
            f"{_share(phase.others_cpu, phase.wall):>11}"
        )
    return lines


def _burning(count: int) -> str:
    return f"{count} CPU-burning process{'es' if count > 1 else ''}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _fair(pairs: Sequence[tuple[Phase, Phase]], expected: Signature) -> bool:
    return all(_match_text(p, expected) == "yes" for pair in pairs for p in pair)


def target_lines(
    saturated: Mapping[int, Sequence[tuple[Phase, Phase]]],
    paced: Mapping[tuple[int, int], Sequence[tuple[Phase, Phase]]],
    expected: Signature,
) -> list[str]:
    """PASS/MISS per target: every run must meet it."""
    lines = ["TARGETS (a target is PASS only if every run meets it)"]
    for residents, pairs in saturated.items():
        ratios = [o.steps_per_second / b.steps_per_second for o, b in pairs]
        fair = _fair(pairs, expected)
        verdict = _verdict(fair and all(r >= TARGET_RATIO for r in ratios))
        note = "" if fair else "; NOT FAIR: the calls per step differ"
        lines.append(
            f"target ratio >= {TARGET_RATIO:.2f} at {residents} residents: {verdict} (runs "
            + ", ".join(f"{r:.2f}" for r in ratios)
            + f"; median {statistics.median(ratios):.2f}{note})"
        )
    judged = False
    for (residents, busy), pairs in paced.items():
        if not busy:
            continue
        judged = True
        p99s = [percentile(ours.steady_processing, 99) * 1000 for ours, _ in pairs]
        baseline = [percentile(base.steady_processing, 99) * 1000 for _, base in pairs]
        lines.append(
            f"target paced p99 < {TARGET_P99_MS:.0f} ms with another process busy, at "
            f"{pairs[0][0].pacing.offered if pairs[0][0].pacing else '?'} "
            f"with {residents} residents: {_verdict(all(p < TARGET_P99_MS for p in p99s))} (ours "
            + ", ".join(f"{p:.1f}" for p in p99s)
            + " ms; baseline "
            + ", ".join(f"{p:.1f}" for p in baseline)
            + " ms)"
        )
    for (residents, busy), pairs in paced.items():
        if busy:
            continue
        p99s = [percentile(ours.steady_processing, 99) * 1000 for ours, _ in pairs]
        lines.append(
            f"paced p99 with nothing else started, at the rate of {residents} residents (not the "
            "target's condition): ours " + ", ".join(f"{p:.1f}" for p in p99s) + " ms"
        )
    if not judged:
        lines.append(
            f"target paced p99 < {TARGET_P99_MS:.0f} ms with another process busy: not judged "
            "(no busy paced phase; run with --paced busy or both)"
        )
    return lines


def details_lines(phase: Phase) -> list[str]:
    """--details: per kind, where the steps' time went around their calls, when the slowest
    came (paced), GC, the database writer, threads, methods (the first saturated and paced
    runs at each size)."""
    busy = f", {_burning(phase.busy)} busy" if phase.busy else ""
    lines = [
        f"details, {phase.label}, {phase.mode} run {phase.run}, {phase.residents} residents"
        f"{busy}{' (by kind and around the calls: the steady window)' if phase.pacing else ''}:"
    ]
    steady = phase.steady_samples
    by_kind: dict[str, list[float]] = {}
    for kind, start, end, _ in steady:
        by_kind.setdefault(kind, []).append(end - start)
    for kind, values in sorted(by_kind.items()):
        lines.append(
            f"  {kind:8} n={len(values):5}  p50 {_ms(percentile(values, 50)):>7} ms"
            f"  p99 {_ms(percentile(values, 99)):>7} ms"
        )
    for name, values in phase.call_timing.items():
        if values:
            lines.append(
                f"  {name:14} p50 {_ms(percentile(values, 50)):>6} ms  p90 "
                f"{_ms(percentile(values, 90)):>6} ms  p99 {_ms(percentile(values, 99)):>6} ms"
            )
    if phase.pacing is not None and steady:
        lines.append(f"  {_slowest_slices(phase, steady)}")
    start, end = phase.window
    pauses = [(g, s, e) for g, s, e in phase.bot_gc if start <= s <= end]
    full = [e - s for g, s, e in pauses if g == 2]
    lines.append(
        f"  GC pauses while handling updates: {len(pauses)}, "
        f"{_ms(sum(e - s for _, s, e in pauses))} ms in all; {len(full)} full"
        + (f", longest {_ms(max(full))} ms" if full else "")
    )
    if phase.writes:
        held = [e - s for s, e, _ in phase.writes if start <= s <= end]
        if held:
            lines.append(
                f"  database writer: {len(held) / phase.updates:.2f} write transactions per "
                f"step, held {_share(sum(held), end - start)} of the time, longest "
                f"{_ms(max(held))} ms"
            )
    threads = ", ".join(f"{n} {s:.2f}" for n, s in sorted(phase.bot_threads_cpu.items()))
    lines.append(f"  bot CPU seconds by thread: {threads or '-'}")
    calls = ", ".join(f"{m} {n}" for m, n in sorted(phase.api_calls.items()))
    lines.append(f"  Bot API calls after the start: {calls}")
    lines += [f"  bot log: {warning}" for warning in phase.bot_warnings[:5]]
    return lines


def _slowest_slices(phase: Phase, steady: list[tuple[str, float, float, int | None]]) -> str:
    """When the slowest 1% of the steady window's steps began, by 100 ms slices from the
    start: the five slices with the most of them (ties: the longest step), each with how many
    steps began in it. A slow moment of the machine shows as a slice where most steps were
    slow at the usual count; a burst of the load as one where many more began."""
    cutoff = percentile([end - start for _, start, end, _ in steady], 99)
    slow: dict[int, list[float]] = {}
    begun: Counter[int] = Counter()
    for _, start, end, _ in steady:
        at = int((start - phase.started) * 10)
        begun[at] += 1
        if end - start >= cutoff:
            slow.setdefault(at, []).append(end - start)
    total = sum(len(v) for v in slow.values())
    if max(len(v) for v in slow.values()) == 1:
        return f"slowest 1% ({total} steps): no 100 ms slice has more than one"
    worst = sorted(slow, key=lambda at: (-len(slow[at]), -max(slow[at])))[:5]
    shown = ", ".join(
        f"{at / 10:.1f} s: {len(slow[at])} of {begun[at]} (longest {_ms(max(slow[at]))} ms)"
        for at in sorted(worst)
    )
    return f"slowest 1% ({total} steps) by 100 ms slice from the start, the most: {shown}"


# --------------------------------------------------------------------------- CLI


async def _burning_pairs(
    run: Callable[..., Awaitable[Phase]],
    args: argparse.Namespace,
    residents: int,
    waves: int,
    busy: int,
) -> list[tuple[Phase, Phase]]:
    """Ours and the baseline saturated with `busy` CPU-burning processes, alternated."""
    pairs = []
    for number in range(1, args.runs + 1):
        ours = await run(
            Phase("ours", residents, "saturated", number, busy=busy, waves=waves),
            count_sql=args.count_sql,
        )
        base = await run(Phase("baseline", residents, "saturated", number, busy=busy, waves=waves))
        pairs.append((ours, base))
    return pairs


async def bench(args: argparse.Namespace, emit: Callable[[list[str]], None]) -> None:
    """Every phase, in one temporary folder; each section is emitted as soon as it is ready,
    so a late failure does not lose the earlier ones."""
    timeout = args.reply_timeout
    os.environ[LIMITS_ENV] = "service" if args.in_service else "none"  # read by ours' process
    emit(
        [
            "Community Voice throughput: ours against a bare PTB bot making the same Bot API "
            f"calls (Python {sys.version.split()[0]}, python-telegram-bot {telegram.__version__}, "
            f"{os.cpu_count()} CPUs)",
            "ours keeps Telegram's limits as in service (one message a second in a chat, "
            "30 a second overall)"
            if args.in_service
            else "neither bot keeps Telegram's limits (one message a second in a chat, 30 a "
            "second overall): ours without them, as the bare baseline",
            "",
        ]
    )
    with tempfile.TemporaryDirectory(prefix="cv-bench-") as tmp:
        workdir = Path(tmp)
        calibration = await run_phase(
            Phase("ours", args.calibration, "calibration"), workdir, timeout
        )
        if calibration.matching != calibration.residents or calibration.calls_outside:
            raise BenchError(
                f"calibration: residents made different calls per step: {calibration.signatures}"
            )
        script = workdir / "script.json"
        script.write_text(json.dumps(calibration.script))
        expected = calibration.signature
        emit([*calibration_lines(calibration), ""])
        run = partial(run_phase, workdir=workdir, timeout=timeout, script=script)
        if args.round_trip_latency > 0 and args.in_service:
            # Ours would wait its turn in the chat (one message a second) and the baseline not.
            emit(["ROUND TRIPS: not checked with --in-service", ""])
        elif args.round_trip_latency > 0:
            latency = args.round_trip_latency / 1000
            ours = await run(Phase("ours", args.calibration, "round trips", latency=latency))
            base = await run(Phase("baseline", args.calibration, "round trips", latency=latency))
            for phase in (ours, base):
                if _match_text(phase, expected) != "yes":
                    raise BenchError(
                        f"round trips: {phase.label}'s calls were not the calibration's: "
                        f"{dict(phase.signatures)}, {phase.calls_outside} outside any update"
                    )
            emit([*round_trip_lines(ours, base, same_trips(ours, base)), ""])
        saturated: dict[int, list[tuple[Phase, Phase]]] = {}
        paced: dict[tuple[int, int], list[tuple[Phase, Phase]]] = {}
        detailed: list[Phase] = []
        for residents in args.residents:
            waves = args.waves or max(
                1, math.ceil(STEPS_PER_RUN / (residents * UPDATES_PER_RESIDENT))
            )
            pairs = []
            for number in range(1, args.runs + 1):
                first = number == 1
                ours = await run(
                    Phase("ours", residents, "saturated", number, waves=waves),
                    count_sql=args.count_sql,
                    profile=args.profile if first else None,
                    py_spy=args.py_spy if first else None,
                )
                base = await run(
                    Phase("baseline", residents, "saturated", number, waves=waves),
                    py_spy=args.py_spy if first else None,
                )
                pairs.append((ours, base))
            saturated[residents] = pairs
            context, failed = None, []
            if args.context:
                try:  # context only: its failure does not end the benchmark
                    context = await run(
                        Phase("httpx", residents, "saturated", 1, waves=waves),
                        timeout=max(timeout, 300.0),
                    )
                except BenchError as error:
                    failed = [f"context: the httpx baseline could not be measured: {error}"]
            emit([*saturated_lines(residents, pairs, context, expected), *failed, ""])
            if args.details:
                detailed += list(pairs[0])
            for busy in args.busy_modes:
                reference_pairs, burners = pairs, 0
                if busy and args.paced_rate is None and args.busy_reference == "busy":
                    # The load is a share of the capacity in the condition it is offered in.
                    reference_pairs = await _burning_pairs(run, args, residents, waves, busy)
                    burners = busy
                    emit([*saturated_lines(residents, reference_pairs, None, expected), ""])
                reference = statistics.median(o.steps_per_second for o, _ in reference_pairs)
                rate = args.load * reference if args.paced_rate is None else args.paced_rate
                services = [
                    statistics.median(p.cpu_ms_per_step / 1000 for p in side)
                    for side in (
                        [o for o, _ in reference_pairs],
                        [b for _, b in reference_pairs],
                    )
                ]
                # Enough residents that the steady window lasts --paced-window seconds (each
                # resident has only four steps); never fewer than the saturated phase's.
                thinking = max(residents, math.ceil(rate * (args.paced_window / 3 + services[0])))
                runs = []
                for number in range(1, args.runs + 1):
                    pacings = [
                        Pacing(
                            residents=thinking,
                            rate=rate,
                            load=rate / reference if reference else 0.0,
                            reference=reference,
                            service=service,
                            seed=args.seed,
                            fixed=args.paced_rate is not None,
                            burners=burners,
                        )
                        for service in services
                    ]
                    # No SQL trace here: the paced table has no SQL figure, and the trace
                    # (about 2.5 µs a statement) is work the baseline does not do, on a
                    # machine near full in the busy phase (bench/README.md, "At a805857").
                    ours = await run(
                        Phase("ours", thinking, "paced", number, pacings[0], busy, size=residents),
                        count_sql=False,
                    )
                    base = await run(
                        Phase(
                            "baseline", thinking, "paced", number, pacings[1], busy, size=residents
                        )
                    )
                    runs.append((ours, base))
                paced[(residents, busy)] = runs
                if args.details:
                    detailed += list(runs[0])
                emit([*paced_lines(residents, runs, expected), ""])
    for phase in detailed:
        emit([*details_lines(phase), ""])
    emit(target_lines(saturated, paced, expected))


def _sizes(text: str) -> list[int]:
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("residents: positive whole numbers separated by commas")
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Ours against a bare PTB bot making the same Bot API calls per step."
    )
    parser.add_argument(
        "--residents",
        type=_sizes,
        default=[100, 500],
        help="sizes, comma-separated (default 100,500)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per bot and size (default 3)")
    parser.add_argument(
        "--waves",
        type=int,
        default=0,
        help="saturated: each resident who finishes is followed by a new one, so that this many "
        f"residents in all take part per resident at once (default: enough for {STEPS_PER_RUN} "
        "steps a run; 1 is one wave, as before)",
    )
    parser.add_argument(
        "--in-service",
        action="store_true",
        help="ours keeps Telegram's limits as in service: one message a second in a chat and "
        "30 messages a second overall (a resident then cannot step more than once a second, "
        "and the bot not more than 30 times). By default neither bot keeps them: the bare "
        "baseline has no such rules, so the same work means ours without them",
    )
    parser.add_argument(
        "--quick", action="store_true", help="50 residents, one run of each, for a quick look"
    )
    parser.add_argument(
        "--calibration",
        type=int,
        default=3,
        help="residents one after another in the calibration (default 3)",
    )
    parser.add_argument(
        "--round-trip-latency",
        type=float,
        default=50.0,
        metavar="MS",
        help="round trips: the double answers each call this long after it came (default 50; "
        "0 skips the check that both bots make the same calls at once)",
    )
    parser.add_argument(
        "--paced",
        choices=("busy", "quiet", "both", "none"),
        default="both",
        help="paced phases: with a CPU-burning process (the target's condition), without, "
        "both (default) or none",
    )
    parser.add_argument(
        "--busy-processes",
        type=int,
        default=1,
        help="CPU-burning processes in a busy paced phase (default 1)",
    )
    parser.add_argument(
        "--busy-reference",
        choices=("busy", "idle"),
        default=None,
        help="the busy paced load is --load's share of our saturated rate measured with the "
        "burner running too (busy, default: below saturation in its own condition) or on an "
        "idle machine (idle: the definition before 2026-12-05)",
    )
    parser.add_argument(
        "--load",
        type=float,
        default=0.5,
        metavar="FRACTION",
        help="paced: offer this fraction of our median saturated steps/s (default 0.5)",
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=None,
        metavar="STEPS",
        help="paced: offer this many steps/s instead of --load's share of our saturated rate "
        "(a load that stays the same as the bot gets faster)",
    )
    parser.add_argument(
        "--paced-window",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="paced: at least this long a steady window, with more residents thinking if "
        "needed (default 15)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="paced phase: seed for think times (default 1)"
    )
    parser.add_argument(
        "--no-context",
        dest="context",
        action="store_false",
        help="skip the baseline on PTB's default httpx transport (context only)",
    )
    parser.add_argument(
        "--no-sql-count",
        dest="count_sql",
        action="store_false",
        help="do not trace ours' SQL in the saturated runs (the calibration still does; the "
        "paced runs never do)",
    )
    parser.add_argument(
        "--reply-timeout",
        type=float,
        default=60.0,
        help="seconds a resident waits for each reply before the run fails (default 60)",
    )
    parser.add_argument(
        "--details",
        action="store_true",
        help="also print, for the first saturated and paced runs at each size: latency by "
        "update kind, a step's "
        "time before, between and after its Bot API calls, when a paced run's slowest steps "
        "began, GC pauses, the database writer, CPU by thread, Bot API calls by method",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="cProfile our bot's update handling in the first saturated run into FILE",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="FOLDER",
        help="sample ours and the baseline in the first saturated run with py-spy: folded "
        "stacks in FOLDER/ours.txt and FOLDER/baseline.txt (python -m bench.stacks FILE)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.residents, args.runs = [50], 1
    if args.runs < 1 or args.calibration < 1:
        parser.error("--runs and --calibration must be at least 1")
    if args.round_trip_latency < 0:
        parser.error("--round-trip-latency must be 0 or more")
    if args.waves < 0:
        parser.error("--waves must be at least 1 (or 0: enough for the steps a run)")
    if not 0 < args.load <= 1:
        parser.error("--load must be more than 0 and at most 1")
    if args.paced_rate is not None and not args.paced_rate > 0:
        parser.error("--paced-rate must be more than 0 steps/s")
    if args.paced_rate is not None and args.paced == "none":
        parser.error("--paced-rate needs a paced phase (--paced busy, quiet or both)")
    if args.busy_processes < 1:
        parser.error("--busy-processes must be at least 1")
    if args.busy_reference is not None and (args.paced_rate is not None or args.paced == "quiet"):
        parser.error(
            "--busy-reference is for a busy paced phase's load as a share, not with "
            "--paced-rate or --paced quiet"
        )
    if args.busy_reference is not None and args.paced == "none":
        parser.error("--busy-reference needs a busy paced phase (--paced busy or both)")
    args.busy_reference = args.busy_reference or "busy"
    args.busy_modes = {
        "busy": [args.busy_processes],
        "quiet": [0],
        "both": [0, args.busy_processes],
        "none": [],
    }[args.paced]
    # The bots run in the repository folder: make paths the user gave absolute.
    args.profile = args.profile.resolve() if args.profile else None
    args.py_spy = args.py_spy.resolve() if args.py_spy else None
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(bench(args, lambda lines: print("\n".join(lines), flush=True)))
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    if args.profile is not None:
        print(f"\ncProfile of our bot: {args.profile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
