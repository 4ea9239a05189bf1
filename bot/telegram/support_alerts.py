"""Champions' support requests reach staff in Telegram, and staff answer by replying.

Each request is stored first (the resident's step), then sent to the staff chats at once and
marked as told; requests not yet told (no staff chat reachable, a crash in between) go out
at the next sweep. A staff reply to an alert answers that request.
"""

from __future__ import annotations

import logging
from functools import partial

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes, filters

from bot.app import Core
from bot.staff.actor import Role, StaffError
from bot.staff.alerts import alert_text, request_id_in, who_to_alert
from bot.store import support
from bot.store.db import Tx
from bot.telegram.champion_staff import ChampionStaff
from bot.telegram.keyboards import split_text
from bot.telegram.outbox import Blocked, GaveUp, Outbox

log = logging.getLogger(__name__)


class AlertReply(filters.MessageFilter):
    """A staff member's reply to one of the bot's support alerts."""

    def __init__(self) -> None:
        super().__init__(name="AlertReply")

    def filter(self, message: Message) -> bool:
        """Whether `message` answers an alert (who sent it is checked when it is handled)."""
        reply = message.reply_to_message
        return (
            message.from_user is not None
            and reply is not None
            and reply.from_user is not None
            and reply.from_user.is_bot
            and request_id_in(reply.text or reply.caption) is not None
        )


class SupportAlerts:
    """Sends alerts to the staff chats; takes staff replies as answers."""

    def __init__(self, bot: Bot, core: Core, champions: ChampionStaff, outbox: Outbox) -> None:
        self.outbox = outbox
        self.bot = bot
        self.core = core
        self.champions = champions

    async def recorded(self, records: tuple[str, ...]) -> None:
        """A resident's step wrote records: a support request is told to staff at once."""
        if "support_request" in records:
            try:
                await self.send_pending()
            except Exception:
                # Their request is stored; the next sweep tells staff. The champion has
                # already been thanked and must not be told that something went wrong.
                log.exception("support alerts not sent now; the next sweep retries")

    async def send_pending(self) -> int:
        """Tell staff about every request they have not heard of; how many were told."""
        db = self.core.db
        told = 0
        for request in await db.read(support.unalerted):
            chats, text = await db.read(self._alert, request)
            reached = False
            for chat in chats:
                reached = await self._send(chat, request, text) or reached
            if reached:
                await db.write(support.mark_alerted, request.id, self.core.clock().isoformat())
                told += 1
        return told

    def _alert(self, conn: Tx, request: support.Request) -> tuple[list[int], str]:
        return who_to_alert(conn), alert_text(conn, request)

    async def _send(self, chat: int, request: support.Request, text: str) -> bool:
        try:
            for piece in split_text(text):
                await self.outbox.call(chat, partial(self.bot.send_message, chat, piece))
            value = request.request
            if isinstance(value, dict) and "voice" in value:
                caption = f"🙋 Support request #{request.id}"
                await self.outbox.call(
                    chat, partial(self.bot.send_voice, chat, str(value["voice"]), caption=caption)
                )
        except (TelegramError, GaveUp, Blocked) as exc:
            # Usually: they have not opened a chat with the bot yet. Retried at each sweep.
            log.warning("support request %s: staff chat %s not told: %s", request.id, chat, exc)
            return False
        return True

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A staff reply to an alert: the answer to that request."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or message.reply_to_message is None:
            return
        reply = message.reply_to_message
        request_id = request_id_in(reply.text or reply.caption)
        if request_id is None:
            return
        actor = await self.core.roster.telegram_actor(user.id, user.first_name)
        try:
            if actor is None:
                raise StaffError("only staff can answer support requests.")
            actor.require(Role.STAFF, "answer a support request")
            answer = await self.champions.answer(actor, request_id, message.text or "", context)
            said = answer.text
        except StaffError as exc:
            said = f"Not done: {exc}"
        await self.outbox.call(message.chat_id, partial(message.reply_text, said))
