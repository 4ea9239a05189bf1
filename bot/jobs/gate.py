"""How many requests a sender keeps in flight: enough to reach the rate at the latency it
measures (at 1000 a second and 100 ms, about 100), never so many that a crash leaves a crowd
in doubt."""

from __future__ import annotations

import asyncio
import logging
import math

log = logging.getLogger(__name__)

FLOOR = 8
# Under the transport's 256 connections (bot.telegram.http), with room for replies: a request
# in flight is on the wire, not waiting for a connection, so its trip is the network's (the
# pacer takes half the shortest trip as the way back; trips that included waiting made it
# too long, and places came free early: 3 429s in one run at 1000/s).
CEILING = 240
HEADROOM = 2.0  # requests in flight = rate x latency x this, so jitter does not starve it
SMOOTHING = 0.2  # weight of the newest latency in the running average


class Gate:
    """A semaphore whose size follows rate x measured latency."""

    def __init__(self, rate: float, *, floor: int = FLOOR, ceiling: int = CEILING) -> None:
        self.rate = rate
        self.floor = floor
        self.ceiling = ceiling
        self.latency = 0.05  # a guess until the first answers come back
        self.limit = self._size()
        self.peak = self.limit
        log.debug("up to %s requests in flight (latency %.0f ms)", self.limit, 1e3 * self.latency)
        self.in_flight = 0
        self._changed = asyncio.Condition()

    def _size(self) -> int:
        wanted = math.ceil(self.rate * self.latency * HEADROOM) + self.floor
        return max(self.floor, min(self.ceiling, wanted))

    async def __aenter__(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self.in_flight -= 1
            self._changed.notify()

    def observe(self, seconds: float) -> None:
        """Take one request's time (start to answer) into the running latency."""
        self.latency += SMOOTHING * (seconds - self.latency)
        grown = self._size()
        if grown != self.limit:
            if grown > self.peak:
                # The most requests a crash could leave in doubt (the fault suite reads it).
                log.debug(
                    "up to %s requests in flight (latency %.0f ms)", grown, 1e3 * self.latency
                )
                self.peak = grown
            self.limit = grown
            asyncio.ensure_future(self._wake())

    async def _wake(self) -> None:
        async with self._changed:
            self._changed.notify_all()
