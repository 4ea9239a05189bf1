"""Run the bot on Telegram, by long polling or by webhook, until SIGINT/SIGTERM.

A token Telegram rejects (revoked, or mistyped) stops the bot with a clear message and a
non-zero exit code, whether it is found at start (getMe) or later (any call answered 401):
a bot that polls on with a dead token hears nothing, and a supervisor only restarts a process
that has ended.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.app import Core, Services, announce_dashboard, dashboard, open_core
from bot.config import Settings
from bot.telegram.application import build_application, start_services, stop_services
from bot.telegram.champion_notice import ChampionNotice
from bot.telegram.voice_files import TelegramVoiceFiles

log = logging.getLogger(__name__)

# The exit code when Telegram rejects the token (2 is a setting the bot cannot use).
TOKEN_REJECTED_EXIT = 3
TOKEN_REJECTED = (
    "Telegram rejected the bot token (401 Unauthorized): it was revoked, or it is mistyped. "
    "Ask @BotFather for the current token, put it in BOT_TOKEN and start the bot again."
)


class TokenRejected(Exception):
    """Telegram answered 401: the token no longer works."""


def run_telegram(settings: Settings) -> int:
    """Run until stopped; the exit code for the shell."""
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:
        pass
    except (TokenRejected, InvalidToken):
        # Never the exception's own words: PTB puts the token in them.
        log.critical("%s", TOKEN_REJECTED)
        print(TOKEN_REJECTED, file=sys.stderr)
        return TOKEN_REJECTED_EXIT
    except TelegramError as exc:
        # Telegram unreachable at start (its error text may echo the request path, token
        # and all: the log redacts it). A supervisor starts the bot again.
        log.critical("could not start: Telegram did not answer (%s: %s)", type(exc).__name__, exc)
        return 1
    return 0


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Start the bot and keep it running until `stop` is set (or a signal arrives); raises
    TokenRejected if Telegram rejects the token meanwhile."""
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
        rejected = app.bot_data["token_rejected"]
        async with app:
            services = await start_services(app, core)
            await app.start()
            try:
                await _listen(app, core, services, stop, rejected)
            finally:
                # Also when listening failed: an Application left running hides the error
                # behind PTB's "This Application is still running!".
                await stop_services(app)
                await _stop_updates(app)
                await app.stop()
            if not rejected.is_set():
                log.info("stopped cleanly")
    if rejected.is_set():
        raise TokenRejected()


async def _listen(
    app: Application,  # type: ignore[type-arg]
    core: Core,
    services: Services,
    stop: asyncio.Event,
    rejected: asyncio.Event,
) -> None:
    """Take updates (polling or webhook) and serve the dashboard until told to stop."""
    settings = core.settings
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
        log.info("webhook listening on %s:%s", settings.webhook_listen, settings.webhook_port)
    else:
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("polling Telegram as @%s", app.bot.username)
    notice = ChampionNotice(app.bot, core.host, app.bot_data["outbox"])
    voice = TelegramVoiceFiles(app.bot)
    async with dashboard(core, services, voice, notice.tell) as web:
        if web:
            # A sign-in link only to a terminal: not into a service's logs.
            await announce_dashboard(core, web, with_link=sys.stdout.isatty())
        await _first(stop.wait(), rejected.wait())


async def _stop_updates(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    if not app.updater.running:
        return
    try:
        await app.updater.stop()
    except TelegramError as exc:
        # Polling already ended on the rejected token: stopping it says so again.
        log.info("polling had stopped: %s", type(exc).__name__)


async def _first(*waits: Coroutine[Any, Any, object]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
