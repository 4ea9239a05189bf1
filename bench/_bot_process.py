"""One bot under test, alone in its own process, timing every update it handles.

The benchmarks start this module once per bot::

    python -m bench._bot_process --kind ours --base-url URL --db PATH --stats FILE
    python -m bench._bot_process --kind mirror --script FILE --transport aiohttp \
        --base-url URL --stats FILE
    python -m bench._bot_process --kind cli --stats FILE -- run      (settings from the env)

- **ours**: the real Application (`build_application`, `start_services`), as
  `community-voice run` wires it, with a timed update processor.
- **mirror**: the baseline, a bare python-telegram-bot bot with no logic of its own. For the
  n-th update of a chat it makes the Bot API calls ours made for the n-th step (`--script`,
  recorded by bench/throughput.py from the double's call log), through PTB's own methods, on
  our aiohttp transport (`--transport aiohttp`) or PTB's default httpx one (`httpx`).
- **cli**: `bot.cli.main(ARGS)` itself (for example `run`, or `broadcast ...`), with the
  measurement hooks below installed first; nothing else changes.

The ours and mirror bots poll the double at URL until SIGTERM (or SIGINT); then, like cli,
this writes FILE (JSON): one sample per update handled, the process CPU time between the
first update's start and the last update's end, and for ours and cli every SQL statement run
on the bot's database connections and every write transaction (how long it held the writer).

Measurement hooks, all from outside the production code: a timing wrapper around the update
processor's `do_process_update` (the same for every bot), sqlite3's `set_trace_callback` on
each connection `bot.store.db.connect` opens, and timers around `Database._in_transaction` and
the residents' steps' shared transaction (`_open_steps` to `_commit_steps`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import inspect
import json
import logging
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# As bot/telegram does, before PTB is imported: time periods as timedelta, no warnings.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot.telegram.ordering import PerChatUpdateProcessor

if TYPE_CHECKING:
    from bot.config import Settings

# "none": ours keeps none of Telegram's limits (throughput.py without --in-service).
LIMITS_ENV = "CV_BENCH_LIMITS"
# Ours' overall rate without Telegram's limits: messages a second no run here comes near. It
# was the paid rate, 1,000 a second, thought out of ours' reach; once ours made 1,000 steps a
# second (a message each) it was what bound ours' saturated rate, not the bot, which then used
# 65% of a CPU, and its replies queued for room (p99 0.5 s at 100 residents, 1.7 s at 500).
UNLIMITED_RATE = 1_000_000.0

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# Same bound for every bot: whatever ours runs with.
MAX_CONCURRENT_UPDATES = PerChatUpdateProcessor().max_concurrent_updates

# Markers in a mirror script's parameters (see Mirror).
CHAT = "$chat"
QUERY = "$query"
SENT = "$sent"


def made_beside(method: str, params: Mapping[str, Any]) -> bool:
    """Whether ours makes this call beside the rest of its step (bot/telegram/channel.py), so
    that it reaches the double in any order: the answer to a press, which stops the button's
    spinner, and the edit that shows an answer on the question it answered, which takes the
    question's buttons away (no reply markup). An edit that redraws a question's buttons in
    place (a tick added) is made one after another with the rest, after a message saying a
    choice is over the limit, say. bench/throughput.py compares the calls made beside in any
    place."""
    return method == "answerCallbackQuery" or (
        method == "editMessageText" and "reply_markup" not in params
    )


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


class Timing:
    """Records how long each update's handling coroutine runs, start to finish.

    The clock starts when the coroutine first runs (after the processor's semaphore and, for
    ours, the per-chat lock), and stops when it returns or raises. It includes handler
    matching, the handler, and every Bot API call the handler awaits.
    """

    def __init__(self, profile: cProfile.Profile | None = None) -> None:
        # (update kind, start, end, chat id or None); times are time.monotonic() seconds,
        # comparable across processes (CLOCK_MONOTONIC is system-wide on Linux).
        self.samples: list[tuple[str, float, float, int | None]] = []
        self.failures = 0
        self.cpu_first: float | None = None
        self.cpu_last: float | None = None
        # Per-thread CPU seconds at the first update and when told to stop (Linux only).
        self.threads_first: dict[str, float] = {}
        self.threads_stop: dict[str, float] = {}
        self._profile = profile
        self._profiling = False
        self.gc = GcPauses()
        # When each SQL statement started, by class: "read" (BEGIN), "write" (BEGIN
        # IMMEDIATE/EXCLUSIVE), "end" (COMMIT/ROLLBACK) and "statement" (everything else).
        self.sql: dict[str, list[float]] = {"read": [], "write": [], "end": [], "statement": []}
        # Every write transaction: (start, end, name of the work it ran).
        self.writes: list[tuple[float, float, str]] = []

    async def timed(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await `coroutine`, recording its duration."""
        if self.cpu_first is None:
            self.cpu_first = time.process_time()
            self.threads_first = threads_cpu()
            if self._profile is not None:
                self._profile.enable()
                self._profiling = True
        start = time.monotonic()
        try:
            await coroutine
        except BaseException:
            self.failures += 1
            raise
        finally:
            self.samples.append((_kind(update), start, time.monotonic(), _chat_id(update)))
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
            "sql": self.sql,
            "writes": self.writes,
            "clock": time.get_clock_info("monotonic").implementation,
        }


def sql_class(statement: str) -> str:
    """Which of Timing.sql's lists a traced statement goes in."""
    head = statement.lstrip()[:16].upper()
    if head.startswith("BEGIN"):
        return "write" if ("IMMEDIATE" in head or "EXCLUSIVE" in head) else "read"
    if head.startswith(("COMMIT", "END", "ROLLBACK")):
        return "end"
    return "statement"


def instrument_store(timing: Timing, *, count_sql: bool = True) -> None:
    """Count SQL statements on every connection the store opens, and time each write
    transaction, by wrapping `bot.store.db.connect` and `Database._in_transaction`."""
    from bot.store import db as store

    if count_sql:
        connect = store.connect

        def traced_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = connect(*args, **kwargs)  # its own PRAGMAs are not counted
            sql = timing.sql

            def trace(statement: str) -> None:
                sql[sql_class(statement)].append(time.monotonic())

            conn.set_trace_callback(trace)
            return conn

        store.connect = traced_connect  # type: ignore[assignment]

    in_transaction = getattr(store.Database, "_in_transaction", None)
    if in_transaction is None:  # the store changed: time nothing rather than guess
        return

    def name(fn: Any) -> str:
        work = getattr(fn, "func", fn)  # a functools.partial: the function it calls
        called = getattr(work, "__qualname__", None) or type(work).__name__
        return f"{getattr(work, '__module__', None) or '?'}.{called}"

    def timed_transaction(self: store.Database, begin: str, fn: Any, *args: Any) -> Any:
        start = time.monotonic()
        try:
            return in_transaction(self, begin, fn, *args)
        finally:
            timing.writes.append((start, time.monotonic(), name(fn)))

    store.Database._in_transaction = timed_transaction  # type: ignore[method-assign]

    # Residents' steps sharing a transaction on the event loop (write_quick): from the first
    # step's BEGIN to the COMMIT, a turn of the loop later, so the span includes whatever
    # else the loop ran in that turn (not comparable with figures from before 011a860); or
    # sooner, made by a step marked the last of its turn (from 71ec72d).
    open_steps = getattr(store.Database, "_open_steps", None)
    commit_steps = getattr(store.Database, "_commit_steps", None)
    if open_steps is None or commit_steps is None:
        return
    began: list[tuple[float, str]] = []

    def timed_open(self: store.Database, fn: Any, *args: Any) -> Any:
        began[:] = [(time.monotonic(), name(fn))]
        return open_steps(self, fn, *args)

    def timed_commit(self: store.Database, batch: Any) -> Any:
        ends = self._batch is batch  # else ended already, and a later one may have begun
        try:
            return commit_steps(self, batch)
        finally:
            if began and ends:
                ((start, work),) = began
                began.clear()
                timing.writes.append((start, time.monotonic(), work))

    store.Database._open_steps = timed_open  # type: ignore[method-assign]
    store.Database._commit_steps = timed_commit  # type: ignore[method-assign]


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


# --------------------------------------------------------------------------- ours


def without_limits(settings: Settings) -> Settings:
    """Ours as throughput.py runs it without --in-service: the bare baseline keeps none of
    Telegram's limits, so the same work for both means ours without them too: no second
    between two messages in a chat, and an overall rate no run comes near (UNLIMITED_RATE).
    The pacer still takes every reply's turn: that work is ours."""
    return replace(settings, chat_spacing=0.0, broadcast_rate=UNLIMITED_RATE, paid_broadcast=True)


async def run_ours(args: argparse.Namespace, timing: Timing, stop: asyncio.Event) -> None:
    """The real bot, wired as `community-voice run` wires it, with a timed processor."""
    from bot.app import open_core
    from bot.config import Settings
    from bot.telegram.application import build_application, start_services, stop_services

    instrument_store(timing, count_sql=args.count_sql)
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
    if os.environ.get(LIMITS_ENV) == "none":
        settings = without_limits(settings)
    async with open_core(settings) as core:
        app = build_application(core, processor=TimedPerChatProcessor(timing))
        async with app:
            # As bot/telegram/runner.py does: command menus, scheduled work, then polling.
            await start_services(app, core)
            try:
                await _poll_until(app, stop)
            finally:
                await stop_services(app)


# --------------------------------------------------------------------------- the mirror


class Mirror:
    """The baseline's only handler: replays, for a chat's n-th update, the calls of step n.

    A script is {"steps": [{"kind": "command", "calls": [{"method", "params"}, ...]}]}, with
    markers in the parameters: "$chat" for the update's chat id, "$query" for its callback
    query's id, and {"$sent": k} for the id of the k-th message this bot sent to the chat.
    Each call goes through PTB's own method for it (bot.send_message, bot.edit_message_text,
    ...), one after another as ours makes them (the answer to a press and the edit showing an
    answer beside the rest, as ours makes them: `made_beside`), with reply markup built as PTB
    objects.
    """

    def __init__(self, script: dict[str, Any], bot: Bot) -> None:
        self.steps: list[dict[str, Any]] = script["steps"]
        # Each step's calls made beside the rest and those made one after another, sorted out
        # once here, not on every update.
        self.split: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = [
            (
                [c for c in step["calls"] if made_beside(c["method"], c["params"])],
                [c for c in step["calls"] if not made_beside(c["method"], c["params"])],
            )
            for step in self.steps
        ]
        self.bot = bot
        self.progress: dict[int, int] = {}  # chat -> steps done
        self.sent: dict[int, list[int]] = {}  # chat -> ids of the messages sent to it
        self._methods: dict[str, tuple[Callable[..., Awaitable[Any]], frozenset[str]]] = {}

    def _method(self, name: str) -> tuple[Callable[..., Awaitable[Any]], frozenset[str]]:
        found = self._methods.get(name)
        if found is None:
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
            method = getattr(self.bot, snake)
            found = (method, frozenset(inspect.signature(method).parameters))
            self._methods[name] = found
        return found

    async def handle(self, update: Update, context: object) -> None:
        """Make this update's step's calls."""
        chat = update.effective_chat
        if chat is None:
            return
        index = self.progress.get(chat.id, 0)
        self.progress[chat.id] = index + 1
        if index >= len(self.steps):
            raise RuntimeError(f"chat {chat.id}: update {index + 1} is beyond the script")
        step = self.steps[index]
        if _kind(update) != step["kind"]:
            raise RuntimeError(f"chat {chat.id}: step {index + 1} is a {_kind(update)} update")
        sent = self.sent.setdefault(chat.id, [])
        # As ours (bot/telegram/channel.py), the answer to a press and the edit showing an
        # answer go beside the rest.
        aside, in_turn = self.split[index]
        beside = [asyncio.create_task(self._make(call, chat.id, update, sent)) for call in aside]
        try:
            for call in in_turn:
                result = await self._make(call, chat.id, update, sent)
                if call["method"].startswith("send") and isinstance(result, Message):
                    sent.append(result.message_id)
        finally:
            await asyncio.gather(*beside)

    async def _make(self, call: dict[str, Any], chat: int, update: Update, sent: list[int]) -> Any:
        """One call of the script, through PTB's own method."""
        method, accepted = self._method(call["method"])
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in call["params"].items():
            value = self._value(key, value, chat, update, sent)
            (kwargs if key in accepted else extra)[key] = value
        if extra:
            kwargs["api_kwargs"] = extra
        return await method(**kwargs)

    def _value(self, key: str, value: Any, chat: int, update: Update, sent: list[int]) -> Any:
        if value == CHAT:
            return chat
        if value == QUERY:
            assert update.callback_query is not None
            return update.callback_query.id
        if isinstance(value, dict) and SENT in value:
            return sent[int(value[SENT])]
        if key == "reply_markup" and isinstance(value, dict):
            if "inline_keyboard" in value:
                return InlineKeyboardMarkup.de_json(value, self.bot)
            if "keyboard" in value:
                return ReplyKeyboardMarkup.de_json(value, self.bot)
            if value.get("remove_keyboard"):
                return ReplyKeyboardRemove()
        return value


async def run_mirror(args: argparse.Namespace, timing: Timing, stop: asyncio.Event) -> None:
    """The baseline: a bare PTB bot replaying ours' Bot API calls, step by step."""
    from bot.telegram.http import AiohttpRequest

    script = json.loads(args.script.read_text())
    builder = (
        ApplicationBuilder()
        .token(args.token)
        .base_url(args.base_url)
        # Ours' processor (one update at a time per chat, in order): without it, a resident's
        # next update could be handled before the reply to the last one has come back, and
        # the replay would not know that reply's message id yet.
        .concurrent_updates(cast(Any, TimedPerChatProcessor(timing)))
    )
    if args.transport == "aiohttp":
        # Exactly as bot/telegram/application.py sets up ours.
        builder = builder.request(AiohttpRequest()).get_updates_request(
            AiohttpRequest(connection_limit=1)
        )
    app = builder.build()
    mirror = Mirror(script, app.bot)
    app.add_handler(TypeHandler(Update, mirror.handle))
    async with app:
        await _poll_until(app, stop)


# --------------------------------------------------------------------------- cli


def run_cli(args: argparse.Namespace, timing: Timing) -> int:
    """`bot.cli.main(args.cli)` with the hooks installed; its exit code."""
    from bot import cli

    instrument_store(timing, count_sql=args.count_sql)
    original = PerChatUpdateProcessor.do_process_update

    async def timed(self: PerChatUpdateProcessor, update: object, coroutine: Any) -> None:
        await original(self, update, timing.timed(update, coroutine))

    PerChatUpdateProcessor.do_process_update = timed  # type: ignore[method-assign]
    with timing.gc:
        return cli.main(args.cli)


# --------------------------------------------------------------------------- main


async def main_async(args: argparse.Namespace, timing: Timing) -> None:
    """Run the chosen bot until a signal."""
    stop = asyncio.Event()

    def on_signal() -> None:
        if not stop.is_set():
            timing.threads_stop = threads_cpu()  # before shutdown ends the database threads
            stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    runner = run_ours if args.kind == "ours" else run_mirror
    with timing.gc:
        await runner(args, timing, stop)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kind", choices=("ours", "mirror", "cli"), required=True)
    parser.add_argument("--base-url", help="the double's Bot API base URL (ours, mirror)")
    parser.add_argument("--token", help="the bot token (ours, mirror)")
    parser.add_argument("--db", type=Path, help="SQLite database file (ours)")
    parser.add_argument("--script", type=Path, help="the calls to replay (mirror)")
    parser.add_argument("--transport", choices=("aiohttp", "httpx"), default="aiohttp")
    parser.add_argument("--stats", type=Path, required=True, help="where to write the JSON")
    parser.add_argument("--profile", type=Path, help="cProfile the update handling into this")
    parser.add_argument(
        "--no-sql-count",
        dest="count_sql",
        action="store_false",
        help="do not trace SQL statements (about 2.5 µs each)",
    )
    parser.add_argument("cli", nargs="*", help="cli: the community-voice command and arguments")
    args = parser.parse_args(argv)
    if args.kind == "ours" and args.db is None:
        parser.error("--db is required for --kind ours")
    if args.kind == "mirror" and args.script is None:
        parser.error("--script is required for --kind mirror")
    if args.kind in ("ours", "mirror") and not (args.base_url and args.token):
        parser.error("--base-url and --token are required for ours and mirror")
    if args.kind == "cli" and not args.cli:
        parser.error("--kind cli needs the command to run, after --")
    return args


def write_stats(path: Path, summary: dict[str, Any]) -> None:
    """Write the JSON atomically (the parent may be waiting for the file)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary))
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    profile = cProfile.Profile() if args.profile else None
    timing = Timing(profile)
    code = 0
    try:
        if args.kind == "cli":
            code = run_cli(args, timing)
        else:
            logging.basicConfig(
                level=logging.WARNING,
                stream=sys.stderr,
                format="%(levelname)s %(name)s: %(message)s",
            )
            asyncio.run(main_async(args, timing))
    finally:
        timing.stop_profile()
        if profile is not None:
            profile.dump_stats(args.profile)
        write_stats(args.stats, timing.summary(args.kind))
    return code


if __name__ == "__main__":
    with suppress(KeyboardInterrupt):
        sys.exit(main())
