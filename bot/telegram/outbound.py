"""Broadcast messages through the Bot API, with Telegram's errors turned into the sender's."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.jobs.outbound import InDoubt, OutMessage, RateLimited, SendFailed, Unreachable

# Answers Telegram gives for a chat that will never receive anything from us again.
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")


class TelegramOutbound:
    """The sender's port to Telegram. `paid` sets allow_paid_broadcast (up to 1000/s)."""

    def __init__(self, bot: Bot, *, paid: bool = False) -> None:
        self.bot = bot
        self.paid = paid

    async def send(self, chat_id: str, message: OutMessage) -> None:
        """Send one message or raise RateLimited / Unreachable / SendFailed."""
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data)]
                    for label, data in message.buttons
                ]
            )
            if message.buttons
            else None
        )
        paid = True if self.paid else None
        try:
            if message.photo is not None:
                await self.bot.send_photo(
                    int(chat_id),
                    photo=message.photo,
                    caption=message.text or None,
                    reply_markup=markup,
                    allow_paid_broadcast=paid,
                )
                return
            # The sender splits long texts, so each piece gets its own turn (one a second).
            await self.bot.send_message(
                int(chat_id), message.text, reply_markup=markup, allow_paid_broadcast=paid
            )
        except TimedOut:
            raise InDoubt(chat_id) from None
        except RetryAfter as exc:
            wait = exc.retry_after
            raise RateLimited(
                wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            ) from None
        except Forbidden:
            raise Unreachable(chat_id) from None
        except BadRequest as exc:
            if any(gone in exc.message.lower() for gone in _GONE):
                raise Unreachable(chat_id) from None
            raise SendFailed(exc.message) from None
        except TelegramError as exc:  # NetworkError, TimedOut, server errors
            raise SendFailed(f"{type(exc).__name__}: {exc.message}") from None
