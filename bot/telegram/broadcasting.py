"""Broadcasts in Telegram: the staff `/broadcast` command, its preview and buttons, and the
progress message. The scheduled work that sends them is the app's (bot.app.Services)."""

from __future__ import annotations

import logging
from functools import partial

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.app import Core, Services
from bot.flows.callback import decode_callback, encode_callback
from bot.host.hostnodes import BROADCAST_CONTROL
from bot.jobs.sender import Progress
from bot.staff import broadcasts as drafts
from bot.staff.actor import Actor, Role, StaffError
from bot.store import broadcasts
from bot.store.broadcasts import Broadcast
from bot.telegram.outbox import Blocked, GaveUp, Outbox
from bot.telegram.staff import StaffCommands

log = logging.getLogger(__name__)

USAGE = (
    "Use:\n/broadcast AUDIENCE [at=2026-12-01T10:00] [spread=HOURS] [template=NAME]\n"
    "your message\ncy: the same in Welsh (one line per language)\n\n"
    f"AUDIENCE is one of: {drafts.AUDIENCE_HELP}."
)
DISCARDED = "Cancelled: nothing was sent."
# What the broadcast buttons do: every one is for staff (role staff or admin) only.
ACTIONS = ("send", "pause", "resume", "cancel")
BUTTONS = {
    "sending": [("⏸ Pause", "pause"), ("✖️ Cancel", "cancel")],
    "paused": [("▶️ Resume", "resume"), ("✖️ Cancel", "cancel")],
    "scheduled": [("✖️ Cancel", "cancel")],
}


def control(action: str, broadcast_id: int) -> str:
    """Callback data for a staff broadcast button."""
    return encode_callback("0", BROADCAST_CONTROL, f"{action}-{broadcast_id}")


class BroadcastDesk:
    """The staff broadcast controls of one running bot."""

    def __init__(self, app: Application, core: Core, staff: StaffCommands, outbox: Outbox) -> None:  # type: ignore[type-arg]
        self.app = app
        self.core = core
        self.staff = staff
        self.outbox = outbox
        self.zone = core.settings.timezone
        self.services: Services | None = None  # set once the scheduled work runs

    def add_to(self, app: Application) -> None:  # type: ignore[type-arg]
        """Register /broadcast and the broadcast buttons (before the residents' handlers)."""
        app.add_handler(
            CommandHandler("broadcast", self.on_broadcast, filters=filters.ChatType.PRIVATE)
        )
        app.add_handler(
            CallbackQueryHandler(self.on_control, pattern=f"^v1:0:{BROADCAST_CONTROL}:")
        )

    # -- staff ------------------------------------------------------------------------------

    async def on_broadcast(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/broadcast: parse, save a draft, show the preview with Send / Cancel buttons."""
        message = update.effective_message
        if message is None:
            return
        actor = await self.staff.actor(update)
        if actor is None:
            await self.staff.refuse(update)
            return
        parts = (message.text or "").split(maxsplit=1)
        body = parts[1] if len(parts) > 1 else ""
        try:
            actor.require(Role.STAFF, "use /broadcast")
            request = drafts.parse_request(body, self.zone, self.core.clock())
            new = await drafts.draft(self.core.desk, actor, request)
            text = f"Broadcast {new} (draft).\n" + await drafts.preview(
                self.core.desk,
                new,
                self.zone,
                self.core.quiet,
                threshold=self.core.settings.suppress_below,
            )
        except StaffError as exc:
            await self._reply(message, f"Not done: {exc}\n\n{USAGE}")
            return
        go = "🗓 Schedule" if request.send_at else "✅ Send now"
        buttons = [
            [
                InlineKeyboardButton(go, callback_data=control("send", new)),
                InlineKeyboardButton("✖️ Cancel", callback_data=control("cancel", new)),
            ]
        ]
        await self._reply(message, text, InlineKeyboardMarkup(buttons))

    async def on_control(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send / pause / resume / cancel buttons, for staff only."""
        query = update.callback_query
        if query is None:
            return
        actor = await self.staff.actor(update)
        if actor is None:
            await self._answer(query, "Only staff can do that.")
            return
        decoded = decode_callback(query.data or "")
        action, _, raw_id = (decoded[2] if decoded else "").partition("-")
        if action not in ACTIONS or not raw_id.isdigit():
            await self._answer(query, None)
            return
        broadcast_id = int(raw_id)
        try:
            actor.require(Role.STAFF, f"{action} a broadcast")
            said = await self._act(actor, action, broadcast_id)
        except StaffError as exc:
            await self._answer(query, str(exc)[:190])
            return
        await self._answer(query, said)
        message = query.message
        if said == DISCARDED and isinstance(message, Message):
            await message.edit_text(f"{message.text}\n\n{DISCARDED}", reply_markup=None)
            return
        if action == "send" and message is not None:
            await self.core.db.write(
                broadcasts.set_status_message,
                broadcast_id,
                str(message.chat.id),
                message.message_id,
            )
        await self._show(broadcast_id)

    async def _act(self, actor: Actor, action: str, broadcast_id: int) -> str:
        if action == "send":
            state = await drafts.confirm(
                self.core.desk, actor, broadcast_id, threshold=self.core.settings.suppress_below
            )
            if self.services is not None:
                if state == "sending":
                    self.services.jobs.launch(broadcast_id)
                else:
                    await self.services.jobs.sweep()  # puts the exact-time job in place
            return "Sending." if state == "sending" else "Scheduled."
        state = await drafts.control(self.core.desk, actor, broadcast_id, action)
        if state == "sending" and self.services is not None:
            self.services.jobs.launch(broadcast_id)
        return {
            "paused": "Paused.",
            "sending": "Resumed.",
            "cancelled": "Cancelled.",
            "discarded": DISCARDED,
        }[state]

    # -- progress ---------------------------------------------------------------------------

    async def progress(self, broadcast: Broadcast, progress: Progress) -> None:
        """Edit the staff member's status message (called every few seconds by the sender)."""
        await self._show(broadcast.id, progress)

    async def _show(self, broadcast_id: int, progress: Progress | None = None) -> None:
        found = await self.core.db.read(broadcasts.get, broadcast_id)
        if found is None or not found.status_chat_id or found.status_message_id is None:
            return
        if progress is None or progress.status != found.status:
            counts = await self.core.db.read(broadcasts.counts, broadcast_id)
            progress = Progress.from_counts(broadcast_id, found.status, counts, None)
        rows = [
            [
                InlineKeyboardButton(text, callback_data=control(action, broadcast_id))
                for text, action in BUTTONS.get(found.status, [])
            ]
        ]
        markup = InlineKeyboardMarkup(rows) if rows[0] else None
        try:
            await self.outbox.call(
                int(found.status_chat_id),
                partial(
                    self.app.bot.edit_message_text,
                    drafts.progress_text(progress, self.core.settings.suppress_below),
                    chat_id=int(found.status_chat_id),
                    message_id=found.status_message_id,
                    reply_markup=markup,
                ),
                message=False,
            )
        except (TelegramError, GaveUp, Blocked) as exc:
            log.info("broadcast %s: status message not updated: %s", broadcast_id, exc)

    async def _reply(
        self, message: Message, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        await self.outbox.call(
            message.chat_id, partial(message.reply_text, text, reply_markup=markup)
        )

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await self.outbox.call(0, partial(query.answer, text), message=False)
        except (TelegramError, GaveUp) as exc:
            log.info("broadcast button not answered: %s", type(exc).__name__)
