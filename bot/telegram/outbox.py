"""Every reply to Telegram goes through here: one policy for waits, retries and blocked bots.

Broadcasts follow the same rules through their own port (bot/telegram/outbound.py), where the
sender keeps the ledger.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram.http import Interrupted, NotSent

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Pace = Callable[[int], AbstractAsyncContextManager[None]]

# Answers Telegram gives for a chat that will never receive anything from us again.
GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")


class Blocked(Exception):
    """The resident blocked the bot (or deleted their account): stop writing to them."""


class GaveUp(Exception):
    """Telegram could not be reached within the bounded retries; the message was dropped.
    Not a fault of ours, so nobody is told "something went wrong" for it."""


def maybe_sent(exc: Exception) -> bool:
    """True when a failed request may still have reached Telegram (and been acted on)."""
    return isinstance(exc, TimedOut | Interrupted) and not isinstance(exc, NotSent)


class Outbox:
    """Calls the Bot API with Telegram's rules for failures.

    - RetryAfter (429): every message of the bot waits as long as Telegram says (through
      `pause`), then this one is tried again; a bounded number of times.
    - Server errors (5xx) and requests that never left: back off (0.5 s, 1 s, 2 s, ..., each
      with jitter) a bounded number of times.
    - A timeout or a broken connection after a message went out: not sent again, since
      Telegram may have delivered it and a resident must never see it twice. Edits and answers
      to button presses are retried: doing them twice changes nothing.
    - Forbidden (403) or a chat that is gone: report through `on_blocked`, raise Blocked.
    - "message is not modified": the edit was already made; treated as success.
    Every new message takes its turn from `pace`: the bot's overall rate, and one a second in
    its chat, retries included.
    """

    def __init__(
        self,
        on_blocked: Callable[[int], Awaitable[None]],
        *,
        pace: Pace | None = None,
        pause: Callable[[float], None] | None = None,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.on_blocked = on_blocked
        self.pace = pace
        self.pause = pause
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.jitter = jitter

    async def call(
        self, chat_id: int, make: Callable[[], Awaitable[T]], *, message: bool = True
    ) -> T | None:
        """Run `make()` (a fresh Bot API call each try); None if an edit changed nothing or a
        message may have arrived without an answer. `message` says whether the call sends a
        new message (paced, and never repeated once it may have arrived)."""
        failures = 0
        while True:
            try:
                turn = self.pace(chat_id) if message and self.pace is not None else nullcontext()
                async with turn:
                    return await make()
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                if self.pause is not None:
                    self.pause(wait)  # every message waits, a word of apology included
                failures += 1
                if failures > self.max_retries or wait > self.max_retry_after:
                    raise GaveUp(f"chat {chat_id}: rate limited {failures} times") from None
                log.warning("Telegram asked us to wait %.1f s (chat %s)", wait, chat_id)
                await self.sleep(wait)
            except Forbidden:
                await self._blocked(chat_id)
            except BadRequest as exc:
                said = exc.message.lower()
                if "not modified" in said:
                    return None
                if any(gone in said for gone in GONE):
                    await self._blocked(chat_id)
                raise
            except NetworkError as exc:  # includes TimedOut, and Telegram's 5xx answers
                if message and maybe_sent(exc):
                    log.warning(
                        "chat %s: no answer to a message that may have arrived (%s); "
                        "not sending it again",
                        chat_id,
                        type(exc).__name__,
                    )
                    return None
                failures += 1
                if failures > self.max_retries:
                    raise GaveUp(f"chat {chat_id}: {type(exc).__name__} {failures} times") from None
                delay = self.backoff * 2 ** (failures - 1) * (0.5 + self.jitter())
                log.warning("Telegram failed (%s); retry in %.2f s", type(exc).__name__, delay)
                await self.sleep(delay)

    async def _blocked(self, chat_id: int) -> None:
        log.info("chat %s has blocked the bot or is gone; marking unreachable", chat_id)
        await self.on_blocked(chat_id)
        raise Blocked(chat_id) from None


def _seconds(value: timedelta | int) -> float:
    # With PTB_TIMEDELTA set (bot/telegram/__init__.py) this is a timedelta; an int is
    # accepted too in case the environment says otherwise.
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
