"""An offline Telegram Bot API double: test equipment shared by tests/ and bench/ (not a test).

Typical use::

    api = FakeBotAPI()
    app = double_builder(api).build()          # in-process transport
    async with running(app):
        api.send_text(1001, "hello")
        [reply] = await api.wait_sent(1001, 1)

or over HTTP::

    async with DoubleServer(api) as server:
        app = ApplicationBuilder().token(TEST_TOKEN).base_url(server.base_url).build()
"""

from __future__ import annotations

from tgdouble.api import (
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    TEST_TOKEN,
    CallbackAnswer,
    CallRecord,
    FakeBotAPI,
    Fault,
    Limits,
    SentMessage,
    Stats,
    decode_params,
)
from tgdouble.app import double_builder, echo_application, running
from tgdouble.request import DoubleRequest
from tgdouble.server import DoubleServer

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "TEST_TOKEN",
    "CallRecord",
    "CallbackAnswer",
    "DoubleRequest",
    "DoubleServer",
    "FakeBotAPI",
    "Fault",
    "Limits",
    "SentMessage",
    "Stats",
    "decode_params",
    "double_builder",
    "echo_application",
    "running",
]
