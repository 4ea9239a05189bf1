"""Deliveries waiting for their chart to be drawn.

A results broadcast's charts are drawn one at a time in a worker process (a tenth to a third of
a second each), when the first recipient in each language needs one: for the first seconds of
a broadcast most recipients claimed are waiting for a chart that is not drawn yet. Counted
among those claimed ahead, they left room for too few others: at 1000/s the first three
seconds went at 341, 647 and 891 messages a second (bench/broadcast.py). The sender that
starts a delivery tells it how to say that it is waiting (`telling`); the composer says so
(`drawn`), and the sender claims others meanwhile, up to a bound of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

# Told +1 when a delivery starts waiting for a drawing and -1 when it stops. A context
# variable, because the composer is shared by every broadcast and each delivery belongs to one.
_told: ContextVar[Callable[[int], None] | None] = ContextVar("drawing_wait", default=None)


def telling(callback: Callable[[int], None]) -> None:
    """Deliveries started from here on (tasks created in this context) tell `callback`."""
    _told.set(callback)


async def drawn(drawing: Awaitable[T]) -> T:
    """Wait for `drawing`, saying so to the sender of this delivery, if any."""
    told = _told.get()
    if told is None:
        return await drawing
    told(1)
    try:
        return await drawing
    finally:
        told(-1)
