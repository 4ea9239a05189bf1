"""Broadcasts in Telegram: the staff `/broadcast` command, its preview and buttons, the
progress message, and the scheduled work (Jobs) running inside the bot."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.app import Core
from bot.engagement.staff import StaffError
from bot.flows.callback import decode_callback, encode_callback
from bot.hostnodes import BROADCAST_CONTROL
from bot.i18n.markers import N_
from bot.jobs import drafts
from bot.jobs.compose import BroadcastComposer
from bot.jobs.pacing import Pacer, QuietHours
from bot.jobs.scheduler import Jobs, JobSettings
from bot.jobs.sender import BroadcastSender, Progress
from bot.store.broadcasts import Broadcast, Broadcasts
from bot.store.engagement import Engagement
from bot.telegram.outbound import TelegramOutbound

log = logging.getLogger(__name__)

NOT_STAFF = N_("Sorry, only staff can do that. Send /menu to see what you can do.")
USAGE = (
    "Use:\n/broadcast AUDIENCE [at=2026-12-01T10:00] [spread=HOURS] [template=NAME]\n"
    "your message\ncy: the same in Welsh (one line per language)\n\n"
    f"AUDIENCE is one of: {drafts.AUDIENCE_HELP}."
)


def control(action: str, broadcast_id: int) -> str:
    """Callback data for a staff broadcast button."""
    return encode_callback("0", BROADCAST_CONTROL, f"{action}-{broadcast_id}")


class BroadcastDesk:
    """Owns the scheduled work and the staff broadcast controls of one running bot."""

    def __init__(self, app: Application, core: Core) -> None:  # type: ignore[type-arg]
        settings = core.settings
        self.app = app
        self.core = core
        self.staff_ids = settings.staff_telegram_ids
        self.zone = settings.timezone
        self.broadcasts = Broadcasts(core.store)
        self.composer = BroadcastComposer(self.broadcasts, Engagement(core.store), core.catalogs)
        self.outbound = TelegramOutbound(app.bot, paid=settings.paid_broadcast)
        self.pacer = Pacer(
            settings.broadcast_rate,
            quiet=QuietHours.parse(settings.quiet_hours, settings.timezone),
            wall=lambda: datetime.now(UTC),
        )
        self.jobs = Jobs(
            core.store,
            self.sender,
            settings=JobSettings(
                reminder_after=settings.reminder_after, sweep_seconds=settings.sweep_seconds
            ),
        )

    def sender(self) -> BroadcastSender:
        """A sender sharing the bot's pacer, reporting progress to staff."""
        return BroadcastSender(
            self.broadcasts,
            self.composer,
            self.outbound,
            self.pacer,
            clock=lambda: datetime.now(UTC),
            on_progress=self.progress,
        )

    def add_to(self, app: Application) -> None:  # type: ignore[type-arg]
        """Register /broadcast and the broadcast buttons (before the residents' handlers)."""
        app.add_handler(
            CommandHandler("broadcast", self.on_broadcast, filters=filters.ChatType.PRIVATE)
        )
        app.add_handler(
            CallbackQueryHandler(self.on_control, pattern=f"^v1:0:{BROADCAST_CONTROL}:")
        )

    # -- staff ------------------------------------------------------------------------------

    def _is_staff(self, update: Update) -> bool:
        return update.effective_user is not None and update.effective_user.id in self.staff_ids

    async def on_broadcast(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/broadcast: parse, save a draft, show the preview with Send / Cancel buttons."""
        message = update.effective_message
        if message is None:
            return
        if not self._is_staff(update):
            language = update.effective_user.language_code if update.effective_user else None
            tr = self.core.catalogs.get(self.core.catalogs.negotiate(language))
            await message.reply_text(tr.gettext(NOT_STAFF))
            return
        parts = (message.text or "").split(maxsplit=1)
        body = parts[1] if len(parts) > 1 else ""
        staff_id = str(update.effective_user.id) if update.effective_user else ""
        now = datetime.now(UTC)
        try:
            request = drafts.parse_request(body, self.zone, now)
            new = await drafts.draft(self.broadcasts, request, staff_id, now)
            text = await drafts.preview(self.broadcasts, new, self.zone)
        except StaffError as exc:
            await message.reply_text(f"Not done: {exc}\n\n{USAGE}")
            return
        go = "🗓 Schedule" if request.send_at else "✅ Send now"
        buttons = [
            [
                InlineKeyboardButton(go, callback_data=control("send", new)),
                InlineKeyboardButton("✖️ Cancel", callback_data=control("cancel", new)),
            ]
        ]
        await message.reply_text(text, reply_markup=InlineKeyboardMarkup(buttons))

    async def on_control(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send / pause / resume / cancel buttons, for staff only."""
        query = update.callback_query
        if query is None:
            return
        if not self._is_staff(update):
            await query.answer("Only staff can do that.")
            return
        decoded = decode_callback(query.data or "")
        action, _, raw_id = (decoded[2] if decoded else "").partition("-")
        if not raw_id.isdigit():
            await query.answer()
            return
        broadcast_id = int(raw_id)
        now = datetime.now(UTC)
        found = await self.broadcasts.get(broadcast_id)
        if found is None:
            await query.answer("That broadcast no longer exists.")
            return
        try:
            said = await self._act(action, found, now)
        except StaffError as exc:
            await query.answer(str(exc)[:190])
            return
        await query.answer(said)
        chat = query.message.chat.id if query.message else None
        if action == "send" and chat is not None and query.message is not None:
            await self.broadcasts.set_status_message(
                broadcast_id, str(chat), query.message.message_id
            )
        await self._show(broadcast_id)

    async def _act(self, action: str, found: Broadcast, now: datetime) -> str:
        if action == "send":
            state = await drafts.confirm(self.broadcasts, found.id, now)
            if state == "sending":
                self.jobs.launch(found.id)
                return "Sending."
            await self.jobs.sweep()  # puts the exact-time job in place
            return "Scheduled."
        if action == "pause" and found.status == "sending":
            await self.broadcasts.set_status(found.id, "paused", now.isoformat())
            return "Paused."
        if action == "resume" and found.status == "paused":
            await self.broadcasts.set_status(found.id, "sending", now.isoformat())
            self.jobs.launch(found.id)
            return "Resumed."
        if action == "cancel" and found.status in ("draft", "scheduled", "sending", "paused"):
            await self.broadcasts.set_status(found.id, "cancelled", now.isoformat())
            return "Cancelled."
        raise StaffError(f"Broadcast {found.id} is {found.status}; it cannot be {action}d now.")

    # -- progress ---------------------------------------------------------------------------

    async def progress(self, broadcast: Broadcast, progress: Progress) -> None:
        """Edit the staff member's status message (called every few seconds by the sender)."""
        await self._show(broadcast.id, progress)

    async def _show(self, broadcast_id: int, progress: Progress | None = None) -> None:
        found = await self.broadcasts.get(broadcast_id)
        if found is None or not found.status_chat_id or found.status_message_id is None:
            return
        if progress is None or progress.status != found.status:
            counts = await self.broadcasts.counts(broadcast_id)
            progress = Progress.from_counts(broadcast_id, found.status, counts, None)
        buttons = {
            "sending": [("⏸ Pause", "pause"), ("✖️ Cancel", "cancel")],
            "paused": [("▶️ Resume", "resume"), ("✖️ Cancel", "cancel")],
            "scheduled": [("✖️ Cancel", "cancel")],
        }.get(found.status, [])
        markup = (
            InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(t, callback_data=control(a, broadcast_id))
                        for t, a in buttons
                    ]
                ]
            )
            if buttons
            else None
        )
        try:
            await self.app.bot.edit_message_text(
                drafts.progress_text(progress),
                chat_id=int(found.status_chat_id),
                message_id=found.status_message_id,
                reply_markup=markup,
            )
        except TelegramError as exc:
            if "not modified" not in str(exc).lower():
                log.info("broadcast %s: status message not updated: %s", broadcast_id, exc)
