"""Pacing for broadcasts: an overall rate, one message a second per chat, waits Telegram asks
for, and quiet hours. Clocks and sleep are injected so tests run in no time."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

Sleep = Callable[[float], Awaitable[None]]

# A microsecond more than the exact spacing, so rounding can never squeeze one message too
# many into a second (0.1% of throughput at 1000 messages a second).
_MARGIN = 1e-6

# Residents who wrote in the last this many seconds are likely to write again: broadcasts keep
# a place free for them.
REPLY_HORIZON = 10.0
# While residents are active, a reply may wait this long for a place in the window at most;
# if the next place is further off, broadcasts keep one free. Up to SPACED_UP_TO, broadcast
# messages take their places this long ahead too, for a reply to take instead (see
# `_reply_place`).
REPLY_WAIT = 0.04
# A broadcast message to a resident in the middle of a conversation with the bot (a reply
# to them in the last CONVERSATION_GAP seconds) waits until they pause, CONVERSATION_WAIT at
# most: sent between a reply and their next tap, it made that tap's reply wait its chat's
# second (up to a second, at every one of the residents tapping at 1000/s). A broadcast can
# wait; a conversation should not: five minutes, not one, as a survey answered briskly goes on
# for over a minute without such a pause (at a minute, residents tapping through a broadcast
# at 1000/s met it two or three times in 370 steps, in the replies' p99), and nobody reading
# what the bot says goes on for five.
CONVERSATION_GAP = 3.0
CONVERSATION_WAIT = 300.0
# A broadcast message takes its place in the window at most this long before the place comes
# free (see `Pacer.sending`).
LEAD_LIMIT = 0.1
# Broadcast messages keep exactly 1/rate apart up to this rate (messages a second); above it,
# to within a tick.
SPACED_UP_TO = 100.0
TICK = 0.005

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window (in a time zone) when nobody is messaged, e.g. 21:00-08:00."""

    start: dtime
    end: dtime
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, zone: str) -> QuietHours | None:
        """`21:00-08:00`; an empty text means no quiet hours."""
        if not text.strip():
            return None
        match = _HOURS.match(text)
        if not match:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {text!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return cls(dtime(h1, m1), dtime(h2, m2), ZoneInfo(zone))

    def resume_at(self, now: datetime) -> datetime | None:
        """When sending may go on, if `now` is in the quiet window; None if it is not."""
        local = now.astimezone(self.zone)
        t = local.time()
        if self.start <= self.end:
            quiet = self.start <= t < self.end
        else:  # the window crosses midnight
            quiet = t >= self.start or t < self.end
        if not quiet:
            return None
        end = datetime.combine(local.date(), self.end, self.zone)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(now.tzinfo)


class Pacer:
    """Hands out sending turns for the whole bot: broadcasts and replies to residents.

    Broadcast turns are reserved in order (a virtual schedule: each turn 1/rate after the
    previous), so concurrent senders together keep the rate; a chat's next turn is at least
    `per_chat` seconds after its last; `pause(seconds)` (Telegram's RetryAfter) holds every
    turn; quiet hours hold broadcast turns until morning.

    Every message, a reply or a broadcast, counts in one sliding window: at most `rate` in any
    second. Telegram counts a message when it arrives, which is some time between its start
    and its answer: a message counts from its start until a second after it can have arrived
    at the latest, its answer less the shortest trip back (see `_Trips`). A chat's next message
    waits for a second after the same moment. Replies go first: they never wait behind the
    broadcasts' schedule, only for room in the window (a waiting reply takes the next place,
    or one a broadcast message holds ahead of leaving), and while residents are talking to
    the bot, broadcasts leave room for the replies to come.
    """

    def __init__(
        self,
        rate: float,
        *,
        per_chat: float = 1.0,
        quiet: QuietHours | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] | None = None,
        sleep: Sleep = asyncio.sleep,
        just_started: bool = False,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = _spacing(rate)
        self.per_chat = per_chat + _MARGIN if per_chat else 0.0
        self.quiet = quiet
        self.monotonic = monotonic
        self.wall = wall
        self.sleep = sleep
        self._paused_until = 0.0
        self._last_chat: dict[str, float] = {}  # when each chat's last message is due
        self._replied: dict[str, float] = {}  # when each chat's last reply is due
        # Broadcast messages that have claimed their chat and not left yet (waiting for room in
        # the window, or holding a place taken ahead): a reply to the chat goes first.
        self._queued: dict[str, asyncio.Future[None]] = {}
        self._out: dict[str, asyncio.Future[None]] = {}  # each chat's message on its way
        self._answered: dict[str, float] = {}  # when each chat's last message had arrived
        # A bot that has just started may have been killed a moment ago, in the middle of a
        # conversation: what it last sent to a chat is unknown, so every chat is taken to have
        # had a message at the start (its first one waits for the rest of that second).
        self._unknown = monotonic() if just_started else -1e18
        # Broadcasts begin after that second, on their schedule: were their first turns all
        # held to its end, they would come due together, as one burst.
        self._next = self._unknown + self.per_chat if just_started else 0.0
        self._limit = _per_second(rate)
        # Messages that count in the window, oldest first: when each can have arrived at
        # Telegram at the latest (pending while in flight); each counts until a second after.
        self._recent: deque[asyncio.Future[float]] = deque()
        self._trips = _Trips()
        self._lead = _Lead()
        self._last_go = -math.inf  # when the last broadcast message could leave
        # Broadcast messages keep 1/rate apart (see `_broadcast_window`). Above SPACED_UP_TO,
        # 0.8/rate apart to within TICK: a message may go up to a tick before its spacing
        # turn, so a few go together and one timer serves them (a timer a message, on a busy
        # event loop, cost more than it gained); and places that came free while the bot was
        # held up are taken back at 1.25 times the rate (at exactly the rate they stayed
        # empty). Unspaced at 1,000 a second, messages went in bunches of up to 290 in a tenth
        # of a second: trips lengthened in a bunch (90 ms against 69 ms at 50 ms latency),
        # requests waited for a slot, and a place's second grew by 80 ms.
        self._spacing = self.interval if rate <= SPACED_UP_TO else 0.8 * self.interval
        self._tick = 0.0 if rate <= SPACED_UP_TO else TICK
        # Broadcast messages holding places they have taken ahead, in the order taken.
        self._held: deque[_Held] = deque()
        self._hold_ahead = REPLY_WAIT if rate <= SPACED_UP_TO else 0.0
        self._burst = max(2 * self.interval, 0.02)
        self._replies_waiting = 0
        self._replies: deque[float] = deque()  # when recent replies started
        # Broadcast messages wait for room in the window one at a time, in order: woken all
        # together whenever a place came free, a thousand of them each looked and went back
        # to sleep (a seventh of the bot's CPU at 1,000 messages a second).
        self._window_queue = asyncio.Lock()

    def _paused_at(self, chat_id: str) -> float:
        """When this chat's resident will have paused, after the bot's last reply to them."""
        return self._replied.get(chat_id, -math.inf) + CONVERSATION_GAP

    def in_conversation(self, chat_id: str) -> bool:
        """Whether this chat's resident is talking to the bot (see CONVERSATION_GAP)."""
        return self._paused_at(chat_id) > self.monotonic()

    async def conversation_pause(self, chat_id: str) -> None:
        """Before a broadcast message: wait until the chat's resident, if they are talking to
        the bot, has paused (CONVERSATION_GAP since their last reply), CONVERSATION_WAIT at
        most. Their replies go on meanwhile without waiting for it."""
        deadline = self.monotonic() + CONVERSATION_WAIT
        while True:
            now = self.monotonic()
            paused = self._paused_at(chat_id)
            if paused <= now or deadline <= now:
                return
            await self.sleep(min(paused, deadline) - now)

    def trip(self, seconds: float) -> None:
        """A request's whole trip, from when it left to its answer (told by whoever sent it:
        the time a message waited here or for a connection is not travel)."""
        self._trips.add(seconds, self.monotonic())

    def pause(self, seconds: float) -> None:
        """Hold every turn for `seconds` (Telegram said to wait)."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    async def turn(self, chat_id: str) -> None:
        """Wait until it is this chat's turn to be sent a message."""
        place, mine, _ = await self._reserve(chat_id, lead=False)
        self._gone(chat_id, place, mine)

    @asynccontextmanager
    async def sending(self, chat_id: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """A broadcast message: `turn`, then the block sends; the next turns count from when
        it returns. The block awaits what it is given (`ready`) just before its request goes.

        Between its place and its request a message has work to do (a request slot, its mark
        in the ledger: 25 ms at 1,000 a second). Done after the place came free, that work
        added to every place's second (0.975 of the rate at best at 30 a second); so a
        message takes the place of one leaving the window up to that long before it leaves
        (as long as the work took lately), and `ready` holds its request until it has left.
        Up to SPACED_UP_TO it takes it at least REPLY_WAIT ahead (`_ahead`): until it leaves,
        a reply that finds no room may take its place (`_reply_place`), and a reply to its
        chat may go first (`_claim`); either way it waits for room again (`_placed`).
        """
        place, mine, not_before = await self._reserve(chat_id)
        place, mine, not_before = await self._placed(chat_id, place, mine, not_before)
        held = self._hold(chat_id, mine, place, not_before)
        taken = self.monotonic()

        async def ready() -> None:
            nonlocal place, mine, not_before, held
            now = self.monotonic()
            self._lead.add(now - taken)
            while True:
                if not_before > now:
                    await self.sleep(not_before - now)
                self._let_go(chat_id, held)
                if not held.taken and self._out.get(chat_id) is mine:
                    return
                # A reply with no room took its place (the reply's now), or a reply to this
                # chat went first: room again, and the chat again.
                place, mine, not_before = await self._placed(
                    chat_id, None if held.taken else place, mine, not_before
                )
                held = self._hold(chat_id, mine, place, not_before)
                now = self.monotonic()

        try:
            yield ready
        finally:
            self._let_go(chat_id, held)
            self._gone(chat_id, None if held.taken else place, mine)

    async def _placed(
        self,
        chat_id: str,
        place: asyncio.Future[float] | None,
        mine: asyncio.Future[None],
        not_before: float,
    ) -> tuple[asyncio.Future[float], asyncio.Future[None], float]:
        """A broadcast message with a place in the window (None: it has none), and its chat
        still its own."""
        while place is None or self._out.get(chat_id) is not mine:
            if place is not None:
                self._give_back(place, not_before)
            if self._out.get(chat_id) is not mine:
                # A reply to this chat went first while this waited for room or held its
                # place: this waits a second after it, without its place, and waits for
                # room again (until it has both: a resident tapping every second may go
                # first more than once). Kept, the place stopped every broadcast message
                # for up to half a second at 1,000 a second: the window is counted from its
                # oldest place, and this one stayed the oldest while a thousand behind it
                # came free.
                self._release(chat_id, mine)
                mine = await self._claim(chat_id)
            not_before = await self._room_in_turn(chat_id, mine, True, self.monotonic())
            place = self._count()
        return place, mine, not_before

    def _hold(
        self,
        chat_id: str,
        mine: asyncio.Future[None],
        place: asyncio.Future[float],
        not_before: float,
    ) -> _Held:
        """A broadcast message holds its place until it leaves: a reply may take the place
        (`_reply_place`), and a reply to its chat goes first (`_claim`)."""
        held = _Held(place, not_before, mine)
        self._held.append(held)
        self._queued[chat_id] = mine
        return held

    def _let_go(self, chat_id: str, held: _Held) -> None:
        held.gone = True
        if self._queued.get(chat_id) is held.mine:
            del self._queued[chat_id]
        # Messages leave in about the order they took their places: those gone at the front
        # are dropped here, or with no reply to look (a broadcast to 97,000 with nobody
        # talking to the bot) every one stayed, 40 MB a broadcast.
        self._first_held()

    def _first_held(self) -> _Held | None:
        """The place taken ahead that comes free first and that a reply may still take."""
        held = self._held
        while held and (held[0].gone or held[0].taken or held[0].place.done()):
            held.popleft()
        return held[0] if held else None

    def _give_back(self, place: asyncio.Future[float], not_before: float = -math.inf) -> None:
        """A place taken by a message that will not go yet: out of the window (whoever waits
        for it to come back looks again). Taken ahead (`not_before` still to come), it stood
        for one that Telegram counts until then: that one counts again meanwhile. Without
        it, the place came free early and 31 messages could go in a second."""
        with suppress(ValueError):
            self._recent.remove(place)
        if not place.done():
            place.set_result(-math.inf)
        if not_before > self.monotonic():
            stand_in: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            stand_in.set_result(not_before - 1.0 - _MARGIN)  # comes free at `not_before`
            self._recent.appendleft(stand_in)

    @asynccontextmanager
    async def replying(self, chat_id: str | None = None) -> AsyncIterator[None]:
        """A reply to a resident: counted in the overall rate, ahead of any broadcast, and one
        a second in its chat like every message (retries included)."""
        mine = await self._chat_turn(chat_id) if chat_id is not None else None
        self._replies_waiting += 1
        try:
            place = await self._reply_place()
        except BaseException:
            self._release(chat_id, mine)
            raise
        finally:
            self._replies_waiting -= 1
        self._replies.append(self.monotonic())
        try:
            yield
        finally:
            self._gone(chat_id, place, mine)

    async def _chat_turn(self, chat_id: str) -> asyncio.Future[None]:
        """A reply's turn in its chat: a second after the chat's last reply, and (`_claim`)
        a second after whatever it was sent last has arrived. A broadcast message's turn
        still to come does not count: broadcast turns are handed out ahead (two seconds of
        them, when this was measured), and a resident who tapped while theirs was due waited
        for it and a second more (2.4 s at the p99 of replies at 1,000 a second). It waits
        instead: the place is taken before waiting, so a broadcast to the same chat waits its
        own second."""
        now = self.monotonic()
        slot = max(now, self._reply_due(chat_id))
        self._replied[chat_id] = slot
        self._last_chat[chat_id] = max(self._last_chat.get(chat_id, slot), slot)
        self._forget_old_chats()
        if slot > now:
            await self.sleep(slot - now)
        return await self._claim(chat_id, reply=True)

    async def _claim(self, chat_id: str, reply: bool = False) -> asyncio.Future[None]:
        """Wait while another message to this chat is on its way, then until a second after
        it can have arrived (its answer less the trip back), and mark this one on its way
        (until `_gone` or `_release`). A turn counts from when the chat's last message was
        due, but that message may have gone out later (it waited for room in the window or a
        request slot) and may be arriving now. A reply does not wait for a broadcast message
        that has not left (waiting for room in the window, hundreds of them at 1,000 a
        second, or holding its place): it goes first, and that message claims the chat again
        (`_placed`)."""
        while self.per_chat:
            pending = self._ahead_of(chat_id, reply)
            if pending is not None:
                await asyncio.shield(pending)
                continue
            free = self._arrival_free(chat_id)
            now = self.monotonic()
            if free <= now:
                break
            await self.sleep(free - now)
        # No await from the check above to here: two messages cannot both pass it.
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._out[chat_id] = mine
        return mine

    def _reply_due(self, chat_id: str) -> float:
        """When a reply to this chat may go: a second after its last reply was due."""
        return self._replied.get(chat_id, self._unknown) + self.per_chat

    def _arrival_free(self, chat_id: str) -> float:
        """When this chat may be sent its next message: a second after its last arrived."""
        return self._answered.get(chat_id, -math.inf) + self.per_chat

    def _ahead_of(self, chat_id: str, reply: bool) -> asyncio.Future[None] | None:
        """The message to this chat on its way that the next one waits for, if any (a reply
        does not wait for a broadcast message that has not left)."""
        pending = self._out.get(chat_id)
        if pending is None or (reply and self._queued.get(chat_id) is pending):
            return None
        return pending

    def _release(self, chat_id: str | None, mine: asyncio.Future[None] | None) -> None:
        if chat_id is None or mine is None:
            return
        if not mine.done():
            mine.set_result(None)
        if self._out.get(chat_id) is mine:
            del self._out[chat_id]

    def _gone(
        self,
        chat_id: str | None,
        place: asyncio.Future[float] | None,
        mine: asyncio.Future[None] | None,
    ) -> None:
        """A message has left (or will not): when it can have arrived, for its place (None:
        a reply took it) and its chat."""
        now = self.monotonic()
        arrived = now - self._trips.shortest_way_back()
        if place is not None and not place.done():  # done: given back, and never went
            place.set_result(arrived)
        if chat_id is not None:
            self._last_chat[chat_id] = max(self._last_chat.get(chat_id, arrived), arrived)
            self._answered[chat_id] = arrived
        self._release(chat_id, mine)

    async def _reserve(
        self, chat_id: str, lead: bool = True
    ) -> tuple[asyncio.Future[float], asyncio.Future[None], float]:
        """A broadcast message's place: (its place in the window, its chat's claim, the time
        before which it must not leave)."""
        await self._quiet_wait()
        now = self.monotonic()
        scheduled = max(now, self._next)
        chat_free = self._last_chat.get(chat_id, self._unknown) + self.per_chat
        if chat_free > scheduled:
            # This chat had a message less than a second ago (a long text in parts): it waits
            # for its own second and then only for room in the window, without taking a turn
            # of the schedule, which would hold up everyone else's messages meanwhile.
            slot = chat_free
        else:
            slot = scheduled
            self._next = scheduled + self.interval
        self._last_chat[chat_id] = slot
        # Its turn is taken ahead too, by the same work: a request at the turn, not after.
        ahead = self._ahead() if lead else 0.0
        if slot - ahead > now:
            await self.sleep(slot - ahead - now)
        mine = await self._claim(chat_id)
        not_before = await self._room_in_turn(chat_id, mine, lead, slot)
        self._forget_old_chats()
        return self._count(), mine, not_before

    async def _room_in_turn(
        self, chat_id: str, mine: asyncio.Future[None], lead: bool, turn: float
    ) -> float:
        """Wait in turn for room in the window for a broadcast message that has claimed its
        chat (a reply to the chat may go first meanwhile); when it may leave. The claim is
        let go if this fails."""
        self._queued[chat_id] = mine
        try:
            async with self._window_queue:
                return await self._broadcast_window(lead, turn)
        except BaseException:
            self._release(chat_id, mine)
            raise
        finally:
            if self._queued.get(chat_id) is mine:
                del self._queued[chat_id]

    def _forget_old_chats(self) -> None:
        """Past 10,000 chats, let go of those nothing waits on any more: the one-a-second rule
        needs only the last second's, and whether a resident is talking the last
        CONVERSATION_GAP's."""
        if max(len(self._last_chat), len(self._replied)) <= 10_000:
            return
        now = self.monotonic()
        horizon = now - self.per_chat
        self._last_chat = {c: t for c, t in self._last_chat.items() if t > horizon}
        self._answered = {c: t for c, t in self._answered.items() if t > horizon}
        talking = now - CONVERSATION_GAP
        self._replied = {c: t for c, t in self._replied.items() if t > talking}

    def _ahead(self) -> float:
        """How long before its place comes free a broadcast message may take it."""
        return max(self._lead.seconds(), self._hold_ahead)

    async def _reply_place(self) -> asyncio.Future[float]:
        """A reply's place in the window: one free now; else one a broadcast message has
        taken ahead and not used yet, from when that message would have left (it waits for
        room again); else the next to come free. Broadcasts keep a place free for a reply
        expected when the next is far off (`_reserve_for_replies`), and two or three replies
        close together found it taken: at 30 a second the last waited for places coming free
        (up to 170 ms, p99 76 ms), now for one taken ahead."""
        while True:
            now = await self._unpaused()
            if now is None:
                continue
            recent = self._recent
            if len(recent) < self._limit:
                return self._count()
            held = self._first_held()
            if held is not None:
                held.taken = True
                try:
                    # Until it may leave, and while Telegram says to wait.
                    while (wait := max(held.not_before, self._paused_until) - self.monotonic()) > 0:
                        await self.sleep(wait)
                except BaseException:
                    self._give_back(held.place, held.not_before)
                    raise
                return held.place
            oldest = recent[0]
            if not oldest.done():
                await asyncio.shield(oldest)  # the oldest is still in flight
                continue
            await self.sleep(max(_free_at(oldest) - now, 1e-4))

    async def _broadcast_window(self, lead: bool, turn: float) -> float:
        """Wait until the last second has room for one more broadcast message, leaving a
        place for each reply waiting or expected, not before its turn, and 1/rate after the
        previous broadcast message (bursts of a few excepted; up to SPACED_UP_TO). Returns
        when the message may leave: now, or later when its place or its turn was taken
        ahead (see `sending`).

        The spacing: when the window is full, broadcast messages take places as they come
        free, so messages sent together come free together a second later, and are taken
        together again; a burst once made (at the start of a broadcast, or by replies)
        came back every second, and a reply arriving between two had no place for up to
        a fifth of a second at 30 a second."""
        while True:
            now = await self._unpaused()
            if now is None:
                continue
            recent = self._recent
            ahead = self._ahead() if lead else 0.0
            # A few may go together when the bot was slow to send them (at 1,000 a second
            # the event loop is sometimes late by milliseconds: lost turns are not made up).
            spaced = max(self._last_go + self._spacing, now - self._burst, turn)
            early = spaced - self._tick
            if len(recent) + self._reserve_for_replies(now) < self._limit:
                go = max(now, early)
                if go - ahead <= now:
                    self._last_go = max(go, spaced)
                    return go
                await self.sleep(go - ahead - now)
                continue
            oldest = recent[0]
            if not oldest.done():
                await asyncio.shield(oldest)  # the oldest is still in flight
                continue
            go = max(_free_at(oldest), early)
            if ahead and go - ahead <= now:
                # Only the oldest's place can be taken ahead, when that is enough with the
                # places replies need from then until the next one comes free.
                reserve = self._reserve_for_replies(now, skip=1, at=go)
                if len(recent) - 1 + reserve < self._limit:
                    # Its place, from when it leaves: one out, one in, so the window (and
                    # any reply looking at it) counts as many as before until then.
                    recent.popleft()
                    self._last_go = max(go, spaced)
                    return go
                ahead = 0.0
            await self.sleep(max(go - ahead - now, 1e-4))

    async def _unpaused(self) -> float | None:
        """Now, with the messages that have left the window dropped from it, unless Telegram
        said to wait: then None after waiting (look again)."""
        now = self.monotonic()
        if now < self._paused_until:
            await self.sleep(self._paused_until - now)
            return None
        recent = self._recent
        while recent and _left(recent[0], now):
            recent.popleft()
        return now

    def _reserve_for_replies(self, now: float, skip: int = 0, at: float | None = None) -> int:
        """Places a broadcast message must leave free while residents are active (a reply in
        the last ten seconds): one for each reply waiting and one for each reply expected (at
        the last second's rate) before the window's oldest message makes room. Replies already
        sent count in the window itself: reserving as many again for the next second kept as
        many places empty (at 30 a second, with residents replying 4.5 times a second,
        broadcasts got 20 a second, not 24.5). One more place is kept only when the next will
        not come free within REPLY_WAIT: one kept always was a thirtieth of the rate at 30 a
        second, and at full rate a place comes free every 1/rate seconds. A place taken
        ahead is looked at from `at`, when its message will leave (`skip` passes over it)."""
        while self._replies and self._replies[0] + REPLY_HORIZON <= now:
            self._replies.popleft()
        if not self._replies and not self._replies_waiting:
            return 0  # nobody is talking to the bot: broadcasts may use the whole rate
        last_second = sum(1 for started in self._replies if started + 1.0 > now)
        until_room = self._until_room(now if at is None else at, skip)
        expected = math.floor(last_second * until_room + 0.5)
        if until_room > REPLY_WAIT:
            expected = max(expected, 1)  # a reply coming now would wait too long
        return min(self._replies_waiting + expected, self._limit - 1)

    def _until_room(self, now: float, skip: int = 0) -> float:
        """Seconds until the oldest message in the window leaves it (passing over `skip`
        messages whose places are taken ahead)."""
        if len(self._recent) <= skip:
            return 0.0
        oldest = self._recent[skip]
        if not oldest.done():
            return 1.0  # still in flight: at least a second
        return max(0.0, _free_at(oldest) - now)

    def _count(self) -> asyncio.Future[float]:
        # No await between the window check and this: the place cannot be taken meanwhile.
        place: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._recent.append(place)
        return place

    async def until_allowed(self) -> None:
        """Wait out quiet hours (if any)."""
        await self._quiet_wait()

    async def _quiet_wait(self) -> None:
        if self.quiet is None or self.wall is None:
            return
        while (until := self.quiet.resume_at(self.wall())) is not None:
            await self.sleep(max((until - self.wall()).total_seconds(), 1.0))


def _free_at(place: asyncio.Future[float]) -> float:
    """When a message's place in the window comes free: a second after it can have arrived
    (`place` must be done: until its answer, nobody knows)."""
    return place.result() + 1.0 + _MARGIN


def _left(place: asyncio.Future[float], now: float) -> bool:
    """Whether a message's place in the window is free again at `now`."""
    return place.done() and _free_at(place) <= now


@dataclass(slots=True, eq=False)
class _Held:
    """A broadcast message's place in the window, taken ahead of when it may leave."""

    place: asyncio.Future[float]
    not_before: float
    mine: asyncio.Future[None]  # its chat's claim
    taken: bool = False  # by a reply that found no room
    gone: bool = False  # the message has left, or will not


class _Trips:
    """How long requests take to come back, from when they leave to their answer.

    A message reaches Telegram on its way there, so it had arrived by its answer less the
    trip back. That trip is not measured alone; half the shortest whole trip in the last ten
    minutes is taken for it: a whole trip is the way there, time waiting in Telegram's queue
    and the way back, and the shortest lately is the one that waited least: nearly all
    travel. Over a few hundred trips (as this once was) a busy Telegram made every trip long,
    half of one was more than the way back, and messages were counted gone too early: 35 to 48
    429s at 1000/s with the double's machine busy. A failure answered at once (nothing sent)
    makes it about nothing: the safe side, as is knowing no trip at all (nothing taken off).
    Without it, at 50 ms a trip, 30 messages took 1.05 s rather than 1 s (the rate at 0.95
    at most); with it, 1.025 s.

    Not from a bot's first requests, those that left before any answer had come back: on
    new connections, to a Telegram that may be slow to take a bot's first burst, each of
    them was long, and for a moment they were the only trips known. In the fault suite,
    restarted after a kill, the first 35 waited 0.15 s before the double counted them (its
    process busy) where the next waited 0.05 s; half of one was taken for the way back, and
    a second later 11 to 35 messages met a 429. Nothing is taken off until TRUSTED trips
    that left after an answer are known.
    """

    MINUTE = 60.0
    MINUTES = 10
    TRUSTED = 16

    def __init__(self) -> None:
        self._minutes: deque[tuple[float, float]] = deque()  # (when it began, shortest)
        self._first_answer: float | None = None
        self._trusted = 0

    def add(self, seconds: float, now: float) -> None:
        """One message's whole trip, answered at `now`."""
        if self._first_answer is None:
            self._first_answer = now
        if now - seconds < self._first_answer:
            return  # it left before any answer had come back
        if self._trusted < self.TRUSTED:
            self._trusted += 1
        if self._minutes and now - self._minutes[-1][0] < self.MINUTE:
            began, shortest = self._minutes[-1]
            if seconds < shortest:
                self._minutes[-1] = (began, seconds)
            return
        self._minutes.append((now, seconds))
        if len(self._minutes) > self.MINUTES:
            self._minutes.popleft()

    def shortest_way_back(self) -> float:
        """Seconds a message's answer takes to come back, at the least, as far as we know."""
        if self._trusted < self.TRUSTED:
            return 0.0
        return max(0.0, min(shortest for _, shortest in self._minutes) / 2)


class _Lead:
    """How long broadcast messages lately took from their place in the window to their
    request (a request slot, the ledger's mark): as long as all but a few of the last 64
    took (their 94th percentile; the 75th gained nothing), never more than LEAD_LIMIT.
    Nothing measured, nothing."""

    BLOCK = 64

    def __init__(self) -> None:
        self._samples: list[float] = []
        self._seconds = 0.0

    def add(self, seconds: float) -> None:
        """One message's time from its place to its request."""
        self._samples.append(seconds)
        if len(self._samples) >= self.BLOCK:
            self._samples.sort()
            self._seconds = min(self._samples[self.BLOCK * 15 // 16], LEAD_LIMIT)
            self._samples = []

    def seconds(self) -> float:
        """How long its work before the request took lately (see `Pacer._ahead`)."""
        return self._seconds


def _spacing(rate: float) -> float:
    return 1.0 / rate + _MARGIN


def _per_second(rate: float) -> int:
    """Sends allowed in any one second (at least one)."""
    return max(1, math.floor(rate + 1e-9))
