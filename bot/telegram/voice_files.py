"""Residents' voice notes fetched from Telegram (getFile, then the file itself), for the staff
dashboard to play in the page."""

from __future__ import annotations

from telegram import Bot
from telegram.error import TelegramError


class TelegramVoiceFiles:
    """The dashboard's source of recordings while the bot runs with a token."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def fetch(self, file_id: str) -> bytes:
        """The recording; LookupError when Telegram no longer has it (or never had it)."""
        try:
            found = await self.bot.get_file(file_id)
            return bytes(await found.download_as_bytearray())
        except TelegramError as exc:
            raise LookupError(str(exc)) from exc
