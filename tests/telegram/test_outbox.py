"""The retry policy for Bot API calls, with an injected sleep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram.outbox import Blocked, Outbox


class Script:
    """A fake Bot API call that fails as scripted, then succeeds."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "sent"


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def outbox(slept: list[float]) -> Outbox:
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    box = Outbox(on_blocked, max_retries=3, backoff=0.5, sleep=sleep)
    box.blocked = blocked  # type: ignore[attr-defined]
    return box


async def test_retry_after_waits_as_long_as_telegram_says(
    outbox: Outbox, slept: list[float]
) -> None:
    call = Script(RetryAfter(timedelta(seconds=7)))
    assert await outbox.call(1, call) == "sent"
    assert slept == [7.0] and call.calls == 2


async def test_network_errors_back_off_then_give_up(outbox: Outbox, slept: list[float]) -> None:
    call = Script(NetworkError("x"), TimedOut(), NetworkError("x"), NetworkError("x"))
    with pytest.raises(NetworkError):
        await outbox.call(1, call)
    assert slept == [0.5, 1.0, 2.0] and call.calls == 4


async def test_forbidden_marks_blocked_and_is_never_retried(outbox: Outbox) -> None:
    call = Script(Forbidden("Forbidden: bot was blocked by the user"))
    with pytest.raises(Blocked):
        await outbox.call(42, call)
    assert call.calls == 1 and outbox.blocked == [42]  # type: ignore[attr-defined]


async def test_an_edit_that_changes_nothing_is_fine(outbox: Outbox) -> None:
    call = Script(BadRequest("Message is not modified: specified new message content ..."))
    assert await outbox.call(1, call) is None


async def test_other_bad_requests_are_raised(outbox: Outbox) -> None:
    with pytest.raises(BadRequest):
        await outbox.call(1, Script(BadRequest("Chat not found")))


async def test_new_messages_take_a_turn_of_the_shared_rate_and_edits_do_not() -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    turns: list[str] = []

    @asynccontextmanager
    async def pace() -> AsyncIterator[None]:
        turns.append("turn")
        yield

    async def on_blocked(chat_id: int) -> None:
        return None

    box = Outbox(on_blocked, pace=pace)
    assert await box.call(1, Script()) == "sent"
    assert await box.call(1, Script(), message=False) == "sent"
    assert turns == ["turn"]
