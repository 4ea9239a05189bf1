"""Offline Telegram Bot API double shared by the test suite and the benchmarks.

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

from tests.double.api import (
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
from tests.double.app import double_builder, echo_application, running
from tests.double.request import DoubleRequest
from tests.double.server import DoubleServer

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
