"""One bot under test, alone in its own process, timing every update it handles.

The benchmark (bench/throughput.py) starts this module twice, once per bot::

    python -m bench._bot_process --kind ours --base-url URL --db PATH --stats FILE
    python -m bench._bot_process --kind echo --base-url URL --stats FILE

It polls the Bot API double at URL until SIGTERM (or SIGINT), then writes FILE (JSON): one
sample per update handled and the process CPU time spent between the first update's start and
the last update's end. Both bots get the same timing wrapper, so their figures compare.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal, cast

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# As bot/telegram does, before PTB is imported: time periods as timedelta, no warnings.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Update
from telegram.ext import Application, SimpleUpdateProcessor

from bot.telegram.ordering import PerChatUpdateProcessor

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# Same bound for both bots: whatever ours runs with.
MAX_CONCURRENT_UPDATES = PerChatUpdateProcessor().max_concurrent_updates


class GcPauses:
    """Records every garbage collection in this process: (generation, start, end).

    Use as a `gc.callbacks` entry. A collection stops the whole process, the event loop
    included, so its pauses add to every update in flight.
    """

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float, float]] = []
        self._start: float | None = None

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.monotonic()
        elif self._start is not None:
            self.pauses.append((info["generation"], self._start, time.monotonic()))
            self._start = None

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with suppress(ValueError):
            gc.callbacks.remove(self)


class TimedLock(asyncio.Lock):
    """An asyncio.Lock that records every hold: (asked, got, released, task).

    Times are time.monotonic() seconds; task is `_task_id()` of the holder, which ties the
    hold to the update being handled. Measurement only: put in place of the store's one
    connection lock (see `time_store_lock`) to see how long updates queue for the database.
    """

    def __init__(self) -> None:
        super().__init__()
        self.holds: list[tuple[float, float, float, int]] = []
        self._asked = self._got = 0.0

    async def acquire(self) -> Literal[True]:
        asked = time.monotonic()
        result = await super().acquire()
        self._asked, self._got = asked, time.monotonic()
        return result

    def release(self) -> None:
        self.holds.append((self._asked, self._got, time.monotonic(), _task_id()))
        super().release()


def _task_id() -> int:
    """The running asyncio task's id() (0 outside one): PTB handles each update in a task."""
    try:
        return id(asyncio.current_task())
    except RuntimeError:
        return 0


def time_store_lock(store: object) -> TimedLock | None:
    """Swap the store's connection lock for a TimedLock, if it has the one we know of."""
    lock = getattr(store, "_lock", None)
    if type(lock) is not asyncio.Lock or lock.locked():
        return None  # the store changed: measure nothing rather than guess
    timed = TimedLock()
    store._lock = timed  # type: ignore[attr-defined]
    return timed


class Timing:
    """Records how long each update's handling coroutine runs, start to finish.

    The clock starts when the coroutine first runs (after the processor's semaphore and, for
    ours, the per-chat lock), and stops when it returns or raises. It includes handler
    matching, the handler, and every Bot API call the handler awaits.
    """

    def __init__(self, profile: cProfile.Profile | None = None) -> None:
        # (update kind, start, end, chat id or None, event-loop thread CPU seconds between
        # start and end, task id); times are time.monotonic() seconds, comparable across
        # processes. The CPU figure is the update's own only when nothing else ran meanwhile.
        self.samples: list[tuple[str, float, float, int | None, float, int]] = []
        self.failures = 0
        self.cpu_first: float | None = None
        self.cpu_last: float | None = None
        # Per-thread CPU seconds at the first update and when told to stop (Linux only).
        self.threads_first: dict[str, float] = {}
        self.threads_stop: dict[str, float] = {}
        self._profile = profile
        self._profiling = False
        self.gc = GcPauses()
        self.store_lock: TimedLock | None = None

    async def timed(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await `coroutine`, recording its duration."""
        if self.cpu_first is None:
            self.cpu_first = time.process_time()
            self.threads_first = threads_cpu()
            if self._profile is not None:
                self._profile.enable()
                self._profiling = True
        start, cpu_start = time.monotonic(), time.thread_time()
        try:
            await coroutine
        except BaseException:
            self.failures += 1
            raise
        finally:
            end, cpu = time.monotonic(), time.thread_time() - cpu_start
            self.samples.append((_kind(update), start, end, _chat_id(update), cpu, _task_id()))
            self.cpu_last = time.process_time()

    def stop_profile(self) -> None:
        """Stop the profiler, if it ran."""
        if self._profile is not None and self._profiling:
            self._profile.disable()
            self._profiling = False

    def summary(self, kind: str) -> dict[str, Any]:
        """Everything the parent needs, JSON-ready."""
        return {
            "kind": kind,
            "samples": self.samples,
            "failures": self.failures,
            "cpu_seconds": (
                None
                if self.cpu_first is None or self.cpu_last is None
                else self.cpu_last - self.cpu_first
            ),
            "threads_cpu_seconds": {
                name: seconds - self.threads_first.get(name, 0.0)
                for name, seconds in self.threads_stop.items()
            },
            "gc_pauses": self.gc.pauses,
            "store_lock_holds": self.store_lock.holds if self.store_lock is not None else None,
            "clock": time.get_clock_info("monotonic").implementation,
        }


def threads_cpu() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each thread of this process, by name."""
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    used: dict[str, float] = {}
    try:
        tasks = list(Path("/proc/self/task").iterdir())
    except OSError:
        return used
    for task in tasks:
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the thread has just ended
        name = names.get(int(task.name), f"thread {task.name}")
        used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return used


def _chat_id(update: object) -> int | None:
    chat = update.effective_chat if isinstance(update, Update) else None
    return chat.id if chat is not None else None


def _kind(update: object) -> str:
    if isinstance(update, Update):
        if update.callback_query is not None:
            return "button"
        message = update.effective_message
        if message is not None and message.text is not None:
            return "command" if message.text.startswith("/") else "text"
    return "other"


class TimedPerChatProcessor(PerChatUpdateProcessor):
    """Our processor (per-chat ordering), timing each update's coroutine."""

    def __init__(self, timing: Timing) -> None:
        super().__init__(MAX_CONCURRENT_UPDATES)
        self.timing = timing

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await super().do_process_update(update, self.timing.timed(update, coroutine))


class TimedSimpleProcessor(SimpleUpdateProcessor):
    """PTB's own concurrent processor (what concurrent_updates=N uses), timed the same way."""

    def __init__(self, timing: Timing) -> None:
        super().__init__(MAX_CONCURRENT_UPDATES)
        self.timing = timing

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await super().do_process_update(update, self.timing.timed(update, coroutine))


async def _poll_until(app: AnyApplication, stop: asyncio.Event) -> None:
    """Start polling the way bot/telegram/runner.py does, and stop cleanly on `stop`."""
    assert app.updater is not None
    await app.start()
    try:
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        try:
            await stop.wait()
        finally:
            await app.updater.stop()
    finally:
        await app.stop()


async def run_ours(args: argparse.Namespace, timing: Timing, stop: asyncio.Event) -> None:
    """The real bot, wired as `community-voice run` wires it, with a timed processor."""
    from bot.app import open_core
    from bot.config import Settings
    from bot.telegram.application import build_application, start_services, stop_services

    settings = Settings.from_env(
        {
            "BOT_TOKEN": args.token,
            "DATABASE_PATH": str(args.db),
            "TELEGRAM_API_BASE_URL": args.base_url,
            "ORGANISATION_NAME": "Riverside Health Team",
            "LOG_LEVEL": "WARNING",
        },
        dotenv=False,
    )
    async with open_core(settings) as core:
        timing.store_lock = time_store_lock(core.db)  # None: the store has no lock now
        app = build_application(core, processor=TimedPerChatProcessor(timing))
        async with app:
            # As bot/telegram/runner.py does: command menus, scheduled work, then polling.
            await start_services(app, core)
            try:
                await _poll_until(app, stop)
            finally:
                await stop_services(app)


async def run_echo(args: argparse.Namespace, timing: Timing, stop: asyncio.Event) -> None:
    """The baseline: a bare PTB echo bot, PTB defaults except concurrent updates."""
    from tgdouble import echo_application

    # echo_application passes this straight to ApplicationBuilder.concurrent_updates, which
    # takes an update processor as well as a bool or an int.
    processor = cast(Any, TimedSimpleProcessor(timing))
    app = echo_application(args.token, base_url=args.base_url, concurrent_updates=processor)
    async with app:
        await _poll_until(app, stop)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen bot until a signal; return its timing summary."""
    stop = asyncio.Event()
    profile = cProfile.Profile() if args.profile else None
    timing = Timing(profile)

    def on_signal() -> None:
        if not stop.is_set():
            timing.threads_stop = threads_cpu()  # before shutdown ends the SQLite thread
            stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    runner = run_ours if args.kind == "ours" else run_echo
    try:
        with timing.gc:
            await runner(args, timing, stop)
    finally:
        timing.stop_profile()
        if profile is not None:
            profile.dump_stats(args.profile)
    return timing.summary(args.kind)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kind", choices=("ours", "echo"), required=True)
    parser.add_argument("--base-url", required=True, help="the double's Bot API base URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--db", type=Path, help="SQLite database file (ours only)")
    parser.add_argument("--stats", type=Path, required=True, help="where to write the JSON")
    parser.add_argument("--profile", type=Path, help="cProfile the update handling into this")
    args = parser.parse_args(argv)
    if args.kind == "ours" and args.db is None:
        parser.error("--db is required for --kind ours")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    summary = asyncio.run(main_async(args))
    tmp = args.stats.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary))
    tmp.replace(args.stats)
    return 0


if __name__ == "__main__":
    with suppress(KeyboardInterrupt):
        sys.exit(main())
