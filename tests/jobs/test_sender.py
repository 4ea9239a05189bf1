"""The broadcast sender and its ledger: pacing, Telegram's errors, pause, resume, no repeats."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import random
import time
import weakref
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.jobs import drawing_wait
from bot.jobs import sender as sender_module
from bot.jobs.compose import BroadcastComposer, untranslated
from bot.jobs.outbound import OutMessage, RateLimited, SendFailed, Unreachable
from bot.jobs.pacing import Pacer
from bot.jobs.sender import DRAWING_AHEAD, BroadcastSender
from bot.store import broadcasts, participants
from bot.store.broadcasts import Audience, Broadcast, Recipient
from bot.store.db import Database
from tests.jobs.conftest import RecordingOutbound, VirtualClock, residents

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class TextComposer:
    """Each recipient gets one text naming their locale."""

    async def prepare(self, broadcast: Broadcast, channels: Sequence[str]) -> None:
        pass

    async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
        texts = broadcast.content.get("texts", {})
        return [OutMessage(texts.get(recipient.locale or "en") or texts["en"])]


def _sender(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock, **kw: object
) -> BroadcastSender:
    pacer = Pacer(30, monotonic=clock.monotonic, sleep=clock.sleep)
    return BroadcastSender(
        db,
        TextComposer(),
        {"telegram": outbound},
        pacer,
        clock=lambda: NOW,
        sleep=clock.sleep,
        **kw,  # type: ignore[arg-type]
    )


async def _broadcast(db: Database, texts: dict[str, str] | None = None) -> int:
    content = {"texts": texts or {"en": "Hello"}}
    new = await db.write(broadcasts.create, "staff", Audience("everyone"), content, NOW.isoformat())
    assert new is not None
    await db.write(broadcasts.start, new, NOW.isoformat())
    return new


async def test_everyone_queued_gets_one_message_at_the_rate(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 95)
    bid = await _broadcast(db)
    progress = await _sender(db, outbound, clock, batch_size=20).run(bid)
    assert progress is not None and progress.sent == 95 and progress.status == "done"
    chats = Counter(chat for _, chat, _ in outbound.sent)
    assert len(chats) == 95 and set(chats.values()) == {1}
    per_second = Counter(int(t) for t, _, _ in outbound.sent)
    assert max(per_second.values()) <= 30
    assert await db.read(broadcasts.counts, bid) == {"sent": 95}


async def test_recipients_are_claimed_in_chunks_not_one_transaction_a_message(
    db: Database,
) -> None:
    """In real time at 1000/s, answers coming back one by one over a few milliseconds."""
    await residents(db, 600)
    bid = await _broadcast(db)
    claims: Counter[int] = Counter()
    write = db.write

    async def counting(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if fn is broadcasts.claim:
            claims[args[1]] += 1  # how many were asked for
        return await write(fn, *args, **kwargs)

    sent: list[str] = []

    class Network:
        async def send(self, chat_id: str, message: OutMessage) -> None:
            await asyncio.sleep(random.uniform(0.002, 0.01))
            sent.append(chat_id)

    db.write = counting  # type: ignore[method-assign]
    sender = BroadcastSender(
        db, TextComposer(), {"telegram": Network()}, Pacer(1000), clock=lambda: NOW
    )
    progress = await sender.run(bid)
    assert progress is not None and progress.sent == 600
    assert sorted(sent, key=int) == [str(n) for n in range(1, 601)]
    # Fifty at a time (twelve claims), then a look for more each time fifty have ended
    # (twelve more, finding none): a claim for each message that ended was a read and a
    # write transaction a message (211 claims here). Not more than fifty at once: the
    # recipients claimed together are composed back to back on the event loop.
    assert sum(claims.values()) <= 26, claims
    assert max(claims) <= 50, claims


class _Network:
    """A network taking 50 ms a request: times each message left."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, str]] = []

    async def send(self, chat_id: str, message: OutMessage) -> None:
        self.sent.append((time.monotonic(), chat_id))
        await asyncio.sleep(0.05)


async def test_half_a_second_of_messages_is_composed_ahead_not_more(db: Database) -> None:
    """Each claimed recipient's messages wait in memory until their turn: two seconds of them
    at 1000/s kept the bot 8 MB bigger after a broadcast."""
    await residents(db, 400)
    bid = await _broadcast(db)
    waiting: list[int] = [0]
    most = 0

    class Counting(TextComposer):
        async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
            nonlocal most
            waiting[0] += 1
            most = max(most, waiting[0])
            return await super().compose(broadcast, recipient)

    network = _Network()
    sending = network.send

    async def send(chat_id: str, message: OutMessage) -> None:
        waiting[0] -= 1
        await sending(chat_id, message)

    network.send = send  # type: ignore[method-assign]
    sender = BroadcastSender(db, Counting(), {"telegram": network}, Pacer(200), clock=lambda: NOW)
    progress = await sender.run(bid)
    assert progress is not None and progress.sent == 400
    assert most <= 100, most  # half a second at 200/s (all 400 before)


async def test_a_text_in_two_messages_keeps_the_rate_with_half_a_second_claimed(
    db: Database,
) -> None:
    """A recipient waiting their chat's second for the next message does not count among
    those claimed ahead: counted, the claimed half second of them sent at most one message
    a second each, 0.74 of the rate."""
    await residents(db, 400)
    bid = await _broadcast(db)

    class TwoMessages:
        async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
            return [OutMessage("Our news, part one"), OutMessage("Part two")]

    network = _Network()
    sender = BroadcastSender(
        db, TwoMessages(), {"telegram": network}, Pacer(200), clock=lambda: NOW
    )
    progress = await sender.run(bid)
    assert progress is not None and progress.sent == 400 and len(network.sent) == 800
    times = sorted(t for t, _ in network.sent)
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate >= 0.9 * 200, rate
    first: dict[str, float] = {}
    for at, chat in network.sent:
        if chat in first:
            assert at - first[chat] >= 0.99  # a second apart in their own chat
        first[chat] = at


async def test_residents_talking_to_the_bot_do_not_hold_up_the_rest(db: Database) -> None:
    """Their broadcast message waits for them to pause, outside those claimed ahead: at
    200/s that is 100, and 110 residents talking would have stopped the broadcast."""
    await residents(db, 310)
    bid = await _broadcast(db)
    pacer = Pacer(200)
    talking = [str(n) for n in range(1, 111)]  # the first claimed
    for chat in talking:
        async with pacer.replying(chat):
            pass
    replied = time.monotonic()
    network = _Network()
    sender = BroadcastSender(db, TextComposer(), {"telegram": network}, pacer, clock=lambda: NOW)
    progress = await sender.run(bid)
    assert progress is not None and progress.sent == 310
    others = [at for at, chat in network.sent if chat not in talking]
    theirs = [at for at, chat in network.sent if chat in talking]
    # Everyone else first (200 at 200/s, with the 110 replies in the first second), then
    # theirs, once they have paused for three seconds.
    assert max(others) < min(theirs), (max(others) - replied, min(theirs) - replied)
    assert min(theirs) - replied >= 2.9


async def test_a_pause_is_not_held_up_by_a_resident_talking_between_two_parts(
    db: Database,
) -> None:
    """A text in two parts whose resident taps after the first: the second goes a second
    after the reply, not when they stop talking, and staff's pause takes effect at once."""
    await residents(db, 3)
    bid = await _broadcast(db)
    pacer = Pacer(30)
    network = _Network()
    sending = network.send

    async def talk(chat_id: str) -> None:
        for _ in range(3):  # tapping for two and a half seconds
            async with pacer.replying(chat_id):
                pass
            await asyncio.sleep(1.2)

    talking: list[asyncio.Task[None]] = []

    async def send(chat_id: str, message: OutMessage) -> None:
        await sending(chat_id, message)
        if chat_id == "1" and message.text == "Part one":
            talking.append(asyncio.create_task(talk("1")))
            await db.write(broadcasts.set_status, bid, "paused", NOW.isoformat())

    class TwoParts:
        async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
            return [OutMessage("Part one"), OutMessage("Part two")]

    network.send = send  # type: ignore[method-assign]
    sender = BroadcastSender(db, TwoParts(), {"telegram": network}, pacer, clock=lambda: NOW)
    started = time.monotonic()
    async with asyncio.timeout(30):
        paused = await sender.run(bid)
    took = time.monotonic() - started
    for task in talking:
        task.cancel()
    await asyncio.gather(*talking, return_exceptions=True)
    assert paused is not None and paused.status == "paused"
    assert took < 4, took  # not until they pause (5.4 s here, a minute at most)
    assert [chat for _, chat in network.sent].count("1") == 2  # both parts, once begun


async def test_retry_after_pauses_everything_then_carries_on(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 10)
    outbound.script["3"] = [RateLimited(12)]
    bid = await _broadcast(db)
    progress = await _sender(db, outbound, clock).run(bid)
    assert progress is not None and progress.sent == 10 and progress.failed == 0
    after = [t for t, chat, _ in outbound.sent if chat not in ("1", "2")]
    assert min(after) >= 12  # nothing at all was sent during the wait


async def test_blocked_residents_are_marked_unreachable_and_left_out_next_time(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    ids = await residents(db, 3)
    outbound.script["2"] = [Unreachable("2")]
    bid = await _broadcast(db)
    progress = await _sender(db, outbound, clock).run(bid)
    assert progress is not None and (progress.sent, progress.unreachable) == (2, 1)
    blocked = await db.read(participants.get, ids[1])
    assert blocked is not None and blocked.unreachable_at is not None
    assert (await db.read(broadcasts.reach, Audience("everyone"))).locales == {"en": 2}


async def test_other_errors_are_retried_a_few_times_then_failed(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 2)
    outbound.script["1"] = [SendFailed("500"), SendFailed("500")]  # then works
    outbound.script["2"] = [SendFailed("500")] * 3  # never works
    bid = await _broadcast(db)
    progress = await _sender(db, outbound, clock, max_attempts=3).run(bid)
    assert progress is not None and (progress.sent, progress.failed) == (1, 1)
    assert [chat for _, chat, _ in outbound.sent] == ["1"]


async def test_stopped_after_queueing_means_not_sent(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    ids = await residents(db, 2)
    bid = await _broadcast(db)
    # /stop after the broadcast was queued
    await db.write(participants.update, ids[0], {"opted_out_at": NOW.isoformat()})
    await _sender(db, outbound, clock).run(bid)
    assert [chat for _, chat, _ in outbound.sent] == ["2"]


async def test_pause_stops_after_the_batch_and_resume_sends_the_rest_once(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 50)
    bid = await _broadcast(db)

    async def pause_after_first(broadcast: Broadcast, progress: object) -> None:
        await db.write(broadcasts.set_status, bid, "paused", NOW.isoformat())

    sender = _sender(
        db, outbound, clock, batch_size=10, on_progress=pause_after_first, progress_every=0
    )
    paused = await sender.run(bid)
    assert paused is not None and paused.status == "paused" and 0 < paused.sent <= 10
    await db.write(broadcasts.set_status, bid, "sending", NOW.isoformat())
    done = await _sender(db, outbound, clock, batch_size=10).run(bid)
    assert done is not None and done.sent == 50
    assert len(outbound.sent) == 50 and len({c for _, c, _ in outbound.sent}) == 50


async def test_rows_left_sending_by_a_crash_are_reported_not_resent(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 5)
    bid = await _broadcast(db)
    # A sender took two recipients and their requests went out; then the process died.
    claimed = await db.write(broadcasts.claim, bid, 2, NOW.isoformat(), ["telegram"])
    pids = [r.participant_id for r in claimed]
    await db.write(broadcasts.attempting, bid, pids, NOW.isoformat())
    progress = await _sender(db, outbound, clock).run(bid)
    assert progress is not None and (progress.sent, progress.sending) == (3, 2)
    assert {c for _, c, _ in outbound.sent}.isdisjoint({r.chat_id for r in claimed})


async def test_recipients_claimed_but_never_tried_are_sent_after_a_crash(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 5)
    bid = await _broadcast(db)
    # A sender took three recipients, then died before trying any of them.
    await db.write(broadcasts.claim, bid, 3, NOW.isoformat(), ["telegram"])
    progress = await _sender(db, outbound, clock).run(bid)
    assert progress is not None and (progress.sent, progress.sending) == (5, 0)
    assert sorted(c for _, c, _ in outbound.sent) == ["1", "2", "3", "4", "5"]


async def test_languages_and_english_fallback(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 2, "cy")
    await residents(db, 3, "pl", start=10)
    await residents(db, 1, "en", start=20)
    per_locale = (await db.read(broadcasts.reach, Audience("everyone"))).locales
    assert per_locale == {"pl": 3, "cy": 2, "en": 1}
    content = {"texts": {"en": "Hello", "cy": "Helo"}}
    assert untranslated(content, per_locale) == ["pl"]  # the Polish speakers get English
    assert untranslated({"template": "thank-you"}, per_locale) == []
    bid = await _broadcast(db, content["texts"])
    await _sender(db, outbound, clock).run(bid)
    by_chat = {chat: m.text for _, chat, m in outbound.sent}
    assert by_chat["1"] == "Helo" and by_chat["10"] == "Hello" and by_chat["20"] == "Hello"


async def test_spreading_over_hours_slows_the_rate(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 10)
    bid = await db.write(
        broadcasts.create,
        "staff",
        Audience("everyone"),
        {"texts": {"en": "Hi"}},
        NOW.isoformat(),
        spread_hours=1,
    )
    assert bid is not None
    await db.write(broadcasts.start, bid, NOW.isoformat())
    await _sender(db, outbound, clock).run(bid)
    assert outbound.sent[-1][0] >= 9 * 360 * 0.99  # ten messages over about an hour


async def test_the_composer_is_used_for_templates(db: Database) -> None:
    from bot.i18n.catalogs import Catalogs

    composer = BroadcastComposer(db, Catalogs())
    b = Broadcast(
        1,
        "staff",
        Audience("everyone"),
        {"template": "thank-you"},
        "sending",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        NOW.isoformat(),
        None,
    )
    [message] = await composer.compose(b, Recipient(1, "telegram", "1", "en", False))
    assert message.text.startswith("Thank you for taking part.")


class _ChartComposer:
    """Welsh recipients' messages wait for a chart until `drawn` is set; English ones have
    theirs."""

    async def prepare(self, broadcast: Broadcast, channels: Sequence[str]) -> None:
        pass

    def __init__(self) -> None:
        self.drawn = asyncio.Event()

    async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
        if recipient.locale == "cy":
            await drawing_wait.drawn(self.drawn.wait())
        return [OutMessage(f"results ({recipient.locale})")]


async def _stopped(task: asyncio.Future[object]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_recipients_waiting_for_their_chart_leave_room_for_others(db: Database) -> None:
    """At the start of a results broadcast most recipients wait for a chart not drawn yet;
    counted among those claimed ahead, they held up those whose chart was there (341
    messages in the first second at 1000/s)."""
    await residents(db, 150, locale="cy")
    await residents(db, 60, locale="en", start=151)
    bid = await _broadcast(db)
    network = _Network()
    composer = _ChartComposer()
    sender = BroadcastSender(
        db, composer, {"telegram": network}, Pacer(100), clock=lambda: NOW, batch_size=10
    )
    assert sender.ahead == 100  # fewer than the Welsh, claimed first
    running = asyncio.ensure_future(sender.run(bid))
    try:
        for _ in range(200):
            if len(network.sent) == 60:
                break
            await asyncio.sleep(0.01)
        # Every English recipient has had theirs while the Welsh chart is still being drawn.
        assert sorted(int(chat) for _, chat in network.sent) == list(range(151, 211))
        composer.drawn.set()
        progress = await asyncio.wait_for(running, 10)
    finally:
        await _stopped(running)
    assert progress is not None and progress.sent == 210
    assert len({chat for _, chat in network.sent}) == 210


async def test_no_more_are_claimed_than_the_bound_while_charts_are_drawn(db: Database) -> None:
    await residents(db, 310, locale="cy")
    bid = await _broadcast(db)
    composer = _ChartComposer()
    sender = BroadcastSender(
        db, composer, {"telegram": _Network()}, Pacer(100), clock=lambda: NOW, batch_size=10
    )
    running = asyncio.ensure_future(sender.run(bid))
    try:
        await asyncio.sleep(0.5)
        claimed = (await db.read(broadcasts.counts, bid)).get("claimed", 0)
        # The hundred claimed ahead, and twice as many waiting for the chart.
        assert claimed == sender.ahead * (1 + DRAWING_AHEAD) == 300
        composer.drawn.set()
        progress = await asyncio.wait_for(running, 20)
    finally:
        await _stopped(running)
    assert progress is not None and progress.sent == 310


class _ConnectingNetwork(RecordingOutbound):
    """Opens a connection for each message and keeps it open, as the Bot API transport's
    pool does: its read callback keeps a copy of the context the delivery ran in."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(clock)
        self.connections: list[contextvars.Context] = []

    async def send(self, chat_id: str, message: OutMessage) -> None:
        self.connections.append(contextvars.copy_context())
        await super().send(chat_id, message)


async def test_a_finished_run_and_its_recipients_are_not_kept_in_memory(
    db: Database, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connections a broadcast opened stay open after it (idle, for the next requests); the
    run they were opened for, with every recipient it tried (58,000 ids and their set after
    a results broadcast: 4 MB), must not stay with them."""
    runs: list[weakref.ref[sender_module._Run]] = []
    starting = sender_module._Run.__init__

    def started(run: sender_module._Run, *args: Any) -> None:
        starting(run, *args)
        runs.append(weakref.ref(run))

    monkeypatch.setattr(sender_module._Run, "__init__", started)
    await residents(db, 40)
    bid = await _broadcast(db)
    network = _ConnectingNetwork(clock)
    progress = await _sender(db, network, clock).run(bid)
    assert progress is not None and progress.sent == 40
    assert len(network.connections) == 40 and len(runs) == 1
    gc.collect()
    assert runs[0]() is None


async def test_a_run_holds_only_the_recipients_under_way(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every recipient a run had tried stayed in its memory until the broadcast ended: at
    1000/s to 100,000 people, 100,000 ids and their set, a few megabytes that the allocator
    kept after the broadcast had ended."""
    runs: list[sender_module._Run] = []
    starting = sender_module._Run.__init__

    def started(run: sender_module._Run, *args: Any) -> None:
        starting(run, *args)
        runs.append(run)

    monkeypatch.setattr(sender_module._Run, "__init__", started)
    await residents(db, 400)
    bid = await _broadcast(db)
    network = _Network()
    sending = network.send
    most = 0

    async def send(chat_id: str, message: OutMessage) -> None:
        nonlocal most
        most = max(most, len(runs[0].attempted) + len(runs[0].untried))
        await sending(chat_id, message)

    network.send = send  # type: ignore[method-assign]
    sender = BroadcastSender(
        db, TextComposer(), {"telegram": network}, Pacer(200), clock=lambda: NOW
    )
    progress = await sender.run(bid)
    assert progress is not None and progress.sent == 400
    assert await db.read(broadcasts.counts, bid) == {"sent": 400}
    assert most <= sender.ahead, most  # half a second at 200/s; all 400 before
