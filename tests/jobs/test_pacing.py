"""Pacing: the overall rate, one message a second per chat, RetryAfter, quiet hours."""

from __future__ import annotations

import asyncio
import bisect
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.jobs.pacing import Pacer, QuietHours
from tests.jobs.conftest import SimClock, VirtualClock


def _pacer(clock: VirtualClock, rate: float, quiet: QuietHours | None = None) -> Pacer:
    return Pacer(rate, quiet=quiet, monotonic=clock.monotonic, wall=clock.wall, sleep=clock.sleep)


async def test_overall_rate_is_never_exceeded(clock: VirtualClock) -> None:
    pacer = _pacer(clock, 30)
    times = []
    for n in range(300):
        await pacer.turn(str(n))
        times.append(clock.now)
    per_second = Counter(int(t) for t in times)
    assert max(per_second.values()) <= 30
    assert times[-1] == pytest.approx(299 / 30, rel=1e-3)  # and no slower than the rate


async def test_one_message_a_second_per_chat(clock: VirtualClock) -> None:
    pacer = _pacer(clock, 1000)
    times = []
    for _ in range(3):
        await pacer.turn("same-chat")
        times.append(clock.now)
    assert [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)] == [1.0, 1.0]


async def test_a_bot_just_started_waits_a_second_before_writing_to_any_chat(
    clock: VirtualClock,
) -> None:
    # Killed a moment ago mid-conversation, it cannot know when it last wrote to a chat.
    start = clock.now
    pacer = Pacer(
        1000, monotonic=clock.monotonic, wall=clock.wall, sleep=clock.sleep, just_started=True
    )
    async with pacer.replying("resident"):
        first_reply = clock.now
    await pacer.turn("someone")
    assert round(first_reply - start, 3) == 1.0
    assert round(clock.now - start, 3) == 1.0  # each chat waits the same one second, no more
    await clock.sleep(5)
    later = clock.now
    async with pacer.replying("newcomer"):
        assert clock.now == later  # long after the start: no wait


async def test_a_bot_just_started_begins_its_broadcast_after_that_second_on_schedule(
    clock: VirtualClock,
) -> None:
    # Not all at once at the end of the second: a burst would claim every request slot at
    # the same moment (and a crash then would leave them all in doubt).
    start = clock.now
    pacer = Pacer(10, monotonic=clock.monotonic, sleep=clock.sleep, just_started=True)
    times: list[float] = []

    async def one(n: int) -> None:
        await pacer.turn(str(n))
        times.append(round(clock.now - start, 3))

    await asyncio.gather(*(one(n) for n in range(5)))
    assert sorted(times) == [1.0, 1.1, 1.2, 1.3, 1.4]


async def test_concurrent_turns_share_one_rate() -> None:
    # Real time: many tasks waiting at once must still go out at the overall rate.
    pacer = Pacer(100)
    times: list[float] = []

    async def one(n: int) -> None:
        await pacer.turn(str(n))
        times.append(time.monotonic())

    await asyncio.gather(*(one(n) for n in range(150)))
    times.sort()
    # Any 101 consecutive sends span at least a second: never more than 100 in a second.
    windows = [b - a for a, b in zip(times, times[100:], strict=False)]
    assert len(windows) == 50 and min(windows) >= 0.99


async def test_retry_after_pauses_every_turn(clock: VirtualClock) -> None:
    pacer = _pacer(clock, 30)
    await pacer.turn("a")
    pacer.pause(7)
    await pacer.turn("b")
    assert clock.now >= 7


def test_quiet_hours_cross_midnight_in_the_local_zone() -> None:
    quiet = QuietHours.parse("21:00-08:00", "Europe/London")
    assert quiet is not None
    winter_evening = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # 22:30 in London
    assert quiet.resume_at(winter_evening) == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    summer_morning = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # 07:30 BST
    assert quiet.resume_at(summer_morning) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert quiet.resume_at(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) is None


def test_quiet_hours_are_checked() -> None:
    assert QuietHours.parse("", "Europe/London") is None
    with pytest.raises(ValueError, match="21:00-08:00"):
        QuietHours.parse("9pm till 8", "Europe/London")


async def test_sending_holds_during_quiet_hours_until_morning() -> None:
    clock = VirtualClock(start=datetime(2026, 12, 1, 20, 59, 58, tzinfo=UTC))
    pacer = _pacer(clock, 30, QuietHours.parse("21:00-08:00", "Europe/London"))
    await pacer.turn("a")  # 20:59:58: still allowed
    assert clock.now == 0
    clock.now = 5  # now 21:00:03
    await pacer.turn("b")
    assert clock.wall() >= datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _sim_pacer(clock: SimClock, rate: float) -> Pacer:
    return Pacer(rate, monotonic=clock.monotonic, sleep=clock.sleep)


def _busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if start <= t < start + 1.0) for start in times), default=0)


async def test_a_text_in_two_messages_keeps_the_rate() -> None:
    """A recipient waiting its second in their own chat does not hold up the others."""
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    sent: list[float] = []

    async def recipient(chat: str) -> None:
        for _ in range(2):  # a text too long for one message
            async with pacer.sending(chat) as ready:
                await ready()
                sent.append(clock.now)

    async def everyone() -> None:
        await asyncio.gather(*(recipient(str(n)) for n in range(150)))

    await clock.run(everyone())
    assert len(sent) == 300
    assert _busiest_second(sent) <= 30
    assert 300 / max(sent) >= 0.8 * 30  # at least 0.8 of the rate


async def test_replies_go_first_and_share_the_rate_with_broadcasts() -> None:
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    broadcast: list[float] = []
    replies: list[tuple[float, float]] = []  # (asked, sent)

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await ready()
            broadcast.append(clock.now)

    async def resident(n: int) -> None:
        await clock.sleep(0.1 * n)  # a reply every tenth of a second
        asked = clock.now
        async with pacer.replying():
            replies.append((asked, clock.now))

    async def everything() -> None:
        await asyncio.gather(
            *(recipient(str(n)) for n in range(300)), *(resident(n) for n in range(50))
        )

    await clock.run(everything())
    assert len(broadcast) == 300 and len(replies) == 50
    assert _busiest_second(broadcast + [sent for _, sent in replies]) <= 30
    waits = sorted(sent - asked for asked, sent in replies)
    assert waits[int(0.8 * len(waits))] < 1e-3  # most never wait
    # and none for longer than until the next place in the window comes free (here the
    # replies fall into step with the window: one wait a second, of a tenth of a second)
    assert waits[-1] <= 0.1 + 1e-3


async def test_broadcasts_take_every_place_replies_leave() -> None:
    # Residents reply 5 times a second at 30 a second overall: broadcasts get about 24 a
    # second, not 19 as when the replies already sent were reserved for a second time.
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    broadcast: list[float] = []
    replies: list[float] = []
    waits: list[float] = []

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await ready()
            broadcast.append(clock.now)

    async def residents() -> None:
        for n in range(100):  # 20 s of replies, 5 a second
            await clock.sleep(max(0.0, 0.2 * n - clock.now))
            asked = clock.now
            async with pacer.replying(f"resident-{n % 5}"):
                waits.append(clock.now - asked)
                replies.append(clock.now)

    async def everything() -> None:
        await asyncio.gather(*(recipient(str(n)) for n in range(700)), residents())

    await clock.run(everything())
    during = [t for t in broadcast if t < 20.0]
    # (24.0: broadcast messages keep 1/rate apart, and a place a reply left comes free
    # out of step with them)
    assert len(during) / 20.0 >= 0.96 * (30 - 5), len(during) / 20.0
    assert _busiest_second(broadcast + replies) <= 30
    assert max(waits) < 0.1


async def test_a_chats_next_message_waits_a_second_after_the_last_ones_answer() -> None:
    # A broadcast message whose turn came at 0 waited for a request slot and went out late,
    # answered at 0.5: a reply to that resident meanwhile goes at 1.5, not at 1.0, when the
    # broadcast message may have been arriving at Telegram only half a second before.
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    sent: dict[str, float] = {}

    async def broadcast() -> None:
        async with pacer.sending("resident") as ready:
            await ready()
            await clock.sleep(0.5)  # waiting for a request slot, then Telegram's answer
            sent["broadcast answered"] = clock.now

    async def reply() -> None:
        await clock.sleep(0.2)
        async with pacer.replying("resident"):
            sent["reply"] = clock.now

    async def both() -> None:
        await asyncio.gather(broadcast(), reply())

    await clock.run(both())
    assert sent["broadcast answered"] == pytest.approx(0.5)
    assert sent["reply"] == pytest.approx(1.5, abs=1e-3)


async def test_a_message_cancelled_before_it_went_does_not_hold_up_its_chat() -> None:
    # A broadcast stopped while its message waited for room in the window: the resident's
    # next reply is not kept waiting for a message that will never be answered.
    clock = SimClock()
    pacer = _sim_pacer(clock, 1)
    sent: list[float] = []

    async def fill() -> None:
        async with pacer.sending("someone else") as ready:
            await ready()
            await clock.sleep(0.5)  # answered at 0.5: the window has room again at 1.5

    async def stopped() -> None:
        async with pacer.sending("resident"):  # waits a second for room in the window
            raise AssertionError("never sent")

    async def everything() -> asyncio.Task[None]:
        await fill()
        task = asyncio.ensure_future(stopped())  # its turn at 1.0, room at 1.5
        await clock.sleep(0.7)  # 1.2: stopped while waiting for room
        task.cancel()
        async with pacer.replying("resident"):
            sent.append(clock.now)
        await asyncio.gather(task, return_exceptions=True)
        return task

    task = await asyncio.wait_for(clock.run(everything()), 10)  # not forever
    assert task.cancelled()
    # As soon as the window has room: the cancelled message never went, and a broadcast
    # turn is not something a reply waits for.
    assert sent == [pytest.approx(1.5, abs=1e-3)], sent


async def test_broadcast_messages_waiting_for_room_wait_in_turn_not_all_woken_together() -> None:
    # With the window full, a message's answer frees one place: only the next message in
    # line should look. Woken all together, 1,000 messages each looked and slept again for
    # every place freed (a seventh of the bot's CPU at 1,000 messages a second).
    clock = SimClock()
    pacer = _sim_pacer(clock, 100)
    sent: list[float] = []

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await ready()
            await clock.sleep(0.05)  # Telegram's answer takes 50 ms
            sent.append(clock.now)

    async def everyone() -> None:
        await asyncio.gather(*(recipient(str(n)) for n in range(1000)))

    await clock.run(everyone())
    assert len(sent) == 1000
    assert _busiest_second(sent) <= 100
    sleeps_per_message = clock.sleeps / len(sent)
    assert sleeps_per_message < 4, sleeps_per_message


async def _arrivals_at_50_ms(
    report_trips: bool, prep: float = 0.0, ready: bool = True
) -> list[float]:
    """600 broadcast messages at 30 a second; each has `prep` seconds of work between its
    place and its request (a slot, its ledger mark), reaches Telegram 50 ms after it leaves
    (where the double counts it) and is answered at once."""
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    if not ready:
        pacer._hold_ahead = 0.0  # nothing held for replies either: it could leave early
    arrivals: list[float] = []

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as go:
            if prep:
                await clock.sleep(prep)
            if ready:
                await go()
            left = clock.now
            await clock.sleep(0.05)
            arrivals.append(clock.now)
            if report_trips:
                pacer.trip(clock.now - left)

    async def everyone() -> None:
        await asyncio.gather(*(recipient(str(n)) for n in range(600)))

    await clock.run(everyone())
    return arrivals


async def test_a_message_counts_until_a_second_after_it_can_have_arrived() -> None:
    # Counted until a second after its answer, 30 messages took 1.05 s at 50 ms a trip (at
    # most 0.952 of the rate); less half the shortest trip, 1.025 s; never 31 arrivals in a
    # second either way.
    told = await _arrivals_at_50_ms(report_trips=True)
    untold = await _arrivals_at_50_ms(report_trips=False)
    for arrivals in (told, untold):
        assert _busiest_second(arrivals) <= 30
    rate = (len(told) - 1) / (max(told) - min(told))
    assert rate >= 0.97 * 30, rate
    strict = (len(untold) - 1) / (max(untold) - min(untold))
    assert strict <= 30 / 1.05 + 0.1, strict  # no trip known: nothing taken off


async def test_a_busy_spell_at_telegram_does_not_count_messages_gone_too_early() -> None:
    # Telegram busy for half a minute: every message waits 0.3 s in a queue on its way in,
    # before it is counted, then it is quick again. Half of a busy spell's shortest trip is
    # far more than a quick message's way in (50 ms): taken for the way back after the spell,
    # 35 to 48 429s at 1000/s. The shortest trip of the last minutes keeps it at 25 ms.
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    arrivals: list[float] = []
    sent = 0

    async def recipient(chat: str) -> None:
        nonlocal sent
        async with pacer.sending(chat) as go:
            await go()
            left = clock.now
            busy = 60 <= sent < 1100
            sent += 1
            await clock.sleep(0.35 if busy else 0.05)  # then Telegram counts it
            arrivals.append(clock.now)
            pacer.trip(clock.now - left)

    async def everyone() -> None:
        await asyncio.gather(*(recipient(str(n)) for n in range(1400)))

    await clock.run(everyone())
    assert len(arrivals) == 1400
    assert _busiest_second(arrivals) <= 30


async def _slow_start(
    rate: float, count: int, delay: Callable[[float, bool], float]
) -> tuple[list[float], float]:
    """`count` broadcast messages at `rate`, each counted by Telegram (and answered at once)
    `delay(when it left, whether any answer had come back then)` seconds after it leaves;
    when each was counted, and the rate reached."""
    clock = SimClock()
    pacer = _sim_pacer(clock, rate)
    arrivals: list[float] = []
    answered = False

    async def recipient(chat: str) -> None:
        nonlocal answered
        async with pacer.sending(chat) as go:
            await go()
            left = clock.now
            await clock.sleep(delay(left, answered))
            arrivals.append(clock.now)
            answered = True
            pacer.trip(clock.now - left)

    async def everyone() -> None:
        await asyncio.gather(*(recipient(str(n)) for n in range(count)))

    await clock.run(everyone())
    assert len(arrivals) == count
    return arrivals, (count - 1) / (max(arrivals) - min(arrivals))


async def test_a_bots_first_requests_do_not_count_messages_gone_too_early() -> None:
    # Just started (after a crash, say), a bot's first requests leave before any answer has
    # come back, on new connections, to a Telegram slow to take the burst: in the fault suite
    # (the double's process busy) they were counted 0.15 s after they left, not 0.05 s, and
    # theirs were the only trips known. Half of one taken for the way back, their places came
    # free 0.1 s early, and a second later 11 to 35 messages met a 429.
    arrivals, rate = await _slow_start(100, 400, lambda left, answered: 0.05 if answered else 0.2)
    assert _busiest_second(arrivals) <= 100
    # Once trips of requests that left after an answer are known, half the shortest is
    # taken off again: 100 messages a second, not 100 every 1.05 s.
    assert rate >= 0.97 * 100, rate


async def test_a_first_burst_bigger_than_the_trips_trusted_is_not_taken_for_travel() -> None:
    # At 1,000 a second, 200 leave before the first answer, and Telegram works through them
    # at half speed (the last counted at 0.6 s); those that leave meanwhile wait behind them.
    # Every answer until then is a slow trip: counted among the trips to go by, half of one
    # was taken for the way back.
    def draining(left: float, answered: bool) -> float:
        return max(0.05, 0.6 - left) if answered else 0.2 + left

    arrivals, _ = await _slow_start(1000, 2500, draining)
    assert _busiest_second(arrivals) <= 1000


async def test_a_few_slow_trips_after_a_quick_first_answer_are_not_enough_to_go_by() -> None:
    # The first answer quick, the next requests slow for a moment: one trip is not enough to
    # know the way back by (half of a slow one is too long).
    arrivals, _ = await _slow_start(
        100, 400, lambda left, answered: 0.2 if answered and left < 0.3 else 0.05
    )
    assert _busiest_second(arrivals) <= 100


async def test_a_message_takes_its_place_ahead_by_the_work_before_its_request() -> None:
    # 25 ms between a place and its request (at 1,000 a second the ledger's mark) made every
    # place's second 1.05 s long at 50 ms a trip: 0.95 of the rate at best. Taken that much
    # ahead and held until the place is free, the work is hidden; never 31 in a second.
    ahead = await _arrivals_at_50_ms(report_trips=True, prep=0.025)
    assert _busiest_second(ahead) <= 30
    rate = (len(ahead) - 1) / (max(ahead) - min(ahead))
    assert rate >= 0.97 * 30, rate
    # Not waiting for `ready` is the old way (nothing taken ahead then): the work shows.
    late = await _arrivals_at_50_ms(report_trips=True, prep=0.025, ready=False)
    assert _busiest_second(late) <= 30
    slow = (len(late) - 1) / (max(late) - min(late))
    assert slow < 0.955 * 30, slow


async def test_replies_never_overfill_the_window_with_broadcasts_taken_ahead() -> None:
    # Residents reply 5 times a second while broadcast messages, with 30 ms of work before
    # their requests, take places ahead: never 31 arrivals in a second, replies wait little,
    # broadcasts get more of the places replies leave than without taking ahead (22.9/s).
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    arrivals: list[float] = []
    broadcast: list[float] = []
    waits: list[float] = []

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as go:
            await clock.sleep(0.03)
            await go()
            await clock.sleep(0.05)  # where the double counts it
            broadcast.append(clock.now)
            pacer.trip(0.05)

    async def residents() -> None:
        for n in range(100):  # 20 s of replies, 5 a second, each to someone new
            await clock.sleep(max(0.0, 0.2 * n + 0.013 - clock.now))
            asked = clock.now
            async with pacer.replying(f"resident-{n}"):
                waits.append(clock.now - asked)
                await clock.sleep(0.05)
                arrivals.append(clock.now)
                pacer.trip(0.05)

    async def everything() -> None:
        await asyncio.gather(*(recipient(str(n)) for n in range(700)), residents())

    await clock.run(everything())
    assert _busiest_second(broadcast + arrivals) <= 30
    during = [t for t in broadcast if t < 20.0]
    assert len(during) / 20.0 >= 0.93 * (30 - 5), len(during) / 20.0
    # at most REPLY_WAIT after the place taken ahead (by its 30 ms of work) leaves
    assert max(waits) <= 0.04 + 0.03 + 1e-3


async def _residents_tapping(seed: int, take_held: bool = True) -> dict[str, float]:
    """A broadcast at 30 a second, answered in 50 ms, while five residents tap every 1 to
    1.5 s (seeded) for 20 s: the longest wait for a reply's place, the busiest second, the
    broadcast messages sent, and all messages sent in the 20 s / the rate."""
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    if not take_held:
        pacer._first_held = lambda: None  # type: ignore[method-assign]
    broadcast: list[float] = []
    replies: list[float] = []
    waits: list[float] = []

    async def answered(sent: list[float]) -> None:
        left = clock.now
        await clock.sleep(0.05)
        sent.append(clock.now)
        pacer.trip(clock.now - left)

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await ready()
            await answered(broadcast)

    async def resident(n: int) -> None:
        rng = random.Random(f"{seed}-{n}")
        await clock.sleep(rng.uniform(1.0, 1.5))
        while clock.now < 20.0:
            asked = clock.now
            async with pacer.replying(f"resident-{n}"):
                waits.append(clock.now - asked)
                await answered(replies)
            await clock.sleep(rng.uniform(1.0, 1.5))

    await clock.run(
        asyncio.gather(*(recipient(str(n)) for n in range(700)), *(resident(n) for n in range(5)))
    )
    in_20_s = sum(1 for t in broadcast + replies if t < 20.0)
    return {
        "longest wait": max(waits),
        "busiest second": _busiest_second(broadcast + replies),
        "broadcast": len(broadcast),
        "rate": in_20_s / 20.0 / 30,
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_reply_with_no_room_takes_a_place_a_broadcast_message_holds(seed: int) -> None:
    # Two or three replies close together: the first took the place kept free for it, and
    # the next waited for places coming free (up to 150 ms at 30 a second; in the real bot,
    # replies p99 97 ms without the double's time). Broadcast messages now take their places
    # 40 ms ahead, and a reply takes one of those; that message waits for room again.
    held = await _residents_tapping(seed)
    assert held["longest wait"] < 0.06, held
    assert held["busiest second"] <= 30 and held["broadcast"] == 700
    assert held["rate"] >= 0.96, held  # held ahead, places are not left empty meanwhile
    # Held but not taken by replies, the waits are as long as before.
    kept = await _residents_tapping(seed, take_held=False)
    assert kept["longest wait"] > 0.09, kept


async def test_a_reply_given_up_while_waiting_for_a_held_place_gives_it_back() -> None:
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    sent: list[float] = []
    cancelled: list[float] = []

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await ready()
            sent.append(clock.now)
            await clock.sleep(0.05)

    async def impatient() -> None:
        await clock.sleep(1.5)  # the window full, the next place held 40 ms ahead
        replying = asyncio.ensure_future(pacer.replying("resident").__aenter__())
        await clock.sleep(0.001)
        assert not replying.done()  # waiting for the place it took to come free
        replying.cancel()
        cancelled.append(clock.now)

    # Left taken, the place was never answered and everything waited for it for ever.
    async with asyncio.timeout(10):
        await clock.run(asyncio.gather(*(recipient(str(n)) for n in range(120)), impatient()))
    assert cancelled and len(sent) == 120  # every broadcast message went
    assert _busiest_second(sent) <= 30
    assert all(place.done() for place in pacer._recent)  # no place left taken for ever
    assert max(sent) < 120 / 30 + 1.0  # and the window was not held up


async def _replies_to_chats_about_to_get_theirs(seed: int, give_up: float) -> list[float]:
    """A broadcast at 30 a second to 600 chats, each with up to 30 ms of work before its
    request, while eight residents reply every 0.2-0.5 s to chats whose broadcast message is
    about to go; `give_up` of the replies are cancelled within 30 ms. When each message left."""
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    work = random.Random(seed)
    left: list[float] = []
    last: dict[str, float] = {}
    too_soon: list[str] = []

    async def answered(chat: str) -> None:
        if clock.now - last.get(chat, -9.0) < 1.0:
            too_soon.append(chat)
        last[chat] = clock.now
        left.append(clock.now)
        sent = clock.now
        await clock.sleep(0.05)
        pacer.trip(clock.now - sent)

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await clock.sleep(work.uniform(0, 0.03))
            await ready()
            await answered(chat)

    async def resident(n: int) -> None:
        rng = random.Random(f"{seed}-{n}")
        await clock.sleep(rng.uniform(1.0, 1.5))
        while clock.now < 20.0:
            chat = str(int(clock.now * 30) + rng.randint(0, 4))
            began: list[bool] = []

            async def reply(chat: str = chat, began: list[bool] = began) -> None:
                async with pacer.replying(chat):
                    began.append(True)
                    await answered(chat)

            task = asyncio.ensure_future(reply())
            if rng.random() < give_up:
                await clock.sleep(rng.uniform(0, 0.03))
                if not began:
                    task.cancel()
            await clock.sleep(rng.uniform(0.2, 0.5))

    await clock.run(
        asyncio.gather(*(recipient(str(n)) for n in range(600)), *(resident(n) for n in range(8)))
    )
    assert not too_soon  # one a second in every chat
    return left


@pytest.mark.parametrize(("seed", "give_up"), [(1, 0.0), (2, 0.0), (3, 0.3), (4, 0.3)])
async def test_a_place_taken_ahead_and_given_back_still_counts_until_it_was_due(
    seed: int, give_up: float
) -> None:
    # A message that takes a place ahead takes it from one Telegram counts until then. Given
    # back early (a reply to its chat went first, or a reply that took it was cancelled), the
    # place came free at once, and 31 messages left in a second in 9 of 10 such runs.
    left = await _replies_to_chats_about_to_get_theirs(seed, give_up)
    assert _busiest_second(left) <= 30


async def test_a_reply_on_a_held_place_waits_while_telegram_says_to_wait() -> None:
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    replied: list[float] = []

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await ready()
            await clock.sleep(0.05)
            pacer.trip(0.05)

    async def told_to_wait() -> None:
        await clock.sleep(1.501)  # while the reply waits for the place it took to come free
        pacer.pause(2.0)

    async def resident() -> None:
        await clock.sleep(1.5)  # the window full, a place held ahead
        async with pacer.replying("resident"):
            replied.append(clock.now)

    await clock.run(
        asyncio.gather(*(recipient(str(n)) for n in range(120)), told_to_wait(), resident())
    )
    assert replied[0] >= 1.501 + 2.0


@pytest.mark.parametrize("rate", [30, 1000])
async def test_places_held_ahead_are_let_go_with_nobody_replying(rate: int) -> None:
    # Looked at only by replies, they stayed with nobody talking to the bot: every message of
    # a broadcast to 97,000 (40 MB a broadcast, never given back).
    clock = SimClock()
    pacer = _sim_pacer(clock, rate)

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await clock.sleep(0.03)  # its work before the request: taken ahead by as long
            await ready()
            await clock.sleep(0.05)
            pacer.trip(0.05)

    await clock.run(asyncio.gather(*(recipient(str(n)) for n in range(3 * rate))))
    assert len(pacer._held) <= 1


async def _after_a_clump(spacing: bool) -> tuple[list[float], list[float]]:
    """Ten replies at once at 0, a broadcast at 30 a second, and a reply every 0.1 s from 1.0
    to 3.0: (when each broadcast message left, how long each later reply waited)."""
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    if not spacing:
        pacer._spacing = 0.0
    left: list[float] = []
    waits: list[float] = []

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await ready()
            left.append(clock.now)

    async def reply(chat: str, at: float) -> None:
        await clock.sleep(at)
        asked = clock.now
        async with pacer.replying(chat):
            if at > 0:
                waits.append(clock.now - asked)

    async def everything() -> None:
        await asyncio.gather(
            *(reply(f"first-{n}", 0.0) for n in range(10)),
            *(reply(f"later-{n}", 1.0 + 0.1 * n) for n in range(21)),
            *(recipient(str(n)) for n in range(150)),
        )

    await clock.run(everything())
    return left, waits


async def test_broadcast_messages_keep_apart_so_places_do_not_come_free_in_bunches() -> None:
    # Ten replies at once leave ten places that come free together a second later. Taken
    # together by the broadcast, they came free together again every second, and a reply
    # arriving between two bunches had no place for a fifth of a second at 30 a second.
    left, waits = await _after_a_clump(spacing=True)
    later = [t for t in left if t > 1.0]
    gaps = [b - a for a, b in itertools.pairwise(later)]
    assert min(gaps) >= 1 / 30 - 1e-3, min(gaps)
    # At most a place's spacing and a little: 60 ms for two of 21 replies here (ten a
    # second, a third of the rate), each the third reply in 0.3 s when the place kept for
    # them had been taken by the one before.
    assert max(waits) < 0.065, max(waits)
    _, bunched_waits = await _after_a_clump(spacing=False)
    assert max(bunched_waits) > 0.1, max(bunched_waits)


async def _reply_among_a_broadcast(
    rate: float, others: int, after: int = 0, reply_at: float = 0.5
) -> dict[str, float]:
    """A broadcast to `others` chats, then "resident", whose own reply asks for its turn at
    `reply_at`, then `after` more chats: when each message left ("reply" for the reply)."""
    clock = SimClock()
    pacer = _sim_pacer(clock, rate)
    sent: dict[str, float] = {}

    async def recipient(chat: str) -> None:
        async with pacer.sending(chat) as ready:
            await ready()
            sent[chat] = clock.now
            await clock.sleep(0.05)

    async def resident() -> None:
        await clock.sleep(reply_at)
        async with pacer.replying("resident"):
            sent["reply"] = clock.now
            await clock.sleep(0.05)

    async def everything() -> None:
        first = [recipient(str(n)) for n in range(others)]
        then = [recipient(f"after-{n}") for n in range(after)]
        await asyncio.gather(*first, recipient("resident"), resident(), *then)

    await clock.run(everything())
    return sent


async def test_a_reply_does_not_wait_for_a_broadcast_turn_still_to_come() -> None:
    # Broadcast turns are handed out ahead (here the resident's is 2 s off, behind 60
    # others): a resident who taps now is answered now, not a second after that turn, and
    # the broadcast message then waits a second after the reply.
    sent = await _reply_among_a_broadcast(30, others=60)
    assert sent["reply"] == pytest.approx(0.5, abs=1e-3)
    assert sent["resident"] >= sent["reply"] + 0.05 + 1.0 - 1e-3
    assert _busiest_second(list(sent.values())) <= 30


async def test_a_reply_goes_before_a_broadcast_message_to_its_chat_waiting_for_room() -> None:
    # At 1,000 a second, two seconds of broadcast messages wait for room in the window,
    # each having claimed its chat: a resident whose message was among them waited for it
    # to go and a second more (2.4 s at the p99). Now the reply goes at the next place
    # free, and the broadcast message waits a second after it. Here "resident" claims its
    # chat early and waits behind the window's first second.
    sent = await _reply_among_a_broadcast(10, others=10)
    assert sent["reply"] <= 1.1, sent["reply"]
    assert sent["resident"] >= sent["reply"] + 0.05 + 1.0 - 1e-3, sent
    assert _busiest_second(list(sent.values())) <= 10


async def test_a_broadcast_message_waiting_behind_a_reply_does_not_hold_up_the_rest() -> None:
    # The resident's broadcast message had its place when it found the reply gone first, and
    # waited its chat's second in that place: the oldest in the window, it held every
    # message behind it until a second after it went (at 1,000 a second, nothing sent for
    # up to half a second, three times a broadcast). It gives its place back meanwhile.
    # Here its turn is at 1 s, the window is full until 1.05 s and the reply asks at 1.02 s.
    sent = await _reply_among_a_broadcast(10, others=10, after=30, reply_at=1.02)
    assert sent["resident"] >= sent["reply"] + 0.05 + 1.0 - 1e-3, sent
    assert _busiest_second(list(sent.values())) <= 10
    after = sorted(t for chat, t in sent.items() if chat.startswith("after-"))
    gaps = [b - a for a, b in itertools.pairwise(after)]
    # A tenth of a second apart, a quarter where one second's places end (0.05 s trips);
    # when the place was kept, nothing went from 2.1 s to 3.15 s.
    assert max(gaps) < 0.3, (gaps, sent)


async def _late_answers_at_1000_a_second() -> tuple[list[float], float]:
    """A broadcast at 1,000 a second whose answers come in 50 ms, but a hundred of the first
    second's in 300 ms: (when each message left, how long the broadcast took)."""
    clock = SimClock()
    pacer = _sim_pacer(clock, 1000)
    left: list[float] = []

    async def recipient(n: int) -> None:
        async with pacer.sending(str(n)) as ready:
            await ready()
            left.append(clock.now)
            await clock.sleep(0.3 if 500 <= n < 600 else 0.05)

    await clock.run(asyncio.gather(*(recipient(n) for n in range(3000))))
    return left, max(left)


async def test_at_1000_a_second_places_coming_free_together_are_taken_a_few_at_a_time() -> None:
    # Places come free when their answers are in, so late answers that come in together
    # free a bunch of places together. Taken at once, they went out as a bunch again every
    # second (up to 290 messages in a tenth of a second at 1,000 a second, and trips
    # lengthened in the bunch); now a few at a time, at most 1.25 times the rate.
    left, took = await _late_answers_at_1000_a_second()
    assert _busiest_second(left) <= 1000
    later = sorted(t for t in left if t >= 1.0)
    in_10_ms = max(bisect.bisect(later, t + 0.01) - bisect.bisect_left(later, t) for t in later)
    assert in_10_ms <= 20, in_10_ms
    # And the places left empty meanwhile are caught up: 3.27 s (spaced at exactly the
    # rate, they stayed empty: 3.35 s; unspaced, 3.1 s).
    assert took < 3.3, took


async def _conversation(taps: int, gap: float = 1.2) -> dict[str, list[float]]:
    """A resident answered every `gap` seconds from 0, `taps` times; at 0.5 a broadcast to
    them and to another chat: when each message left."""
    clock = SimClock()
    pacer = _sim_pacer(clock, 30)
    sent: dict[str, list[float]] = {"reply": [], "resident": [], "other": []}

    async def resident() -> None:
        for n in range(taps):
            await clock.sleep(n * gap - clock.now)
            async with pacer.replying("resident"):
                sent["reply"].append(clock.now)
                await clock.sleep(0.05)

    async def broadcast(chat: str) -> None:
        await clock.sleep(0.5)
        await pacer.conversation_pause(chat)
        async with pacer.sending(chat) as ready:
            await ready()
            sent[chat].append(clock.now)
            await clock.sleep(0.05)

    await clock.run(asyncio.gather(resident(), broadcast("resident"), broadcast("other")))
    return sent


async def test_a_broadcast_message_waits_for_a_resident_talking_to_the_bot_to_pause() -> None:
    # Sent between a reply and their next tap, it made that tap's reply wait its chat's
    # second: up to a second, at every resident talking during a broadcast at 1000/s.
    sent = await _conversation(taps=4)
    assert sent["reply"] == pytest.approx([0.0, 1.2, 2.4, 3.6])  # none waited
    assert sent["resident"][0] == pytest.approx(3.6 + 3.0, abs=0.01)  # three seconds' pause
    assert sent["other"][0] == pytest.approx(0.5)  # nobody else waits


async def test_a_resident_who_never_pauses_gets_the_broadcast_within_five_minutes() -> None:
    sent = await _conversation(taps=300)
    # Not a minute in, as before: a brisk survey goes on longer than that without a pause.
    assert not [t for t in sent["resident"] if t < 300.5]
    # Five minutes after it was due (300.5), and a second after the reply just before
    # (300.05).
    assert sent["resident"][0] == pytest.approx(301.05, abs=0.01)


async def test_forgetting_old_chats_keeps_what_the_rules_still_need(clock: VirtualClock) -> None:
    # Past 10,000 chats the pacer lets go of old ones (a broadcast to 100,000 people).
    pacer = _pacer(clock, 1000)
    for n in range(9_000):
        await pacer.turn(f"chat-{n}")
    async with pacer.replying("talking"):
        replied = clock.now
    await clock.sleep(1.5)
    n = 9_000
    while len(pacer._last_chat) > 5_000:  # until it has let go
        await pacer.turn(f"chat-{n}")
        n += 1
    assert len(pacer._last_chat) < 2_000  # only the last second's or so
    # The resident who had a reply under 3 s ago is still taken to be talking (a second's
    # horizon forgot them, and a broadcast message went between their taps) ...
    assert clock.now - replied < 3.0
    assert pacer.in_conversation("talking")
    # ... and a chat sent a message this second still waits the rest of it.
    started = clock.now
    await pacer.turn(f"chat-{n - 1}")
    assert round(clock.now - started, 3) == 1.0
