"""Staff commands in Telegram: the same actions as `community-voice admin`. Who is staff, and
in which role, is read from the staff table on every command (never cached); anyone else is
told politely that the command is not for them, and staff whose role is too low are told
which role it needs. Staff invitations (`/start staff-<token>`) are taken here, before the
residents' /start, so a token never reaches the host."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.app import Core
from bot.i18n.markers import N_
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.staffing import INVITE_PREFIX
from bot.telegram.champion_staff import Answer, ChampionStaff
from bot.telegram.keyboards import split_text
from bot.telegram.outbox import Outbox
from bot.telegram.routing import CommandRouter
from bot.telegram.staff_actions import StaffActions
from bot.telegram.staffcommands import COMMANDS, help_text

log = logging.getLogger(__name__)

NOT_STAFF = N_("Sorry, only staff can do that. Send /menu to see what you can do.")


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class StaffCommands:
    """Routes staff commands to the staff actions, after checking who sent them."""

    def __init__(self, core: Core, champions: ChampionStaff, outbox: Outbox) -> None:
        self.core = core
        self.outbox = outbox
        self.actions = StaffActions(core, self.menu, champions, outbox)

    async def say(self, message: Message, text: str) -> None:
        """Reply in the message's chat, by the rules every reply keeps (bot/telegram/outbox)."""
        await self.outbox.call(message.chat_id, partial(message.reply_text, text))

    def add_to(self, app: Application) -> None:  # type: ignore[type-arg]
        """Register every staff command and the invitation link (before the residents')."""
        self.actions.bot = app.bot
        private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
        invite = filters.Regex(rf"^/start(@\w+)?\s+{INVITE_PREFIX}")
        app.add_handler(CommandHandler("start", self.on_invite, filters=private & invite))
        guarded = {
            name: self._guarded(name)
            for name in COMMANDS
            if name != "broadcast"  # its own handler: bot/telegram/broadcasting.py
        }
        app.add_handler(CommandRouter(guarded, filters=private))

    async def actor(self, update: Update) -> Actor | None:
        """The staff member behind an update, from the staff table now; None if not staff."""
        user = update.effective_user
        if user is None:
            return None
        return await self.core.roster.telegram_actor(user.id, user.first_name)

    async def refuse(self, update: Update) -> None:
        """Tell someone who is not staff, in their language, that this is not for them."""
        message = update.effective_message
        if message is None:
            return
        language = update.effective_user.language_code if update.effective_user else None
        catalogs = self.core.catalogs
        await self.say(message, catalogs.get(catalogs.negotiate(language)).gettext(NOT_STAFF))

    async def register(self, app: Application) -> None:  # type: ignore[type-arg]
        """Each staff member's command menu shows the commands their role may use."""
        for user_id, role in await self.core.roster.telegram_ids():
            await self.menu(user_id, role)

    async def menu(self, user_id: int, role: Role | None) -> None:
        """Set (or, for someone no longer staff, remove) one staff chat's command menu."""
        app_bot = self.actions.bot
        if app_bot is None:
            return
        scope = BotCommandScopeChat(user_id)
        try:
            if role is None:
                await app_bot.delete_my_commands(scope=scope)
                return
            commands = [
                BotCommand(name, c.does[:256]) for name, c in COMMANDS.items() if role >= c.role
            ]
            await app_bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:
            # Usually: they have not opened a chat with the bot yet. Their commands still
            # work; only the menu waits until the next start.
            log.warning("staff menu not set for a staff chat: %s", exc)

    async def on_invite(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start staff-<token>: join as staff with a one-time invitation."""
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return
        token = (context.args[0] if context.args else "").removeprefix(INVITE_PREFIX)
        try:
            member = await self.core.roster.accept(token, user.id, user.first_name or "")
        except StaffError as exc:
            await self.say(message, str(exc))
            return
        role = Role[member.role.upper()]
        await self.menu(user.id, role)
        await self.say(
            message,
            f"Welcome to the team, {member.name}. You are now {role.label} (staff {member.id}). "
            f"Your commands:\n{help_text(role)}",
        )

    def _guarded(self, name: str) -> Handler:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is None:
                return
            actor = await self.actor(update)
            if actor is None:
                log.info("staff command refused for a non-staff user")
                await self.refuse(update)
                return
            text = (message.text or "").split(maxsplit=1)
            body = text[1] if len(text) > 1 else ""
            answer: str | Answer
            try:
                actor.require(COMMANDS[name].role, f"use /{name}")
                if name == "staff":
                    answer = help_text(actor.role)
                else:
                    answer = await self.actions.do(actor, name, body, update, context)
            except StaffError as exc:
                answer = f"Not done: {exc}"
            if isinstance(answer, str):
                answer = Answer(answer)
            if answer.text:
                for piece in split_text(answer.text):
                    await self.say(message, piece)
            for filename, data in answer.files:
                await self.outbox.call(
                    message.chat_id, partial(message.reply_document, data, filename=filename)
                )

        return handle
