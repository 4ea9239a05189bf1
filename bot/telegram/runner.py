"""Run the bot on Telegram, by long polling or by webhook, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update

from bot.app import open_core
from bot.config import Settings
from bot.telegram.application import build_application, start_services, stop_services

log = logging.getLogger(__name__)


def run_telegram(settings: Settings) -> int:
    """Run until stopped; the exit code for the shell."""
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:
        pass
    return 0


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Start the bot and keep it running until `stop` is set (or a signal arrives)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    try:
        await _serve(settings, stop)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


async def _serve(settings: Settings, stop: asyncio.Event) -> None:
    async with open_core(settings) as core:
        app = build_application(core)
        async with app:
            await start_services(app, core)
            await app.start()
            assert app.updater is not None
            if settings.webhook_url:
                await app.updater.start_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    url_path="telegram",
                    webhook_url=settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                )
                log.info(
                    "webhook listening on %s:%s", settings.webhook_listen, settings.webhook_port
                )
            else:
                await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
                log.info("polling Telegram as @%s", app.bot.username)
            await stop.wait()
            await stop_services(app)
            await app.updater.stop()
            await app.stop()
            log.info("stopped cleanly")
