"""Broadcast messages through the Bot API, with Telegram's errors turned into the sender's.

A photo many recipients get (a round's chart in one language) is uploaded once: Telegram's
answer carries a file_id, which every later recipient is sent instead of the bytes. The
file_id is kept in the database, so a restart does not upload it again either.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram import Message as TgMessage
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.jobs.outbound import InDoubt, OutMessage, RateLimited, SendFailed, Unreachable
from bot.store import media
from bot.store.db import Database
from bot.telegram import rawcall
from bot.telegram.http import Interrupted, NotSent
from bot.telegram.outbox import GONE

log = logging.getLogger(__name__)

CHANNEL = "telegram"
# Answers that mean a file_id is not (or no longer) usable by this bot.
_BAD_FILE = ("wrong file identifier", "file reference", "wrong remote file", "file_id")


class TelegramOutbound:
    """The sender's port to Telegram. `paid` sets allow_paid_broadcast (up to 1000/s)."""

    def __init__(
        self,
        bot: Bot,
        *,
        paid: bool = False,
        db: Database | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.bot = bot
        self.paid = paid
        self.db = db
        self.clock = clock
        self.uploads = 0  # photos sent as bytes (for the benchmarks and the logs)
        self._file_ids: dict[str, str] = {}
        self._uploading: dict[str, asyncio.Future[str | None]] = {}

    async def send(self, chat_id: str, message: OutMessage) -> None:
        """Send one message or raise RateLimited / Unreachable / SendFailed / InDoubt."""
        try:
            if message.photo is not None:
                await self._photo(int(chat_id), message)
                return
            # The sender splits long texts, so each piece gets its own turn (one a second).
            await rawcall.send_message(
                self.bot,
                int(chat_id),
                message.text,
                _markup(message),
                allow_paid_broadcast=self._paid(),
            )
        except NotSent as exc:  # before TimedOut: a pool or connect timeout sent nothing
            raise SendFailed(type(exc).__name__) from None
        except (TimedOut, Interrupted):
            # Telegram may have it: sending it again could mean sending it twice.
            raise InDoubt(chat_id) from None
        except RetryAfter as exc:
            wait = exc.retry_after
            raise RateLimited(
                wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            ) from None
        except Forbidden:
            raise Unreachable(chat_id) from None
        except BadRequest as exc:
            if any(gone in exc.message.lower() for gone in GONE):
                raise Unreachable(chat_id) from None
            raise SendFailed(exc.message) from None
        except TelegramError as exc:  # network errors, server errors
            raise SendFailed(f"{type(exc).__name__}: {exc.message}") from None

    def _paid(self) -> bool | None:
        return True if self.paid else None

    async def _photo(self, chat_id: int, message: OutMessage) -> None:
        key = message.photo_key
        file_id = await self._known(key) if key else None
        if key and file_id is None:
            # An upload may have finished while the database was read.
            file_id = self._file_ids.get(key)
        if key and file_id is None and key in self._uploading:
            # Another recipient's message is uploading this photo right now: wait for its
            # file_id rather than upload the same bytes again (None: it failed; upload here).
            file_id = await asyncio.shield(self._uploading[key])
        if file_id is not None:
            try:
                await self._send_photo(chat_id, file_id, message)
                return
            except BadRequest as exc:
                if not any(bad in exc.message.lower() for bad in _BAD_FILE):
                    raise
                log.warning("photo %s: Telegram no longer knows its file_id; uploading again", key)
                await self._forget(key)
        await self._upload(chat_id, message, key)

    async def _upload(self, chat_id: int, message: OutMessage, key: str | None) -> None:
        assert message.photo is not None
        pending: asyncio.Future[str | None] | None = None
        if key is not None and key not in self._uploading:
            pending = self._uploading[key] = asyncio.get_running_loop().create_future()
        file_id: str | None = None
        try:
            self.uploads += 1
            sent = await self._send_photo(chat_id, message.photo, message)
            if key is not None and isinstance(sent, TgMessage) and sent.photo:
                file_id = sent.photo[-1].file_id
                await self._remember(key, file_id)
        finally:
            if pending is not None:
                pending.set_result(file_id)
                del self._uploading[key]  # type: ignore[arg-type]

    async def _send_photo(self, chat_id: int, photo: str | bytes, message: OutMessage) -> object:
        if isinstance(photo, str):  # a file_id: nothing to upload, and no answer needed
            return await rawcall.call(
                self.bot,
                "sendPhoto",
                {
                    "chat_id": chat_id,
                    "photo": photo,
                    "caption": message.text or None,
                    "reply_markup": _markup(message),
                    "allow_paid_broadcast": self._paid(),
                },
            )
        return await self.bot.send_photo(
            chat_id,
            photo=photo,
            caption=message.text or None,
            reply_markup=_keyboard(message),
            allow_paid_broadcast=self._paid(),
        )

    async def _known(self, key: str) -> str | None:
        found = self._file_ids.get(key)
        if found is None and self.db is not None:
            found = await self.db.read(media.file_id, key, CHANNEL)
            if found is not None:
                self._file_ids[key] = found
            # An upload may have finished while the database was read (before it was written).
            found = found or self._file_ids.get(key)
        return found

    async def _remember(self, key: str, file_id: str) -> None:
        self._file_ids[key] = file_id
        if self.db is not None:
            await self.db.write(media.remember, key, CHANNEL, file_id, self.clock().isoformat())

    async def _forget(self, key: str | None) -> None:
        if key is None:
            return
        self._file_ids.pop(key, None)
        if self.db is not None:
            await self.db.write(media.forget, key, CHANNEL)


def _markup(message: OutMessage) -> dict[str, object] | None:
    """The buttons as the Bot API's inline keyboard, one a row."""
    if not message.buttons:
        return None
    rows = [[{"text": label, "callback_data": data}] for label, data in message.buttons]
    return {"inline_keyboard": rows}


def _keyboard(message: OutMessage) -> InlineKeyboardMarkup | None:
    markup = _markup(message)
    return InlineKeyboardMarkup.de_json(markup, None) if markup else None
