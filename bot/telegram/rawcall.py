"""Bot API calls whose answer the bot does not need as python-telegram-bot objects.

PTB builds its request from objects and a `Message` from every answer (`Message.de_json`
alone was a tenth of the bot's CPU in a broadcast at 1,000 messages a second). A broadcast
message needs neither: it goes through the bot's own request object, so over the same
transport, with the same timeouts, and Telegram's answers raise the same PTB errors
(RetryAfter, Forbidden, BadRequest, TimedOut...); only the fields are written here in the
Bot API's form, and the answer comes back as the API's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Bot, TelegramObject
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter


def _fields(fields: Mapping[str, object]) -> RequestData:
    # RequestData is final and takes PTB's RequestParameter (not exported by telegram.request,
    # but what every Bot method builds; the tests run every broadcast through it).
    return RequestData(
        [RequestParameter(name, value, None) for name, value in fields.items() if value is not None]
    )


async def call(bot: Bot, method: str, fields: Mapping[str, object]) -> Any:
    """Call `method` (e.g. "sendMessage") with `fields` (None values left out); returns the
    answer's `result` as JSON, or raises what PTB raises for the same answer."""
    return await bot.request.post(f"{bot.base_url}/{method}", _fields(fields))


Markup = TelegramObject | Mapping[str, object] | None


def _markup(markup: Markup) -> object:
    return markup.to_dict() if isinstance(markup, TelegramObject) else markup


async def send_message(
    bot: Bot, chat_id: int, text: str, markup: Markup = None, **more: object
) -> Any:
    """sendMessage (`more`: other fields, e.g. allow_paid_broadcast); the answer is the sent
    message as JSON (its "message_id" and so on)."""
    fields = {"chat_id": chat_id, "text": text, "reply_markup": _markup(markup), **more}
    return await call(bot, "sendMessage", fields)


async def edit_message_text(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: Markup = None
) -> Any:
    """editMessageText (no markup: the buttons are taken away)."""
    return await call(
        bot,
        "editMessageText",
        {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "reply_markup": _markup(markup),
        },
    )
