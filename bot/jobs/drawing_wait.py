"""Deliveries waiting for their chart to be drawn.

A results broadcast's charts are drawn one at a time in a worker process (a tenth to a third of
a second each), when the first recipient in each language needs one: for the first seconds of
a broadcast most recipients claimed are waiting for a chart that is not drawn yet. Counted
among those claimed ahead, they left room for too few others: at 1000/s the first three
seconds went at 341, 647 and 891 messages a second (bench/broadcast.py). The sender that
starts a delivery tells it how to say that it is waiting (`telling`); the composer says so
(`drawn`), and the sender claims others meanwhile, up to a bound of its own.

Since the composer draws each recipient language's chart before a broadcast's first message
(`BroadcastComposer.prepare`), deliveries wait here only for a chart that could not be drawn
ahead (its drawing failed, or was not done within `PREPARE_AT_MOST`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


class Telling:
    """Where a sender's deliveries tell their waits, until `stop`: the context it is set in is
    copied into every task and callback made in it, and some copies outlive the run (a
    connection a delivery opened keeps one for as long as it stays open in its pool). Held
    by them, the run stayed in memory with every recipient it had tried: 4 MB after a
    results broadcast to 58,000 people (tracemalloc, bench/broadcast.py)."""

    __slots__ = ("_callback",)

    def __init__(self, callback: Callable[[int], None]) -> None:
        self._callback: Callable[[int], None] | None = callback

    def tell(self, change: int) -> None:
        if self._callback is not None:
            self._callback(change)

    def stop(self) -> None:
        """Tell nobody any more, and let go of the callback."""
        self._callback = None


# Told +1 when a delivery starts waiting for a drawing and -1 when it stops. A context
# variable, because the composer is shared by every broadcast and each delivery belongs to one.
_told: ContextVar[Telling | None] = ContextVar("drawing_wait", default=None)


def telling(callback: Callable[[int], None]) -> Telling:
    """Deliveries started from here on (tasks created in this context) tell `callback`, until
    the returned `Telling` is stopped."""
    told = Telling(callback)
    _told.set(told)
    return told


async def drawn(drawing: Awaitable[T]) -> T:
    """Wait for `drawing`, saying so to the sender of this delivery, if any."""
    told = _told.get()
    if told is None:
        return await drawing
    told.tell(1)
    try:
        return await drawing
    finally:
        told.tell(-1)
