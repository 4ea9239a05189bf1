"""Our Bot API transport, opened and closed around a test, and a message to send through it
(shared by test_http.py and test_keepalive.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.http import AiohttpRequest


def message(chat: int, text: str = "hi") -> RequestData:
    """A sendMessage's fields."""
    return RequestData(
        [RequestParameter("chat_id", chat, None), RequestParameter("text", text, None)]
    )


@asynccontextmanager
async def transport(**options: float | int) -> AsyncIterator[AiohttpRequest]:
    """An initialised AiohttpRequest with these options, shut down afterwards."""
    request = AiohttpRequest(**options)  # type: ignore[arg-type]
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()
