"""Every call to Telegram goes through here: rate-limit waits, bounded retries, blocked bots."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class Blocked(Exception):
    """The resident blocked the bot (or deleted their account): stop writing to them."""


class Outbox:
    """Calls the Bot API with Telegram's rules for failures.

    - RetryAfter (429): wait as long as Telegram says, then try again.
    - Network errors and timeouts: back off (0.5 s, 1 s, 2 s, ...) a bounded number of times.
    - Forbidden (403): report through `on_blocked` and raise Blocked; never retried.
    - "message is not modified": the edit was already made; treated as success.
    """

    def __init__(
        self,
        on_blocked: Callable[[int], Awaitable[None]],
        *,
        pace: Callable[[], AbstractAsyncContextManager[None]] | None = None,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.on_blocked = on_blocked
        # Every new message counts in the bot's overall rate, shared with broadcasts (which
        # give way to replies); edits and answers to button presses do not.
        self.pace = pace
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep

    async def call(
        self, chat_id: int, make: Callable[[], Awaitable[T]], *, message: bool = True
    ) -> T | None:
        """Run `make()` (a fresh Bot API call each try); None if an edit changed nothing.
        `message` says whether the call sends a new message (counted in the overall rate)."""
        failures = 0
        while True:
            try:
                turn = self.pace() if message and self.pace is not None else nullcontext()
                async with turn:
                    return await make()
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                failures += 1
                if failures > self.max_retries or wait > self.max_retry_after:
                    raise
                log.warning("Telegram asked us to wait %.1f s (chat %s)", wait, chat_id)
                await self.sleep(wait)
            except Forbidden:
                log.info("chat %s has blocked the bot; marking unreachable", chat_id)
                await self.on_blocked(chat_id)
                raise Blocked(chat_id) from None
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return None
                raise
            except NetworkError as exc:  # includes TimedOut
                failures += 1
                if failures > self.max_retries:
                    raise
                delay = self.backoff * 2 ** (failures - 1)
                log.warning("network error talking to Telegram (%s); retry in %.1f s", exc, delay)
                await self.sleep(delay)


def _seconds(value: timedelta | int) -> float:
    # With PTB_TIMEDELTA set (bot/telegram/__init__.py) this is a timedelta; an int is
    # accepted too in case the environment says otherwise.
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
