"""The port broadcasts are sent through; the Telegram adapter implements it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutMessage:
    """One message to one chat: text (a caption when there is a photo) and optional buttons.

    Button data is (label, callback data) and must already fit Telegram's 64 bytes.
    `photo_key` names the photo when many recipients get the same one, so a channel can send
    it once and refer to it afterwards (Telegram: its file_id). `asks` names the host
    question its buttons answer, when words typed in reply may answer it too.
    """

    text: str
    photo: bytes | None = None
    buttons: tuple[tuple[str, str], ...] = ()
    photo_key: str | None = None
    asks: str | None = None


class RateLimited(Exception):
    """Telegram said to wait `seconds` before sending anything more."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited for {seconds} s")
        self.seconds = seconds


class Unreachable(Exception):
    """The participant blocked the bot or left Telegram: never retried."""


class SendFailed(Exception):
    """Anything else (network, server error): retried a few times with backoff."""


class InDoubt(Exception):
    """No answer in time: Telegram may well have delivered it, so it is never retried."""


class Outbound(Protocol):
    """Sends one message to one chat, raising the errors above."""

    async def send(self, chat_id: str, message: OutMessage) -> None:
        """Send or raise RateLimited / Unreachable / SendFailed."""
        ...
