"""Pacing for broadcasts: an overall rate, one message a second per chat, waits Telegram asks
for, and quiet hours. Clocks and sleep are injected so tests run in no time."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

Sleep = Callable[[float], Awaitable[None]]

# A microsecond more than the exact spacing, so rounding can never squeeze one message too
# many into a second (0.1% of throughput at 1000 messages a second).
_MARGIN = 1e-6

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
    """Hands out sending turns.

    Turns are reserved in order (a virtual schedule: each turn is 1/rate after the previous),
    so concurrent senders together never exceed the rate; a chat's next turn is at least
    `per_chat` seconds after its last; `pause(seconds)` (Telegram's RetryAfter) holds every
    turn; quiet hours hold turns until morning.

    Telegram counts a message when it arrives, and arrivals jitter by milliseconds, so spacing
    the starts alone lets the (rate+1)th message land within a second of the first. Sends made
    with `async with pacer.sending(chat)` are also anchored on their answers: a send starts at
    least a second after the answer to the send `rate` places before it, and a chat's next send
    at least `per_chat` after the answer to its last, which no jitter can squeeze.
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
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = _spacing(rate)
        self.per_chat = per_chat + _MARGIN if per_chat else 0.0
        self.quiet = quiet
        self.monotonic = monotonic
        self.wall = wall
        self.sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._last_chat: dict[str, float] = {}
        self._limit = _per_second(rate)
        # The last `_limit` sends, oldest first: when each was answered (pending in flight).
        self._recent: deque[asyncio.Future[float]] = deque()

    def pause(self, seconds: float) -> None:
        """Hold every turn for `seconds` (Telegram said to wait)."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    async def turn(self, chat_id: str) -> None:
        """Wait until it is this chat's turn to be sent a message."""
        answered = await self._reserve(chat_id)
        answered.set_result(self.monotonic())

    @asynccontextmanager
    async def sending(self, chat_id: str) -> AsyncIterator[None]:
        """`turn`, then the block sends; the next turns count from when it returns."""
        answered = await self._reserve(chat_id)
        try:
            yield
        finally:
            now = self.monotonic()
            answered.set_result(now)
            self._last_chat[chat_id] = max(self._last_chat.get(chat_id, now), now)

    async def _reserve(self, chat_id: str) -> asyncio.Future[float]:
        await self._quiet_wait()
        loop = asyncio.get_running_loop()
        while True:
            now = self.monotonic()
            if now < self._paused_until:
                await self.sleep(self._paused_until - now)
                continue
            window = -1e18
            while len(self._recent) >= self._limit:
                oldest = self._recent[0]
                if not oldest.done():
                    break
                window = oldest.result() + 1.0 + _MARGIN
                self._recent.popleft()
            if len(self._recent) >= self._limit:
                await asyncio.shield(self._recent[0])  # the oldest is still in flight
                continue
            slot = max(now, self._next, self._last_chat.get(chat_id, -1e18) + self.per_chat, window)
            self._next = max(self._next, slot) + self.interval
            self._last_chat[chat_id] = slot
            answered: asyncio.Future[float] = loop.create_future()
            self._recent.append(answered)
            try:
                if slot > now:
                    await self.sleep(slot - now)
            except BaseException:
                answered.set_result(self.monotonic())  # cancelled: never block later turns
                raise
            if self.monotonic() >= self._paused_until:
                break
            answered.set_result(self.monotonic())  # held by a pause: counts as sent now
        if len(self._last_chat) > 10_000:
            # Only recent chats matter for the one-a-second rule.
            horizon = self.monotonic() - self.per_chat
            self._last_chat = {c: t for c, t in self._last_chat.items() if t > horizon}
        return answered

    async def until_allowed(self) -> None:
        """Wait out quiet hours (if any)."""
        await self._quiet_wait()

    async def _quiet_wait(self) -> None:
        if self.quiet is None or self.wall is None:
            return
        while (until := self.quiet.resume_at(self.wall())) is not None:
            await self.sleep(max((until - self.wall()).total_seconds(), 1.0))


def _spacing(rate: float) -> float:
    return 1.0 / rate + _MARGIN


def _per_second(rate: float) -> int:
    """Sends allowed in any one second (at least one)."""
    return max(1, math.floor(rate + 1e-9))
