"""Build the python-telegram-bot Application: handlers, ordering, commands."""

from __future__ import annotations

import asyncio
import gc
import logging
from http import HTTPStatus

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.app import Core, Services, make_pacer
from bot.i18n.catalogs import SOURCE_LOCALE
from bot.i18n.markers import N_
from bot.staff.staffing import BOT_USERNAME
from bot.store import kept
from bot.telegram.broadcasting import BroadcastDesk
from bot.telegram.champion_staff import ChampionStaff
from bot.telegram.channel import TelegramChannel, make_outbox
from bot.telegram.http import AiohttpRequest, UpdatesRequest
from bot.telegram.kinds import UpdateKinds
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.outbound import TelegramOutbound
from bot.telegram.routing import CommandRouter
from bot.telegram.staff import StaffCommands
from bot.telegram.support_alerts import AlertReply, SupportAlerts

log = logging.getLogger(__name__)

GC_THRESHOLDS = (20_000, 20, 10)

# (command, description): registered with setMyCommands in every language we have.
COMMANDS = (
    ("start", N_("Start, or carry on where you left off")),
    ("menu", N_("Choose what to do")),
    ("language", N_("Change language")),
    ("cancel", N_("Stop the current questions (answers are kept)")),
    ("help", N_("How to use this bot")),
    ("privacy", N_("How we use your answers")),
    ("mydata", N_("Get a copy of your data")),
    ("delete", N_("Delete everything we keep about you")),
    ("stop", N_("No more news from us")),
)
# Champions' own commands: not in everyone's menu (the champions flow tells champions).
CHAMPION_COMMANDS = ("mylink", "myposter", "mystats", "support")


def build_application(
    core: Core,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    processor: BaseUpdateProcessor | None = None,
) -> Application:  # type: ignore[type-arg]
    """The bot's Application, talking to `TELEGRAM_API_BASE_URL` (or through `request`)."""
    settings = core.settings
    assert settings.bot_token, "a token is needed to talk to Telegram"
    quiet_http_logs()
    # Any answer 401 means the token is dead: the runner stops the bot rather than poll on deaf.
    rejected = asyncio.Event()

    def watch(status: int) -> None:
        if status == HTTPStatus.UNAUTHORIZED:
            rejected.set()

    keepalive = settings.bot_api_keepalive
    updates = get_updates_request or UpdatesRequest(
        connection_limit=1, on_status=watch, json_over_keepalive=keepalive
    )
    processor = processor or PerChatUpdateProcessor()
    if isinstance(processor, PerChatUpdateProcessor) and isinstance(updates, UpdatesRequest):
        processor.last_fetched = lambda: updates.last_update_id
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .concurrent_updates(processor)
        .request(request or AiohttpRequest(on_status=watch, json_over_keepalive=keepalive))
        .get_updates_request(updates)
    )
    app = builder.build()
    app.bot_data["token_rejected"] = rejected
    # One pacer for every message the bot sends: replies here, broadcasts in the services.
    pacer = make_pacer(core)
    app.bot_data["pacer"] = pacer
    # Every reply, staff's included, keeps the same rules: waits, retries, one a second a chat.
    outbox = make_outbox(core.host, pacer)
    app.bot_data["outbox"] = outbox
    app.add_handler(TypeHandler(Update, UpdateKinds(core.host, core.catalogs, outbox).sort), -1)
    champions = ChampionStaff(core)
    alerts = SupportAlerts(app.bot, core, champions, outbox)
    channel = TelegramChannel(
        app.bot, core.host, core.catalogs, outbox, on_recorded=alerts.recorded
    )
    staff = StaffCommands(core, champions, outbox)
    staff.add_to(app)  # before the residents' handlers, which catch every other command
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.TEXT
            & ~filters.COMMAND
            & ~filters.UpdateType.EDITED
            & AlertReply(),
            alerts.on_reply,
        )
    )
    app.bot_data["staff"] = staff
    app.bot_data["alerts"] = alerts
    desk = BroadcastDesk(app, core, staff, outbox)
    desk.add_to(app)
    app.bot_data["desk"] = desk
    add_handlers(app, channel)
    return app


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def add_handlers(app: Application, channel: TelegramChannel) -> None:  # type: ignore[type-arg]
    """Route a resident's private updates (the only ones UpdateKinds lets through)."""
    private = filters.ChatType.PRIVATE
    names = [*(name for name, _ in COMMANDS), *CHAMPION_COMMANDS]
    commands = {name: getattr(channel, f"on_{name}") for name in names}
    app.add_handler(CommandRouter(commands, filters=private & ~filters.UpdateType.EDITED))
    app.add_handler(CallbackQueryHandler(channel.on_button))
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED, channel.on_edited))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, channel.on_text))
    app.add_handler(MessageHandler(private & filters.LOCATION, channel.on_location))
    app.add_handler(MessageHandler(private & filters.VOICE, channel.on_voice))
    # Anything else a resident sends in private (stickers, photos, polls, unknown commands).
    app.add_handler(MessageHandler(private, channel.on_unsupported))
    app.add_error_handler(channel.on_error)


async def start_services(app: Application, core: Core) -> Services:  # type: ignore[type-arg]
    """Once the Application has started: the command menus, champion links' username, and
    the scheduled work (which first catches up on anything that came due while down)."""
    await register_commands(app, core)
    desk = app.bot_data["desk"]
    assert isinstance(desk, BroadcastDesk)
    outbound = TelegramOutbound(
        app.bot, paid=core.settings.paid_broadcast, db=core.db, clock=core.clock
    )
    services = Services(
        core, {"telegram": outbound}, on_progress=desk.progress, pacer=app.bot_data["pacer"]
    )
    alerts = app.bot_data["alerts"]
    assert isinstance(alerts, SupportAlerts)
    services.jobs.also.append(alerts.send_pending)  # requests staff have not heard of yet
    desk.services = services
    app.bot_data["services"] = services
    await services.start()
    # Everything alive now (modules, flows, catalogs) lives as long as the bot: moving it out
    # of the collector's sight keeps its full passes short, and with them the pauses that
    # otherwise hold up every resident's reply for tens of milliseconds.
    gc.collect()
    gc.freeze()
    # Young collections less often. At the default (every 700 new objects) a broadcast
    # message's objects (its task, its request) lived through two and reached the oldest
    # generation, whose full passes then came every 2.5 s at 1,000 messages a second and
    # stopped the event loop for 50-80 ms each (3% of the rate); now most are gone before
    # their second (3 full passes in a broadcast to 97,000 people, not 40).
    gc.set_threshold(*GC_THRESHOLDS)
    return services


async def stop_services(app: Application) -> None:  # type: ignore[type-arg]
    """Stop the scheduled work before the Application stops."""
    services = app.bot_data.get("services")
    if isinstance(services, Services):
        await services.stop()


async def register_commands(app: Application, core: Core) -> None:  # type: ignore[type-arg]
    """After getMe: the command menu in every language (and staff's own), and the username
    champion links are made with."""
    for code in core.catalogs.available():
        tr = core.catalogs.get(code)
        commands = [BotCommand(name, tr.gettext(text)) for name, text in COMMANDS]
        # The source language's list is the default for every language without its own.
        language = None if code == SOURCE_LOCALE else code
        await app.bot.set_my_commands(commands, language_code=language)
    staff = app.bot_data.get("staff")
    if isinstance(staff, StaffCommands):
        await staff.register(app)
    if app.bot.username:
        if core.settings.bot_username and core.settings.bot_username != app.bot.username:
            # Posters printed from the command line would open another bot.
            log.warning(
                "BOT_USERNAME is %s but Telegram says this bot is %s: fix BOT_USERNAME",
                core.settings.bot_username,
                app.bot.username,
            )
        core.host.bot_username = app.bot.username
        # For invitation links made on the command line, where the bot is not asked.
        now = core.clock().isoformat()
        await core.db.write(kept.put, BOT_USERNAME, app.bot.username, now)
