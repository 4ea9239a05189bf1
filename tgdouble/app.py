"""Helpers to run real PTB Applications against the double."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from tgdouble.api import TEST_TOKEN, FakeBotAPI
from tgdouble.request import DoubleRequest
from tgdouble.server import DoubleServer

__all__ = ["double_builder", "echo_application", "running"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def double_builder(
    target: FakeBotAPI | DoubleServer,
    token: str = TEST_TOKEN,
    *,
    read_timeout: float | None = 5.0,
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ApplicationBuilder wired to the double, in-process (API) or over HTTP (server)."""
    builder = ApplicationBuilder().token(token)
    if isinstance(target, DoubleServer):
        return (
            builder.base_url(target.base_url)
            .base_file_url(target.base_file_url)
            .read_timeout(read_timeout)
            .get_updates_read_timeout(read_timeout)
        )
    # PTB wants two request objects: getUpdates long polls must not block other calls.
    return builder.request(DoubleRequest(target, read_timeout=read_timeout)).get_updates_request(
        DoubleRequest(target, read_timeout=read_timeout)
    )


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text, do_quote=False)


def echo_application(
    token: str = TEST_TOKEN,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    *,
    api: FakeBotAPI | None = None,
    base_file_url: str | None = None,
    concurrent_updates: bool | int = False,
) -> AnyApplication:
    """A bare PTB echo bot (the throughput baseline) reaching the double however given."""
    builder = ApplicationBuilder().token(token).concurrent_updates(concurrent_updates)
    if base_url is not None:
        builder = builder.base_url(base_url)
    if base_file_url is not None:
        builder = builder.base_file_url(base_file_url)
    if request is not None:
        builder = builder.request(request)
        if isinstance(request, DoubleRequest):
            builder = builder.get_updates_request(
                DoubleRequest(request.api, read_timeout=request.read_timeout)
            )
    elif api is not None:
        builder = builder.request(DoubleRequest(api)).get_updates_request(DoubleRequest(api))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return application


@asynccontextmanager
async def running(
    app: AnyApplication,
    *,
    poll_interval: float = 0.0,
    timeout: int = 1,  # noqa: ASYNC109 - the getUpdates long-poll timeout, not a deadline
    allowed_updates: Sequence[str] | None = None,
    drop_pending_updates: bool | None = None,
) -> AsyncIterator[AnyApplication]:
    """Initialize, start and poll ``app`` like run_polling, without signals or blocking."""
    if app.updater is None:
        raise RuntimeError("running() needs an Application with an Updater")
    await app.initialize()
    try:
        await app.start()
        try:
            await app.updater.start_polling(
                poll_interval=poll_interval,
                timeout=dtm.timedelta(seconds=timeout),
                allowed_updates=allowed_updates,
                drop_pending_updates=drop_pending_updates,
            )
            try:
                yield app
            finally:
                if app.updater.running:
                    await app.updater.stop()
        finally:
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
