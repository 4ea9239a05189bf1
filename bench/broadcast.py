"""Broadcasts from the real bot process, at Telegram's rate, on the scale fixture.

    .venv/bin/python bench/broadcast.py [--kind plain,results,news] [--rate 30,1000] [--latency 50]
    .venv/bin/python bench/broadcast.py --quick          # 1,000 participants: a smoke test

Each run builds nothing but a copy of the scale fixture (bench/fixture.py: 100,000
participants, 1,000,000 answers, a round 58,800 took part in), starts the bot exactly as an
operator would (`python -m bot.cli run` with BOT_TOKEN, TELEGRAM_API_BASE_URL, DATABASE_PATH,
QUIET_HOURS="", BROADCAST_RATE, PAID_BROADCAST, SWEEP_SECONDS=1 and REMINDER_AFTER off)
against the offline Bot API double in this process, which answers every call after
--latency ms and enforces Telegram's flood limits: 30 messages/s overall (1,000/s with
PAID_BROADCAST, whose sends carry allow_paid_broadcast) and one a second per chat, answering
429 with retry_after 1. Then, with the bot idle and its memory measured, staff start:

- plain:   `python -m bot.cli broadcast everyone --text ... --yes` (a staff broadcast to every
           participant who can be sent news);
- results: `python -m bot.cli admin round-close 1`: the bot's next sweep queues the round's
           results (a chart for each recipient) to everyone who took part;
- news:    `python -m bot.cli admin initiative-add ... --topics 2`, then `admin
           initiative-update N --status active --note ...`: "you said, we did" to everyone who
           chose the round's second topic (the round is still open: text, no chart). Not run
           by default.

Meanwhile --residents fixture residents (not recipients of results) tap through a flow, /menu
then "How we use your answers", again and again, a second apart. At 30/s the rate is measured
over a fixed window (--window, 90 s) from the first broadcast message, then the broadcast is
paused as staff would pause it; at 1,000/s over the whole audience (first message to last),
unless it takes longer than --max-seconds. The output says which. Over the whole audience the
residents stop once everyone else has their broadcast message: theirs waits for them to pause
(the bot does not break into a conversation, for a minute at most), which they never do.

Figures and targets, per run:
- achieved rate / configured rate >= 0.95 (broadcast messages accepted by the double); and the
  same for all messages the bot sent in the span (broadcast and the residents' replies), since
  replies share the one overall limit and go first;
- 429s provoked = 0 and per-chat breaches = 0 (the double's own accounting; the residents'
  own chats are exempt from the per-chat limit, because Telegram allows a conversation short
  bursts and some steps answer with two messages, but they count in the overall rate);
- photo uploads (multipart sendPhoto) <= distinct charts (distinct images uploaded), the rest
  sent by file_id;
- the bot's RSS (/proc/PID/status VmRSS every 100 ms): peak <= idle + 40 MB, and back within
  10 MB of idle after it (idle: before staff start; after: once the broadcast has ended or
  been paused and the bot is idle again);
- residents' replies during the broadcast: p99 < 100 ms, judged on the reply delay without the
  double's time (round trip minus the time the double spent on the bot's calls for that step,
  its --latency included: the getUpdates call that brought the resident's update is one of
  them, since an update that comes while the bot's next poll is still on its way waits for
  it); the raw round trip is printed too.

Exit status 0 whether or not the targets are met; 1 when the benchmark could not measure (the
bot failed, a broadcast never started, a chat got a broadcast message twice).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._realbot import (
    MB,
    BenchError,
    BotProcess,
    bot_env,
    build_fixture,
    cli,
    copy_database,
    process_cpu,
    quiet_chores,
    read_one,
    residents,
    system_busy,
)
from bot.staff import broadcasts as staff_broadcasts
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.desk import StaffDesk
from bot.store.db import Database
from tgdouble import DoubleServer, FakeBotAPI, Limits, SentMessage

TARGET_RATIO = 0.95
TARGET_RSS_RISE_MB = 40.0
AFTER_TOLERANCE_MB = 10.0
TARGET_REPLY_P99_MS = 100.0
FREE_LIMIT, PAID_LIMIT = 30, 1000
ROUND_ID = 1
# The broadcast each kind of run makes: what it is, and its kind in the database.
WHAT = {
    "plain": "a staff broadcast to everyone",
    "results": "round results, charts",
    "news": "an initiative's news to those who chose its topic",
}
STORED = {"plain": "staff", "results": "results", "news": "initiative"}
NEWS_TOPIC = 2  # the fixture's second topic: chosen by about half the round's participants
TEXT = (
    "Thank you to everyone who told us what matters to them this year. The community fair is "
    "on Saturday 12 December at the Riverside Hall, from 10:00 to 15:00: come and meet us."
)
MENU = "What would you like to do?"
PRIVACY_LABEL = "How we use your answers"
PRIVACY_TEXT = "We keep your answers, your language and your area"

Predicate = Callable[[SentMessage | None], bool]


class _Unlogged(list[Any]):
    """A call log that keeps nothing (FakeBotAPI would keep every call's parameters)."""

    def append(self, item: Any) -> None:
        pass


class BroadcastAPI(FakeBotAPI):
    """The double with Telegram's limits, keeping per broadcast message only its time.

    FakeBotAPI keeps every call, message and uploaded file; at 100,000 messages with charts
    that would cost this process gigabytes and CPU that competes with the bot. Here only the
    residents' chats are kept in full (they need their messages to tap buttons); uploads are
    hashed and dropped. Limits, 429s and breaches are FakeBotAPI's own accounting.
    """

    def __init__(self, limits: Limits | None, latency: float) -> None:
        super().__init__(limits=limits, latency=latency)
        self._calls = _Unlogged()
        self._no_per_chat = (
            None
            if limits is None
            else Limits(
                global_per_second=limits.global_per_second,
                per_chat_per_second=1e9,
                retry_after=limits.retry_after,
            )
        )
        self.residents: set[int] = set()
        self.polls = 0  # getUpdates calls
        self.accepted: list[float] = []  # when each message to a recipient's chat was admitted
        self.replies_accepted: list[float] = []  # ... and each message to a resident's chat
        self.per_chat: dict[int, int] = {}  # messages accepted per recipient's chat
        self.statuses: dict[int, int] = {}  # send* answers by HTTP status
        self.uploads = 0  # sendPhoto with the image in the request (multipart)
        self.upload_bytes = 0
        self.distinct: set[bytes] = set()  # digests of the images uploaded
        self.by_file_id = 0  # sendPhoto naming an earlier upload's file_id
        self.photos_accepted = 0
        self.texts_accepted = 0
        self.paid_flag = 0  # send* calls with allow_paid_broadcast
        self.resident_bursts = 0  # messages to a resident's chat within 1 s of the previous
        self._resident_last: dict[int, float] = {}
        # Residents' chats: (chat, method, arrived, answered) of every call, for the replies;
        # a getUpdates call that brought a resident's update counts as one to their chat.
        self.resident_calls: list[tuple[int, str, float, float]] = []
        self._waiters: dict[int, tuple[Predicate, asyncio.Future[float]]] = {}
        self._query_chats: dict[str, int] = {}
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
        arrived = time.monotonic()
        name = method.lower()
        if name == "getupdates":
            self.polls += 1
        elif name == "sendphoto":
            if files:
                self.uploads += 1
                for _, content in files.values():
                    self.upload_bytes += len(content)
                    self.distinct.add(hashlib.sha1(content).digest())
            else:
                self.by_file_id += 1
        if name.startswith("send") and str(params.get("allow_paid_broadcast", "")).lower() in (
            "true",
            "1",
        ):
            self.paid_flag += 1
        status, body = await super().call(method, params, files, token=token)
        if name == "getupdates" and status == 200:
            answered = time.monotonic()
            for chat in {_update_chat(update) for update in body["result"]} & self.residents:
                self.resident_calls.append((chat, method, arrived, answered))
        if name.startswith("send"):
            self.statuses[status] = self.statuses.get(status, 0) + 1
        chat = _chat(params.get("chat_id"))
        if chat is None and "callback_query_id" in params:
            chat = self._query_chats.get(str(params["callback_query_id"]))
        if chat in self.residents:
            self.resident_calls.append((chat, method, arrived, time.monotonic()))
            waiter = self._waiters.get(chat)
            if waiter is not None and not waiter[1].done() and waiter[0](self.last(chat)):
                waiter[1].set_result(time.monotonic())
        return status, body

    def _admit_send(self, chat_id: int) -> None:
        if chat_id not in self.residents:
            super()._admit_send(chat_id)
            return
        limits, self.limits = self.limits, self._no_per_chat
        try:
            super()._admit_send(chat_id)
        finally:
            self.limits = limits
        now = time.monotonic()
        if now - self._resident_last.get(chat_id, -math.inf) < 1.0:
            self.resident_bursts += 1
        self._resident_last[chat_id] = now

    def add_file(
        self,
        content: bytes | None,
        path: str,
        *,
        file_id: str | None = None,
        file_name: str | None = None,
    ) -> Any:
        # The file id is what the bot reuses; the bytes are never downloaded here.
        return super().add_file(None, path, file_id=file_id, file_name=file_name)

    def _store_sent(
        self,
        method: str,
        chat_id: int,
        params: dict[str, Any],
        content: dict[str, Any],
        sent: SentMessage,
    ) -> dict[str, Any]:
        # Called right after _admit_send let the message through the limits.
        if chat_id in self.residents:
            self.replies_accepted.append(time.monotonic())
            return super()._store_sent(method, chat_id, params, content, sent)
        self.accepted.append(time.monotonic())
        if method == "sendPhoto":
            self.photos_accepted += 1
        else:
            self.texts_accepted += 1
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


def _chat(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None


# --------------------------------------------------------------------------- residents


@dataclass
class Reply:
    """One resident step: when it was sent, and when the reply it waited for was seen."""

    chat: int
    sent: float
    seen: float
    at_double: float = 0.0  # time the double spent on the bot's calls for this step

    @property
    def round_trip(self) -> float:
        return self.seen - self.sent

    @property
    def delay(self) -> float:
        """The round trip without the double's time (its latency included)."""
        return self.round_trip - self.at_double


async def tap_through(
    api: BroadcastAPI,
    chat: int,
    think: Callable[[], float],
    stop: asyncio.Event,
    replies: list[Reply],
    timeout: float,  # noqa: ASYNC109
) -> None:
    """One resident: /menu, then "How we use your answers", `think()` seconds apart (the
    first step after one such pause), until `stop`."""

    def menu(m: SentMessage | None) -> bool:
        return m is not None and m.text == MENU

    def privacy(m: SentMessage | None) -> bool:
        return m is not None and (m.text or "").startswith(PRIVACY_TEXT)

    steps: list[tuple[Callable[[], object], Predicate]] = [
        (partial(api.send_command, chat, "menu"), menu),
        (partial(api.tap, chat, PRIVACY_LABEL), privacy),
    ]
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(think()):
            await stop.wait()
    while not stop.is_set():
        for act, expect in steps:
            sent = time.monotonic()
            try:
                act()
            except LookupError as error:  # a button that is not there: the flow changed
                raise BenchError(f"resident {chat}: {error}") from None
            seen = await api.reply(chat, expect, timeout)
            replies.append(Reply(chat, sent, seen))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(think()):
                    await stop.wait()
            if stop.is_set():
                return


def _update_chat(update: Mapping[str, Any]) -> int | None:
    """The chat an update came from (a message or a button press), if any."""
    message = update.get("message") or update.get("callback_query", {}).get("message") or {}
    return _chat(message.get("chat", {}).get("id"))


def _thinking(args: argparse.Namespace, chat: int) -> Callable[[], float]:
    """A resident's pauses: uniform from --think to --think + --think-jitter, seeded per
    resident (the same pattern every run). With no jitter every resident taps in step with
    the others, five replies wanted at the same instant every cycle, which no real residents
    do. Never under a second: a chat's next message waits a second after its last (the bot's
    rule in every chat), and the wait would be measured rather than the broadcast's effect."""
    rng = random.Random(f"{args.seed}-{chat}")
    low, high = _pauses(args)
    return lambda: rng.uniform(low, high)


def _pauses(args: argparse.Namespace) -> tuple[float, float]:
    return args.think, args.think + args.think_jitter


def _at_double(api: BroadcastAPI, replies: list[Reply]) -> None:
    """For each step, the time the double spent on calls to that chat during it (the union of
    their intervals, so calls made at once are not counted twice)."""
    by_chat: dict[int, list[tuple[float, float]]] = {}
    for chat, _, arrived, answered in api.resident_calls:
        by_chat.setdefault(chat, []).append((arrived, answered))
    for reply in replies:
        spans = sorted(
            (max(a, reply.sent), min(b, reply.seen))
            for a, b in by_chat.get(reply.chat, ())
            if a < reply.seen and b > reply.sent
        )
        total, end = 0.0, -math.inf
        for a, b in spans:
            if b > end:
                total += b - max(a, end)
                end = b
        reply.at_double = total


# --------------------------------------------------------------------------- one run


@dataclass
class Run:
    """One broadcast from the real bot, and what the double and the bot's memory showed."""

    kind: str  # plain, results or news
    rate: float
    latency_ms: float
    participants: int
    window: float | None  # seconds, or None: the whole audience
    recipients: int = 0
    broadcast_id: int = 0
    whole: bool = False  # the whole audience was sent within the run
    cut: bool = False  # whole-audience mode stopped at --max-seconds
    accepted: list[float] = field(default_factory=list)
    replies_accepted: list[float] = field(default_factory=list)  # residents' chats, same clock
    chats: int = 0
    per_chat: dict[int, int] = field(default_factory=dict)  # messages a chat got -> chats
    too_many: int = 0
    global_breaches: int = 0
    per_chat_breaches: int = 0
    resident_bursts: int = 0
    other_errors: dict[int, int] = field(default_factory=dict)
    uploads: int = 0
    upload_mb: float = 0.0
    distinct: int = 0
    by_file_id: int = 0
    photos: int = 0
    texts: int = 0
    paid_flag: int = 0
    sends: int = 0
    idle_mb: float = 0.0
    peak_mb: float = 0.0
    after_mb: float = 0.0
    queued_after: float = 0.0  # seconds from staff's command to the first broadcast message
    bot_cpu: float = 0.0  # seconds, over the measured span
    double_cpu: float = 0.0  # this process (the double and the residents), same span
    others_cpu: float = 0.0  # everything else on the machine, same span
    replies: list[Reply] = field(default_factory=list)
    residents: int = 0
    pauses: str = ""  # the residents' pauses between steps, as said in the output
    ledger: dict[str, int] = field(default_factory=dict)
    cancelled_chores: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def paid(self) -> bool:
        return self.rate > FREE_LIMIT

    @property
    def what(self) -> str:
        return WHAT[self.kind]

    @property
    def title(self) -> str:
        limits = "paid" if self.paid else "free"
        return f"{self.kind}, {self.rate:g}/s ({limits} limits), latency {self.latency_ms:g} ms"

    @property
    def span(self) -> float:
        """Seconds the rate is measured over."""
        if not self.accepted:
            return 0.0
        if self.window is not None:
            return self.window
        return self.accepted[-1] - self.accepted[0]

    @property
    def measured(self) -> int:
        """Broadcast messages counted in the rate."""
        if self.window is None or not self.accepted:
            return len(self.accepted)
        end = self.accepted[0] + self.window
        return sum(1 for at in self.accepted if at < end)

    @property
    def achieved(self) -> float:
        """Messages per second over the span (whole: intervals between first and last)."""
        if self.span <= 0:
            return 0.0
        if self.window is None:
            return (len(self.accepted) - 1) / self.span
        return self.measured / self.span

    @property
    def ratio(self) -> float:
        return self.achieved / self.rate

    @property
    def replies_in_span(self) -> int:
        """Messages to the tapping residents' chats within the measured span."""
        if not self.accepted:
            return 0
        start = self.accepted[0]
        return sum(1 for at in self.replies_accepted if start <= at < start + self.span)

    @property
    def shared_ratio(self) -> float:
        """All messages the bot sent in the span (broadcast and replies: one limit, replies
        first) against the configured rate."""
        if self.span <= 0:
            return 0.0
        return (self.achieved * self.span + self.replies_in_span) / self.span / self.rate

    def ten_second_rates(self) -> list[float]:
        """Messages per second in each whole 10 s of the span."""
        if not self.accepted:
            return []
        first = self.accepted[0]
        bins = int(self.span // 10)
        counts = [0] * bins
        for at in self.accepted:
            index = int((at - first) // 10)
            if index < bins:
                counts[index] += 1
        return [c / 10 for c in counts]

    def during(self) -> list[Reply]:
        """Residents' steps sent while the broadcast was being measured."""
        if not self.accepted:
            return []
        start, end = self.accepted[0], self.accepted[0] + self.span
        return [r for r in self.replies if start <= r.sent <= end]


async def one_run(
    kind: str,
    rate: float,
    latency_ms: float,
    args: argparse.Namespace,
    fixture_db: Path,
    workdir: Path,
    label: str,
) -> Run:
    """One broadcast, start to end; see the module's docstring."""
    window = None if rate > FREE_LIMIT and not args.window_at_paid else args.window
    run = Run(kind, rate, latency_ms, args.participants, window)
    database = copy_database(fixture_db, workdir / f"{label}.sqlite3")
    run.cancelled_chores = await quiet_chores(database)
    chats = [
        chat
        for _, chat in residents(
            database, args.residents, outside_round=None if kind == "plain" else ROUND_ID
        )
    ]
    limits = Limits(global_per_second=PAID_LIMIT if run.paid else FREE_LIMIT)
    api = BroadcastAPI(limits, latency_ms / 1000)
    api.residents.update(chats)
    try:
        async with DoubleServer(api) as server:
            env = bot_env(database, server.base_url, rate=rate, paid=run.paid)
            bot = BotProcess(env, workdir, workdir / f"{label}.log")
            try:
                await _measure(run, api, bot, args, database, chats, workdir)
            finally:
                code = await bot.stop()
            run.warnings = bot.problems()
            if code != 0:
                raise BenchError(f"{label}: the bot exited with {code}:\n{bot.tail()}")
    finally:
        await api.aclose()
    run.ledger = _ledger(database, run.broadcast_id)
    # At the end: the audience is queued in chunks as the broadcast goes (read when it
    # began, this was the first chunk's thousand).
    run.recipients = sum(run.ledger.values())
    if run.whole and run.ledger.get("queued", 0):
        raise BenchError(f"{label}: the broadcast ended with deliveries still queued")
    if kind == "plain" and max(run.per_chat, default=1) > 1:
        raise BenchError(f"{label}: a chat got the broadcast more than once: {run.per_chat}")
    return run


async def _measure(
    run: Run,
    api: BroadcastAPI,
    bot: BotProcess,
    args: argparse.Namespace,
    database: Path,
    chats: list[int],
    workdir: Path,
) -> None:
    await bot.start()
    deadline = time.monotonic() + args.start_timeout
    while not api.polls:
        bot.check_alive()
        if time.monotonic() > deadline:
            raise BenchError(f"the bot did not poll within {args.start_timeout:g} s")
        await asyncio.sleep(0.1)
    idle_from = time.monotonic()
    await asyncio.sleep(args.idle)
    run.idle_mb = _median_mb(bot.rss_between(idle_from, time.monotonic()))
    # Staff start it; the residents start tapping.
    stop = asyncio.Event()
    tappers = [
        asyncio.create_task(tap_through(api, chat, _thinking(args, chat), stop, run.replies, 30.0))
        for chat in chats
    ]
    run.residents = len(chats)
    low, high = _pauses(args)
    run.pauses = (
        f"{low:g}-{high:g} s, seed {args.seed}" if high > low else f"{low:g} s, all in step"
    )
    triggered = time.monotonic()
    try:
        if run.kind == "plain":
            await cli(bot.env, workdir, "broadcast", "everyone", "--text", TEXT, "--yes")
        elif run.kind == "news":
            await _news(bot, workdir)
        else:
            await cli(bot.env, workdir, "admin", "round-close", str(ROUND_ID))
        run.broadcast_id = await _broadcast_id(run.kind, database, bot, args.start_timeout)
        while not api.accepted:
            bot.check_alive()
            if time.monotonic() > triggered + args.start_timeout:
                raise BenchError(f"no broadcast message within {args.start_timeout:g} s")
            await _check(tappers)
            await asyncio.sleep(0.05)
        first = api.accepted[0]
        run.queued_after = first - triggered
        cpu_bot, cpu_double, busy = process_cpu(bot.pid), time.process_time(), system_busy()
        # A fixed window ends at its length, the whole audience when the broadcast is done
        # (or at --max-seconds); a fixed window over an audience done sooner becomes whole.
        limit = first + (run.window if run.window is not None else args.max_seconds)
        while _status(database, run.broadcast_id) != "done" and time.monotonic() < limit:
            if run.window is None and not stop.is_set():
                if not _others_waiting(database, run.broadcast_id, chats):
                    # Everyone else has theirs. The residents' own broadcast messages wait
                    # for them to pause (the bot does not break into a conversation), which
                    # these residents never do: they stop now, and theirs follow.
                    stop.set()
            await _until(min(limit, time.monotonic() + 0.25), bot, tappers)
        if _status(database, run.broadcast_id) == "done":
            run.window, run.whole = None, True
        else:
            run.cut = run.window is None
            if run.cut:
                run.window = time.monotonic() - first
            await _pause(database, run.broadcast_id)
        run.bot_cpu = process_cpu(bot.pid) - cpu_bot
        run.double_cpu = time.process_time() - cpu_double
        run.others_cpu = max(0.0, system_busy() - busy - run.bot_cpu - run.double_cpu)
        await _quiet(api, bot, tappers)
        stop.set()
        await asyncio.gather(*tappers)
        run.peak_mb = max(bot.rss_between(triggered, time.monotonic()), default=0) * 1024 / MB
        await asyncio.sleep(args.settle)
        after_from = time.monotonic()
        await asyncio.sleep(args.idle)
        run.after_mb = _median_mb(bot.rss_between(after_from, time.monotonic()))
    finally:
        stop.set()
        for task in tappers:
            task.cancel()
        await asyncio.gather(*tappers, return_exceptions=True)
    _collect(run, api)


def _median_mb(samples: Sequence[int]) -> float:
    return statistics.median(samples) * 1024 / MB if samples else math.nan


async def _check(tappers: Sequence[asyncio.Task[None]]) -> None:
    """Raise a resident's failure now, rather than at the end."""
    for task in tappers:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def _until(when: float, bot: BotProcess, tappers: Sequence[asyncio.Task[None]]) -> None:
    while (left := when - time.monotonic()) > 0:
        bot.check_alive()
        await _check(tappers)
        await asyncio.sleep(min(left, 0.25))


async def _quiet(api: BroadcastAPI, bot: BotProcess, tappers: Sequence[asyncio.Task[None]]) -> None:
    """Until no broadcast message has been accepted for 2 s (a paused sender finishes the
    batch it has claimed)."""
    while True:
        count = len(api.accepted)
        await _until(time.monotonic() + 2.0, bot, tappers)
        if len(api.accepted) == count:
            return


def _others_waiting(database: Path, broadcast_id: int, chats: Sequence[int]) -> bool:
    """Whether any recipient but the tapping residents is not yet settled. The first one
    found is enough: counting them all, every quarter of a second, held up this process,
    the double's, for tens of milliseconds while tens of thousands were queued."""
    marks = ", ".join("?" for _ in chats)
    query = (
        "SELECT EXISTS (SELECT 1 FROM deliveries d JOIN participants p "
        "ON p.id = d.participant_id WHERE d.broadcast_id = ? "
        "AND d.state IN ('queued', 'claimed', 'sending') "
        f"AND p.chat_id NOT IN ({marks}))"
    )
    return bool(read_one(database, query, (broadcast_id, *(str(c) for c in chats))))


async def _news(bot: BotProcess, workdir: Path) -> None:
    """Staff record an initiative for a topic people chose, then say it has started."""
    added = await cli(
        bot.env, workdir, "admin", "initiative-add", "Walking group", "--topics", str(NEWS_TOPIC)
    )
    found = re.search(r"initiative (\d+)", added)
    if found is None:
        raise BenchError(f"no initiative added: {added!r}")
    await cli(
        *(bot.env, workdir, "admin", "initiative-update", found.group(1)),
        *("--status", "active", "--note", "The first walk was on Sunday."),
    )


def _status(database: Path, broadcast_id: int) -> str | None:
    value = read_one(database, "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,))
    return None if value is None else str(value)


async def _broadcast_id(kind: str, database: Path, bot: BotProcess, timeout: float) -> int:  # noqa: ASYNC109
    """The broadcast staff's command made, once the bot has started it."""
    stored = STORED[kind]
    deadline = time.monotonic() + timeout
    while True:
        found = read_one(
            database,
            "SELECT id FROM broadcasts WHERE kind = ? AND status IN ('sending', 'done') "
            "ORDER BY id DESC LIMIT 1",
            (stored,),
        )
        if found is not None:
            return int(found)
        bot.check_alive()
        if time.monotonic() > deadline:
            raise BenchError(f"the bot did not start the {stored} broadcast within {timeout:g} s")
        await asyncio.sleep(0.1)


async def _pause(database: Path, broadcast_id: int) -> None:
    """Pause the broadcast through the staff desk, as /broadcast's Pause button does."""
    db = await Database.open(database)
    try:
        desk = StaffDesk(db, lambda: datetime.now(UTC))
        actor = Actor("bench", Role.STAFF, "cli")
        # It may have ended meanwhile: then there is nothing to pause.
        with contextlib.suppress(StaffError):
            await staff_broadcasts.control(desk, actor, broadcast_id, "pause")
    finally:
        await db.close()


def _ledger(database: Path, broadcast_id: int) -> dict[str, int]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as conn:
        rows = conn.execute(
            "SELECT state, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        ).fetchall()
    return {str(state): int(n) for state, n in rows}


def _collect(run: Run, api: BroadcastAPI) -> None:
    run.accepted = list(api.accepted)
    run.replies_accepted = list(api.replies_accepted)
    run.chats = len(api.per_chat)
    run.per_chat = dict(sorted(Counter(api.per_chat.values()).items()))
    stats = api.stats
    run.too_many = stats.too_many_requests
    run.global_breaches = stats.global_breaches
    run.per_chat_breaches = stats.per_chat_breaches
    run.resident_bursts = api.resident_bursts
    run.other_errors = {s: n for s, n in api.statuses.items() if s not in (200, 429)}
    run.uploads = api.uploads
    run.upload_mb = api.upload_bytes / MB
    run.distinct = len(api.distinct)
    run.by_file_id = api.by_file_id
    run.photos = api.photos_accepted
    run.texts = api.texts_accepted
    run.paid_flag = api.paid_flag
    run.sends = sum(api.statuses.values())
    _at_double(api, run.replies)


# --------------------------------------------------------------------------- report


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * pct / 100)) - 1]


def run_lines(run: Run) -> list[str]:
    """The figures of one run, as `name  value` rows under a heading."""
    if run.window is None:
        how = "the whole audience, first broadcast message to last"
    elif run.cut:
        how = f"cut at --max-seconds: the first {run.window:.0f} s (the audience was not done)"
    else:
        how = f"a fixed window of {run.window:g} s from the first broadcast message"
    rates = run.ten_second_rates()
    during = run.during()
    errors = ", ".join(f"{n} x {s}" for s, n in sorted(run.other_errors.items())) or "none"
    rows = [
        ("participants in the fixture", f"{run.participants}"),
        ("recipients queued", f"{run.recipients}"),
        ("rate measured over", how),
        ("staff command to first message (s)", f"{run.queued_after:.2f}"),
        ("broadcast messages accepted (all)", f"{len(run.accepted)} to {run.chats} chats"),
        ("  of which in the measured span", f"{run.measured}"),
        ("  photos / texts", f"{run.photos} / {run.texts}"),
        (
            "  chats by messages received",
            ", ".join(f"{n} x {chats}" for n, chats in run.per_chat.items()) or "-",
        ),
        ("measured span (s)", f"{run.span:.2f}"),
        ("achieved rate (msg/s)", f"{run.achieved:.2f}"),
        ("configured rate (msg/s)", f"{run.rate:g}"),
        ("achieved / configured", f"{run.ratio:.4f}"),
        ("residents' messages in the span", f"{run.replies_in_span}"),
        ("all messages / configured (one limit)", f"{run.shared_ratio:.4f}"),
        (
            "slowest / fastest 10 s (msg/s)",
            f"{min(rates):.1f} / {max(rates):.1f}" if rates else "-",
        ),
        ("  each 10 s in turn (msg/s)", ", ".join(f"{r:.0f}" for r in rates) or "-"),
        ("429s provoked", f"{run.too_many}"),
        ("  global-limit breaches", f"{run.global_breaches}"),
        ("  per-chat breaches", f"{run.per_chat_breaches}"),
        ("other errors answered", errors),
        ("residents' chats: 2 messages within 1 s", f"{run.resident_bursts}"),
        ("sends with allow_paid_broadcast", f"{run.paid_flag} of {run.sends}"),
        ("photo uploads (multipart sendPhoto)", f"{run.uploads}"),
        ("  distinct charts uploaded", f"{run.distinct}"),
        ("  MB uploaded", f"{run.upload_mb:.1f}"),
        ("photos sent by file_id", f"{run.by_file_id}"),
        (
            "bot RSS idle / peak / after (MB)",
            f"{run.idle_mb:.1f} / {run.peak_mb:.1f} / {run.after_mb:.1f}",
        ),
        ("bot CPU per broadcast message (ms)", _per_message(run)),
        (
            "CPU busy: bot / double+residents / others",
            " / ".join(
                _busy(cpu, run.span) for cpu in (run.bot_cpu, run.double_cpu, run.others_cpu)
            ),
        ),
        ("residents tapping", f"{run.residents}"),
        ("  their pauses between steps", run.pauses),
        ("  their steps during the span", f"{len(during)}"),
        ("  round trip p50 / p99 (ms)", _pcts([r.round_trip for r in during])),
        ("  without the double's time p50 / p99 (ms)", _pcts([r.delay for r in during])),
        ("deliveries by state", ", ".join(f"{s} {n}" for s, n in sorted(run.ledger.items()))),
        ("chores cancelled before the run", ", ".join(run.cancelled_chores) or "none"),
        ("bot warnings/errors logged", f"{len(run.warnings)}"),
    ]
    width = max(len(name) for name, _ in rows) + 2
    lines = [f"({run.title}) {run.what}", *(f"{n:<{width}}{v}" for n, v in rows)]
    lines += [f"  bot log: {line}" for line in run.warnings[:5]]
    return [*lines, ""]


def _per_message(run: Run) -> str:
    return f"{run.bot_cpu / run.measured * 1000:.2f}" if run.measured else "-"


def _busy(cpu: float, span: float) -> str:
    return f"{100 * cpu / span:.0f}%" if span > 0 and not math.isnan(cpu) else "-"


def _pcts(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"{percentile(values, 50) * 1000:.1f} / {percentile(values, 99) * 1000:.1f}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def target_lines(runs: Sequence[Run]) -> list[str]:
    """PASS/MISS per target and run."""
    lines = ["TARGETS"]
    for run in runs:
        where = f"({run.title})"
        rise = run.peak_mb - run.idle_mb
        back = run.after_mb - run.idle_mb
        during = run.during()
        lines += [
            f"target achieved/configured >= {TARGET_RATIO:.2f} {where}: "
            f"{_verdict(run.ratio >= TARGET_RATIO)} ({run.ratio:.4f})",
            f"target all messages (broadcast and replies, one limit)/configured >= "
            f"{TARGET_RATIO:.2f} {where}: {_verdict(run.shared_ratio >= TARGET_RATIO)} "
            f"({run.shared_ratio:.4f})",
            f"target 429s provoked = 0 {where}: {_verdict(run.too_many == 0)} ({run.too_many})",
            f"target per-chat breaches = 0 {where}: "
            f"{_verdict(run.per_chat_breaches == 0)} ({run.per_chat_breaches})",
        ]
        if run.kind == "results":
            lines.append(
                f"target photo uploads <= distinct charts {where}: "
                f"{_verdict(run.uploads <= run.distinct)} ({run.uploads} uploads, "
                f"{run.distinct} distinct)"
            )
        lines += [
            f"target peak RSS <= idle + {TARGET_RSS_RISE_MB:g} MB {where}: "
            f"{_verdict(rise <= TARGET_RSS_RISE_MB)} ({run.idle_mb:.1f} -> {run.peak_mb:.1f} MB, "
            f"+{rise:.1f})",
            f"target RSS back within {AFTER_TOLERANCE_MB:g} MB of idle afterwards {where}: "
            f"{_verdict(back <= AFTER_TOLERANCE_MB)} ({run.after_mb:.1f} MB, {back:+.1f})",
        ]
        if during:
            p99 = percentile([r.delay for r in during], 99) * 1000
            raw = percentile([r.round_trip for r in during], 99) * 1000
            lines.append(
                f"target residents' replies p99 < {TARGET_REPLY_P99_MS:g} ms during the "
                f"broadcast {where}: {_verdict(p99 < TARGET_REPLY_P99_MS)} ({p99:.1f} ms "
                f"without the double's time; round trip {raw:.1f} ms; {len(during)} steps)"
            )
        else:
            lines.append(
                f"target residents' replies p99 < {TARGET_REPLY_P99_MS:g} ms during the "
                f"broadcast {where}: not judged (no resident step during the span)"
            )
    return lines


# --------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace, emit: Callable[[list[str]], None]) -> None:
    """Every run asked for, each emitted as soon as it is done, then the targets."""
    emit(
        [
            f"Community Voice broadcast benchmark: the real bot process ({os.cpu_count()} CPUs, "
            f"Python {sys.version.split()[0]}), {args.participants} participants",
            "",
        ]
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="cv-bench-broadcast-") as tmp:
        workdir = Path(tmp)
        fixture_db = (
            args.fixture
            if args.fixture is not None
            else await build_fixture(workdir, args.participants)
        )
        for latency in args.latency:
            for kind in args.kind:
                for rate in args.rate:
                    label = f"{kind}-{rate:g}-{latency:g}"
                    run = await one_run(kind, rate, latency, args, fixture_db, workdir, label)
                    runs.append(run)
                    emit(run_lines(run))
    emit(target_lines(runs))


def _numbers(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("numbers separated by commas") from None
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError("numbers (0 or more) separated by commas")
    return values


def _kinds(text: str) -> list[str]:
    kinds = [part.strip() for part in text.split(",") if part.strip()]
    if not kinds or any(kind not in WHAT for kind in kinds):
        raise argparse.ArgumentTypeError(f"{', '.join(WHAT)}, separated by commas")
    return kinds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Broadcasts from the real bot process against the double's flood limits."
    )
    parser.add_argument("--kind", type=_kinds, default=["plain", "results"])
    parser.add_argument(
        "--rate",
        type=_numbers,
        default=[30.0, 1000.0],
        help="BROADCAST_RATE values; above 30, PAID_BROADCAST and the paid limits (1000/s)",
    )
    parser.add_argument(
        "--latency", type=_numbers, default=[50.0], help="ms the double waits on every call"
    )
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument(
        "--fixture", type=Path, help="an already built fixture database (copied for each run)"
    )
    parser.add_argument(
        "--window", type=float, default=90.0, help="fixed window at 30/s, seconds (default 90)"
    )
    parser.add_argument(
        "--window-at-paid",
        action="store_true",
        help="measure paid rates over --window too, instead of the whole audience",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600.0,
        help="whole-audience runs stop here and say so (default 600)",
    )
    parser.add_argument("--residents", type=int, default=5, help="residents tapping (default 5)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="shortest seconds between a resident's steps"
    )
    parser.add_argument(
        "--think-jitter",
        type=float,
        default=0.5,
        help="pauses are uniform from --think to --think + this (default 0.5; 0: all in step)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seeds the residents' pauses")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of idle RSS sampling")
    parser.add_argument(
        "--settle", type=float, default=5.0, help="seconds before the RSS after is sampled"
    )
    parser.add_argument("--start-timeout", type=float, default=180.0)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1,000 participants, a 10 s window, 2 residents, at most 60 s a run",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.participants, args.window, args.residents = 1000, 10.0, 2
        args.idle, args.settle, args.max_seconds = 1.0, 1.0, 60.0
    if args.participants < 100:
        parser.error("--participants must be at least 100")
    if any(rate > PAID_LIMIT or rate <= 0 for rate in args.rate):
        parser.error(f"--rate values must be more than 0 and at most {PAID_LIMIT}")
    if args.window <= 0 or args.residents < 0:
        parser.error("--window must be positive and --residents 0 or more")
    if args.think <= 0 or args.think_jitter < 0:
        parser.error("--think must be positive and --think-jitter 0 or more")
    args.fixture = args.fixture.resolve() if args.fixture else None
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(bench(args, lambda lines: print("\n".join(lines), flush=True)))
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
