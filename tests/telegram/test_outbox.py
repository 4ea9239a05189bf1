"""The retry policy for Bot API calls, with an injected sleep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram.http import ConnectTimedOut, Interrupted, NotSent, PoolTimedOut
from bot.telegram.outbox import Blocked, GaveUp, Outbox


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
def paused() -> list[float]:
    return []


@pytest.fixture
def outbox(slept: list[float], paused: list[float]) -> Outbox:
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    # Jitter fixed at its middle: each backoff is then exactly 0.5 s x 2^n.
    box = Outbox(
        on_blocked,
        pause=paused.append,
        max_retries=3,
        backoff=0.5,
        sleep=sleep,
        jitter=lambda: 0.5,
    )
    box.blocked = blocked  # type: ignore[attr-defined]
    return box


async def test_retry_after_holds_every_message_as_long_as_telegram_says(
    outbox: Outbox, slept: list[float], paused: list[float]
) -> None:
    call = Script(RetryAfter(timedelta(seconds=7)))
    assert await outbox.call(1, call) == "sent"
    assert slept == [7.0] and paused == [7.0] and call.calls == 2


async def test_rate_limits_past_the_bound_give_up_quietly(
    outbox: Outbox, paused: list[float]
) -> None:
    call = Script(*(RetryAfter(timedelta(seconds=2)) for _ in range(4)))
    with pytest.raises(GaveUp):
        await outbox.call(1, call)
    # The last wait still holds the bot's messages: nothing is sent inside it (no apology).
    assert call.calls == 4 and paused == [2.0] * 4


async def test_server_errors_back_off_then_give_up(outbox: Outbox, slept: list[float]) -> None:
    call = Script(*(NetworkError("Internal Server Error") for _ in range(4)))
    with pytest.raises(GaveUp):
        await outbox.call(1, call)
    assert slept == [0.5, 1.0, 2.0] and call.calls == 4


async def test_backoff_has_jitter() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def on_blocked(chat_id: int) -> None:
        return None

    draws = iter([0.0, 0.99])
    box = Outbox(on_blocked, sleep=sleep, backoff=1.0, jitter=lambda: next(draws))
    assert await box.call(1, Script(NetworkError("x"), NetworkError("x"))) == "sent"
    assert slept == [0.5, pytest.approx(2 * 1.49)]


async def test_a_message_that_may_have_arrived_is_not_sent_again(outbox: Outbox) -> None:
    for maybe in (TimedOut(), Interrupted("aiohttp.ServerDisconnectedError")):
        call = Script(maybe)
        assert await outbox.call(1, call) is None
        assert call.calls == 1


async def test_a_message_that_never_left_is_sent_again(outbox: Outbox) -> None:
    call = Script(PoolTimedOut(), ConnectTimedOut(), NotSent("aiohttp.ClientConnectorError"))
    assert await outbox.call(1, call) == "sent"
    assert call.calls == 4


async def test_edits_and_button_answers_are_retried_after_a_timeout(outbox: Outbox) -> None:
    call = Script(TimedOut(), Interrupted("x"))
    assert await outbox.call(1, call, message=False) == "sent"
    assert call.calls == 3


async def test_forbidden_marks_blocked_and_is_never_retried(outbox: Outbox) -> None:
    call = Script(Forbidden("Forbidden: bot was blocked by the user"))
    with pytest.raises(Blocked):
        await outbox.call(42, call)
    assert call.calls == 1 and outbox.blocked == [42]  # type: ignore[attr-defined]


async def test_a_chat_that_is_gone_is_marked_like_a_blocked_one(outbox: Outbox) -> None:
    with pytest.raises(Blocked):
        await outbox.call(7, Script(BadRequest("Chat not found")))
    assert outbox.blocked == [7]  # type: ignore[attr-defined]


async def test_an_edit_that_changes_nothing_is_fine(outbox: Outbox) -> None:
    call = Script(BadRequest("Message is not modified: specified new message content ..."))
    assert await outbox.call(1, call) is None


async def test_other_bad_requests_are_raised(outbox: Outbox) -> None:
    with pytest.raises(BadRequest):
        await outbox.call(1, Script(BadRequest("Message text is empty")))


async def test_every_try_of_a_message_takes_a_turn_and_edits_take_none() -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    turns: list[int] = []

    @asynccontextmanager
    async def pace(chat_id: int) -> AsyncIterator[None]:
        turns.append(chat_id)
        yield

    async def on_blocked(chat_id: int) -> None:
        return None

    async def sleep(seconds: float) -> None:
        return None

    box = Outbox(on_blocked, pace=pace, sleep=sleep)
    assert await box.call(5, Script(NetworkError("Bad Gateway"))) == "sent"
    assert await box.call(5, Script(), message=False) == "sent"
    assert turns == [5, 5]  # the retry waited its turn in the chat too
