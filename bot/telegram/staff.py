"""Staff commands in Telegram: the same actions as `community-voice admin`, for the user ids in
STAFF_TELEGRAM_IDS only. Anyone else is told politely that the command is not for them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.host.host import Host
from bot.i18n.catalogs import Catalogs
from bot.i18n.markers import N_
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.desk import StaffDesk
from bot.staff.listings import LISTINGS
from bot.staff.parsing import split_translations, texts
from bot.store import champions
from bot.telegram.champion_staff import COMMANDS as CHAMPION_COMMANDS
from bot.telegram.champion_staff import Answer, ChampionStaff
from bot.telegram.keyboards import split_text
from bot.telegram.outbox import Outbox

log = logging.getLogger(__name__)

NOT_STAFF = N_("Sorry, only staff can do that. Send /menu to see what you can do.")
NOW_CHAMPION = N_(
    "Good news: you are now a community champion! Thank you. Here is your own link. "
    "When people join through it, we know they came through you:\n{link}"
)

# command: (usage, what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "staff": ("", "list the staff commands"),
    "broadcast": (
        "AUDIENCE [at=...] [spread=H] [template=NAME]",
        "send a message to many (message on the next lines)",
    ),
    "rounds": ("", "list rounds"),
    "round_open": (
        "DATE [question]",
        "open a round until DATE (YYYY-MM-DD) with the default topics; "
        "add lines like 'cy: ...' for translations",
    ),
    "round_close": ("ROUND", "close a round now"),
    "results": ("ROUND", "a round's ranked topics"),
    "topic_add": ("ROUND label", "add a topic to an open round"),
    "initiatives": ("", "list initiatives"),
    "initiative_add": ("TOPIC,TOPIC title", "record an initiative answering those topics"),
    "initiative_update": (
        "ID STATUS|- [what we did]",
        "planned, active, paused or finished; '-' keeps the status",
    ),
    "measures": ("", "list measures and their votes"),
    "measure_add": ("INITIATIVE text", "add an agreed measure to an evaluation plan"),
    "measure_adopt": ("ID", "adopt a measure residents proposed"),
    "measure_reject": ("ID", "reject a proposed measure"),
    "champions": ("", "list champions"),
    "champion_approve": ("ID", "approve a champion and send them their link"),
    **CHAMPION_COMMANDS,
    "assets": ("", "list assets"),
    "asset_verify": ("ID", "mark an asset verified"),
    "asset_hide": ("ID", "hide an asset"),
}

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class StaffCommands:
    """Parses staff commands, checks who sent them, and reports back in plain English."""

    def __init__(
        self,
        staff_ids: frozenset[int],
        desk: StaffDesk,
        host: Host,
        catalogs: Catalogs,
        champions: ChampionStaff,
        outbox: Outbox,
    ) -> None:
        self.outbox = outbox
        self.staff_ids = staff_ids
        self.desk = desk
        self.host = host
        self.catalogs = catalogs
        self.champions = champions

    def add_to(self, app: Application) -> None:  # type: ignore[type-arg]
        """Register every staff command (before the residents' catch-all handler)."""
        private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
        for name in COMMANDS:
            if name != "broadcast":  # its own handler: bot/telegram/broadcasting.py
                app.add_handler(CommandHandler(name, self._guarded(name), filters=private))

    async def register(self, app: Application) -> None:  # type: ignore[type-arg]
        """Show the staff commands in the command menu of staff chats only."""
        commands = [BotCommand(name, text[:256]) for name, (_, text) in COMMANDS.items()]
        for staff_id in sorted(self.staff_ids):
            try:
                await app.bot.set_my_commands(commands, scope=BotCommandScopeChat(staff_id))
            except TelegramError as exc:
                # Usually: they have not opened a chat with the bot yet. Their commands still
                # work; only the menu waits until the next start.
                log.warning("staff menu not set for user %s: %s", staff_id, exc)

    def _guarded(self, name: str) -> Handler:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            user = update.effective_user
            message = update.effective_message
            if user is None or message is None:
                return
            if user.id not in self.staff_ids:
                log.info("staff command refused for a non-staff user")
                tr = self.catalogs.get(self.catalogs.negotiate(user.language_code))
                await self.outbox.call(
                    message.chat_id, partial(message.reply_text, tr.gettext(NOT_STAFF))
                )
                return
            text = (message.text or "").split(maxsplit=1)
            body = text[1] if len(text) > 1 else ""
            actor = Actor(f"tg:{user.id}", Role.ADMIN, "telegram")
            try:
                answer = await self._do(actor, name, body, context)
            except StaffError as exc:
                answer = f"Not done: {exc}"
            files = answer.files if isinstance(answer, Answer) else []
            for piece in split_text(answer.text if isinstance(answer, Answer) else answer):
                await self.outbox.call(message.chat_id, partial(message.reply_text, piece))
            for filename, data in files:
                await self.outbox.call(
                    message.chat_id, partial(message.reply_document, data, filename=filename)
                )

        return handle

    async def _do(
        self, actor: Actor, name: str, body: str, context: ContextTypes.DEFAULT_TYPE
    ) -> str | Answer:
        if name in CHAMPION_COMMANDS:
            answer = await self.champions.do(actor, name, body.split(), context)
            if name == "champion_reactivate":
                told = await self._tell_champion(
                    await self._participant_of(int(body.split()[0].lstrip("#"))), context
                )
                answer.text += " They have been told, with their link." if told else ""
            return answer
        first, translations = split_translations(body)
        words = first.split()
        desk = self.desk

        def need(count: int) -> list[str]:
            usage, _ = COMMANDS[name]
            if len(words) < count:
                raise StaffError(f"Use: /{name} {usage}")
            return words

        def number(value: str) -> int:
            if not (value.isascii() and value.isdigit()):
                raise StaffError(f"{value!r} is not a number. Use: /{name} {COMMANDS[name][0]}")
            return int(value)

        def rest(start: int) -> str:
            return " ".join(words[start:])

        if name == "staff":
            return "\n".join(f"/{n} {u}".rstrip() + f": {t}" for n, (u, t) in COMMANDS.items())
        if name in LISTINGS:
            return await desk.listing(actor, name)
        if name == "round_open":
            need(1)
            question = texts(rest(1), translations) if len(words) > 1 else None
            new = await desk.open_round(actor, words[0], question)
            return f"Opened round {new}.\n" + await desk.results(actor, new)
        if name == "round_close":
            await desk.close_round(actor, number(need(1)[0]))
            return f"Closed round {words[0]}.\n" + await desk.results(actor, int(words[0]))
        if name == "results":
            return await desk.results(actor, number(need(1)[0]))
        if name == "topic_add":
            need(2)
            new = await desk.add_topic(actor, number(words[0]), texts(rest(1), translations))
            return f"Added topic {new} to round {words[0]}."
        if name == "initiative_add":
            need(2)
            topic_ids = [number(t) for t in words[0].split(",") if t]
            new = await desk.create_initiative(actor, texts(rest(1), translations), topic_ids)
            return f"Recorded initiative {new} (planned). Add measures with /measure_add {new} ..."
        if name == "initiative_update":
            need(2)
            status = None if words[1] == "-" else words[1]
            note = texts(rest(2), translations) if len(words) > 2 else None
            await desk.update_initiative(actor, number(words[0]), status, note)
            services = context.application.bot_data.get("services")
            if services is not None:
                await services.jobs.sweep()  # tell the people it concerns now, not later
            return f"Updated initiative {words[0]}. The people it concerns are being told."
        if name == "measure_add":
            need(2)
            new = await desk.add_measure(actor, number(words[0]), texts(rest(1), translations))
            return f"Added measure {new} to initiative {words[0]}'s evaluation plan."
        if name in ("measure_adopt", "measure_reject"):
            status = "adopted" if name == "measure_adopt" else "rejected"
            await desk.set_measure(actor, number(need(1)[0]), status)
            return f"Measure {words[0]} {status}."
        if name == "champion_approve":
            participant_id = await desk.set_champion(actor, number(need(1)[0]), "active")
            told = await self._tell_champion(participant_id, context)
            return f"Approved champion {words[0]}." + (" They have their link." if told else "")
        if name in ("asset_verify", "asset_hide"):
            status = "verified" if name == "asset_verify" else "hidden"
            await desk.set_asset(actor, number(need(1)[0]), status)
            return f"Asset {words[0]} {status}."
        raise StaffError(f"Unknown staff command /{name}.")

    async def _participant_of(self, champion_id: int) -> int:
        found = await self.desk.db.read(champions.get, champion_id)
        return found.participant_id if found else 0

    async def _tell_champion(self, participant_id: int, context: ContextTypes.DEFAULT_TYPE) -> bool:
        notice = await self.host.champion_notice(participant_id, NOW_CHAMPION)
        if notice is None or notice[0] != "telegram":
            return False
        _, chat_id, text = notice
        try:
            await self.outbox.call(
                int(chat_id), partial(context.bot.send_message, int(chat_id), text)
            )
        except Exception:
            log.warning("could not send champion %s their link", participant_id, exc_info=True)
            return False
        return True
