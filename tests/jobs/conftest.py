"""A virtual clock and a recording outbound, so pacing and sending run in no real time."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from bot.jobs.outbound import OutMessage, RateLimited, SendFailed, Unreachable
from bot.store import participants
from bot.store.db import Database, Tx

JOINED = "2026-11-01T00:00:00+00:00"


@dataclass
class VirtualClock:
    """monotonic() and wall() that move only when something sleeps."""

    now: float = 0.0
    start: datetime = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.now)

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


@dataclass
class RecordingOutbound:
    """Records (virtual time, chat, message); fails as scripted per chat."""

    clock: VirtualClock
    sent: list[tuple[float, str, OutMessage]] = field(default_factory=list)
    script: dict[str, list[Exception]] = field(default_factory=dict)

    async def send(self, chat_id: str, message: OutMessage) -> None:
        failures = self.script.get(chat_id)
        if failures:
            raise failures.pop(0)
        self.sent.append((self.clock.now, chat_id, message))


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def outbound(clock: VirtualClock) -> RecordingOutbound:
    return RecordingOutbound(clock)


async def residents(
    db: Database, count: int, locale: str = "en", start: int = 1, channel: str = "telegram"
) -> list[int]:
    """Consenting participants on `channel`, user and chat ids start, start+1, ..."""

    def work(conn: Tx) -> list[int]:
        ids = []
        for n in range(start, start + count):
            p = participants.find_or_create(conn, channel, str(n), str(n), JOINED)
            participants.update(conn, p.id, {"consent_at": JOINED, "locale": locale})
            ids.append(p.id)
        return ids

    return await db.write(work)


T = TypeVar("T")

__all__ = ["RateLimited", "SendFailed", "Unreachable", "residents"]


class SimClock:
    """Simulated time for many concurrent tasks: `sleep` waits for the clock, which jumps to
    the next wake-up whenever every task is waiting. Deterministic, and instant."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    @property
    def sleeps(self) -> int:
        """How many times a task has gone to sleep (each one a wake-up to come)."""
        return self._count

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), self._count, future))
        await future

    async def run(self, main: Awaitable[T]) -> T:
        """Run `main` (and whatever it starts) to the end in simulated time."""
        task = asyncio.ensure_future(main)
        while not task.done():
            for _ in range(20):  # let everything that can run, run
                await asyncio.sleep(0)
            if task.done() or not self._sleepers:
                continue
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            if not future.done():
                future.set_result(None)
        return task.result()
