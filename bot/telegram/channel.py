"""Telegram updates in, host outcomes out. Thin: every decision is in the host."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram import Message as TgMessage
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.flows.callback import decode_callback
from bot.flows.events import Choose, Input, Location, Text, Voice
from bot.host.host import Host
from bot.host.replies import Attachment, Confirmation, Question, Reply
from bot.host.replies import Message as TextReply
from bot.host.steps import Outcome, Who
from bot.host.textsplit import MESSAGE_LIMIT, units
from bot.i18n.catalogs import Catalogs
from bot.i18n.markers import N_
from bot.jobs.pacing import Pacer
from bot.telegram import rawcall
from bot.telegram.keyboards import (
    inline_keyboard,
    location_keyboard,
    parse_session_id,
    split_text,
)
from bot.telegram.outbox import Blocked, GaveUp, Outbox

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "telegram"
SHOWN_CHATS = 50_000  # chats whose last question we remember (about 10 MB at most)
SHARE_LOCATION = N_("📍 Share my location")
MOVED_ON_TOAST = N_("That question has moved on.")
UNSUPPORTED = N_("Sorry, I can only read text, button taps, locations and voice notes.")
EDITED = N_(
    "I saw you edited a message. I keep the first version. "
    "To change an answer, tap Back, or send /menu."
)
SORRY = N_("Sorry, something went wrong. Your answers so far are saved. Please try again.")
MYDATA_CAPTION = N_("Here is everything we keep about you.")


@dataclass(slots=True)
class _Shown:
    """The last question we sent to a chat, so a typed answer can close its keyboard."""

    message_id: int
    text: str
    session_id: int
    node_id: str
    location: bool


class TelegramChannel:
    """Handlers for every kind of update the bot accepts."""

    def __init__(
        self,
        bot: Bot,
        host: Host,
        catalogs: Catalogs,
        outbox: Outbox | None = None,
        *,
        on_recorded: Callable[[tuple[str, ...]], Awaitable[None]] | None = None,
    ) -> None:
        self._bot = bot
        self.host = host
        self.catalogs = catalogs
        # Told what a step recorded, once its replies are out (staff alerts for support).
        self.on_recorded = on_recorded
        self.outbox = outbox or make_outbox(host, None)
        # Last question per chat: a cache only, of the most recent chats. After a restart (or
        # for a chat pushed out) the worst case is an old keyboard left on screen; pressing it
        # is handled as a stale button.
        self._shown: OrderedDict[int, _Shown] = OrderedDict()

    # -- who -------------------------------------------------------------------------------

    @staticmethod
    def who(update: Update) -> Who:
        """The resident behind an update."""
        user = update.effective_user
        chat = update.effective_chat
        assert user is not None and chat is not None
        return Who(CHANNEL, str(user.id), str(chat.id), user.language_code)

    # -- commands --------------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start [payload]: deep links, undoing /stop, or picking up where they were."""
        payload = context.args[0] if context.args else None
        await self._show(update, await self.host.start(self.who(update), payload))

    async def on_menu(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/menu."""
        await self._show(update, await self.host.begin(self.who(update), "menu"))

    async def on_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/cancel: leave the current flow, answers kept."""
        await self._show(update, await self.host.cancel(self.who(update)))

    async def on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/language: the language picker."""
        await self._show(update, await self.host.language_question(self.who(update)))

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help."""
        await self._show(update, await self.host.info(self.who(update), "help"))

    async def on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/privacy."""
        await self._show(update, await self.host.info(self.who(update), "privacy"))

    async def on_stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stop: no more broadcasts."""
        await self._show(update, await self.host.stop(self.who(update)))

    async def on_delete(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/delete: ask to confirm (the answer arrives as a button press)."""
        await self._show(update, await self.host.delete_question(self.who(update)))

    async def on_mylink(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mylink: a champion's link with a share button."""
        await self._show(update, await self.host.my_link(self.who(update)))

    async def on_myposter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/myposter [cy,en]: a champion's poster, PDF and PNG."""
        wanted = " ".join(context.args) if context.args else None
        await self._show(update, await self.host.my_poster(self.who(update), wanted))

    async def on_mystats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mystats: who joined through a champion's link."""
        await self._show(update, await self.host.my_stats(self.who(update)))

    async def on_support(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/support: a champion asks our team for help."""
        await self._show(update, await self.host.support(self.who(update)))

    async def on_mydata(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mydata: a JSON file of every row kept about the resident."""
        who = self.who(update)
        export, locale = await self.host.export(who)
        tr = self.catalogs.get(locale)
        body = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
        chat_id = int(who.chat_id)
        await self._call(
            chat_id,
            lambda: context.bot.send_document(
                chat_id,
                document=body,
                filename="my-community-voice-data.json",
                caption=tr.gettext(MYDATA_CAPTION),
            ),
        )

    # -- answers ---------------------------------------------------------------------------

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Typed text."""
        message = update.effective_message
        assert message is not None and message.text is not None
        await self._answer(update, Text(message.text))

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared location."""
        message = update.effective_message
        assert message is not None and message.location is not None
        where = message.location
        await self._answer(update, Location(where.latitude, where.longitude))

    async def on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A voice note: we keep its file id and length."""
        message = update.effective_message
        assert message is not None and message.voice is not None
        voice = message.voice
        duration = voice.duration
        seconds = duration if isinstance(duration, int) else int(duration.total_seconds())
        await self._answer(update, Voice(voice.file_id, seconds))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press, bound to a session and node by its callback data."""
        query = update.callback_query
        assert query is not None
        decoded = decode_callback(query.data or "")
        session_id = parse_session_id(decoded[0]) if decoded else None
        if decoded is None or session_id is None:
            # Forged or from another version of the bot: show where they really are.
            log.info("unreadable callback data ignored")
            received: Input = Choose("_stale", "~")
            outcome = await self.host.handle(self.who(update), received, session_id=-1)
        else:
            _, node_id, option_id = decoded
            received = Choose(option_id, node_id)
            outcome = await self.host.handle(
                self.who(update), received, session_id=session_id or None
            )
        tr = self.catalogs.get(outcome.locale)
        toast = tr.gettext(MOVED_ON_TOAST) if outcome.stale else None
        if outcome.stale:
            # The pop-up says it; the chat only needs the current question again.
            outcome.replies = [
                r for r in outcome.replies if not (isinstance(r, TextReply) and r.stale)
            ]
        pressed = query.message if isinstance(query.message, TgMessage) else None
        # The answer to the press (it stops the button's spinner) goes beside the reply, not
        # before it: the reply does not wait a round trip for it, nor, when Telegram is
        # failing, through its retries (a resident once waited 17 s for the next question).
        # Not after it either: the spinner stops a round trip or two sooner, and the press is
        # done (its chat free for the next update) when the slower of the two is, not after
        # both (bench/README.md, "The answer beside": paced p99 lower in five pairs of seven
        # for ours, in all seven for the bare bot). The two arrive in either order.
        answering = asyncio.create_task(self._answer_query(query, toast))
        try:
            await self._deliver(int(self.who(update).chat_id), outcome, pressed, decoded)
        finally:
            await answering

    async def _answer(self, update: Update, received: Input) -> None:
        await self._show(update, await self.host.handle(self.who(update), received))

    # -- things we do not take -------------------------------------------------------------

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, polls...: a kind word and the current question again."""
        await self._remind(update, UNSUPPORTED)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message: we keep the first version and say so."""
        await self._remind(update, EDITED)

    async def _remind(self, update: Update, text: str) -> None:
        who = self.who(update)
        outcome = await self.host.repeat(who)
        note = TextReply(self.catalogs.get(outcome.locale).gettext(text))
        await self._show(
            update, Outcome([note, *outcome.replies], outcome.participant, outcome.locale)
        )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure (no message text, never the token). A fault of ours is logged in
        full and the resident told; Telegram being unreachable or slow is one line, and
        nothing more is sent to them (it would fail the same way, or land inside a wait)."""
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        if _telegrams(error):
            log.warning("update %s not answered: %s", update_id, type(error).__name__)
            return
        log.error(
            "update %s failed: %s",
            update_id,
            type(error).__name__,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != "private":
            return
        language = update.effective_user.language_code if update.effective_user else None
        tr = self.catalogs.get(self.catalogs.negotiate(language))
        chat_id = update.effective_chat.id
        try:
            await self._call(chat_id, partial(context.bot.send_message, chat_id, tr.gettext(SORRY)))
        except Exception:
            log.warning("could not tell chat %s about the failure", chat_id)
            return
        try:
            # Show where they are, so the next thing they type answers the question they see.
            await self._show(update, await self.host.repeat(self.who(update)))
        except Exception:
            log.warning("could not ask chat %s the current question again", chat_id)

    # -- sending ---------------------------------------------------------------------------

    async def _show(self, update: Update, outcome: Outcome) -> None:
        await self._deliver(int(self.who(update).chat_id), outcome, None, None)

    async def _deliver(
        self,
        chat_id: int,
        outcome: Outcome,
        pressed: Message | None,
        pressed_on: tuple[str, str, str] | None,
    ) -> None:
        tr = self.catalogs.get(outcome.locale)
        # The answer shown on the question it answered is an edit of that message, and where
        # it lands in the chat does not depend on when it is made: it goes beside the rest of
        # the reply. The next question does not wait a round trip for it, nor the edit for
        # the question (which may wait for its turn: one message a second in a chat, or a
        # pause Telegram asked for; the edit is not paced, so the answered question does not
        # keep buttons that look live meanwhile). A tap is one round trip, not two.
        edits: list[asyncio.Task[bool]] = []
        try:
            try:
                for reply in merged(outcome.replies):
                    if isinstance(reply, Confirmation):
                        edit = await self._confirm(chat_id, reply, pressed, pressed_on)
                        if edit is not None:
                            edits.append(asyncio.create_task(self._edit(chat_id, edit)))
                        continue
                    await self._send(
                        chat_id, reply, tr.gettext(SHARE_LOCATION), pressed, pressed_on
                    )
            except BaseException:
                # The reply's failure is the step's. The edits still end before the chat's next
                # update, and a fault of ours in one is logged, not lost behind the reply's.
                for ended in await asyncio.gather(*edits, return_exceptions=True):
                    if isinstance(ended, Exception) and not _telegrams(ended):
                        log.error("an edit beside a failed reply failed too", exc_info=ended)
                raise
            for ended in await asyncio.gather(*edits, return_exceptions=True):
                if isinstance(ended, BaseException):
                    raise ended  # an edit's failure is the step's, as the reply's would be
        except Blocked:
            pass  # already marked unreachable; nothing more to say to them
        if outcome.recorded and self.on_recorded is not None:
            await self.on_recorded(outcome.recorded)

    async def _send(
        self,
        chat_id: int,
        reply: Reply,
        share_label: str,
        pressed: Message | None,
        pressed_on: tuple[str, str, str] | None,
    ) -> None:
        bot = self._bot
        if isinstance(reply, Attachment):
            await self._attach(chat_id, reply)
            return
        if isinstance(reply, TextReply):
            shown = self._shown.get(chat_id)
            remove = shown is not None and shown.location
            if remove:
                self._shown.pop(chat_id, None)
            pieces = split_text(reply.text)
            for number, piece in enumerate(pieces, start=1):
                markup: ReplyKeyboardRemove | InlineKeyboardMarkup | None = (
                    ReplyKeyboardRemove() if remove else None
                )
                if reply.links and number == len(pieces):
                    markup = InlineKeyboardMarkup(
                        [[InlineKeyboardButton(link.label, url=link.url)] for link in reply.links]
                    )
                await self._call(
                    chat_id, partial(rawcall.send_message, bot, chat_id, piece, markup)
                )
                remove = False
            return
        assert isinstance(reply, Question)
        if reply.refresh and pressed is not None and pressed_on and pressed_on[1] == reply.node_id:
            # Only the ticks changed: edit the question in place instead of sending it again.
            edited = await self._edit(
                chat_id,
                partial(
                    rawcall.edit_message_text,
                    bot,
                    chat_id,
                    pressed.message_id,
                    reply.text,
                    inline_keyboard(reply),
                ),
            )
            if edited:
                return
            # The message is gone (deleted by the resident): send the question anew.
        keyboard: rawcall.Markup = (
            location_keyboard(reply, share_label)
            if reply.wants_location
            else inline_keyboard(reply)
        )
        pieces = split_text(reply.text)
        for piece in pieces[:-1]:
            await self._call(chat_id, partial(rawcall.send_message, bot, chat_id, piece))
        sent = await self._call(
            chat_id, partial(rawcall.send_message, bot, chat_id, pieces[-1], keyboard)
        )
        if isinstance(sent, dict):
            self._shown[chat_id] = _Shown(
                sent["message_id"],
                pieces[-1],
                reply.session_id,
                reply.node_id,
                reply.wants_location,
            )
            self._shown.move_to_end(chat_id)
            if len(self._shown) > SHOWN_CHATS:
                self._shown.popitem(last=False)

    async def _attach(self, chat_id: int, reply: Attachment) -> None:
        bot = self._bot
        caption = reply.caption or None
        if reply.photo:
            await self._call(
                chat_id, lambda: bot.send_photo(chat_id, photo=reply.data, caption=caption)
            )
        else:
            await self._call(
                chat_id,
                lambda: bot.send_document(
                    chat_id, document=reply.data, filename=reply.filename, caption=caption
                ),
            )

    async def _confirm(
        self,
        chat_id: int,
        reply: Confirmation,
        pressed: Message | None,
        pressed_on: tuple[str, str, str] | None,
    ) -> Callable[[], Awaitable[object]] | None:
        """Show the chosen answer on the question and take its buttons away: the edit that
        does it, for `_deliver` to make (None: nothing to edit)."""
        bot = self._bot
        if pressed is not None and pressed_on is not None and pressed_on[1] == reply.node_id:
            message_id, text = pressed.message_id, pressed.text or ""
        else:
            shown = self._shown.get(chat_id)
            if shown is None or (shown.session_id, shown.node_id) != (
                reply.session_id,
                reply.node_id,
            ):
                return None
            if shown.location:
                # A reply keyboard cannot be edited away: a new message removes it, before the
                # next question (which may bring a keyboard of its own).
                self._shown.pop(chat_id, None)
                await self._call(
                    chat_id,
                    lambda: bot.send_message(
                        chat_id, reply.text, reply_markup=ReplyKeyboardRemove()
                    ),
                )
                return None
            message_id, text = shown.message_id, shown.text
        self._shown.pop(chat_id, None)
        return partial(
            rawcall.edit_message_text, bot, chat_id, message_id, f"{text}\n\n{reply.text}"
        )

    async def _edit(self, chat_id: int, make: Callable[[], Awaitable[object]]) -> bool:
        """An edit is a courtesy: if it fails (the message was deleted, or is too old), the
        conversation goes on and the next question is still sent."""
        try:
            await self.outbox.call(chat_id, make, message=False)
        except BadRequest as exc:
            log.info("message edit skipped: %s", exc.message)
            return False
        return True

    async def _answer_query(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await self.outbox.call(0, partial(query.answer, text), message=False)
        except (TelegramError, GaveUp, Blocked) as exc:
            # An old query cannot be answered any more; the reply still helps. A courtesy made
            # beside the reply: its failure must not take the reply's place.
            log.info("callback query not answered: %s", type(exc).__name__)

    async def _call(self, chat_id: int, make: Callable[[], Awaitable[T]]) -> T | None:
        return await self.outbox.call(chat_id, make)


def merged(replies: list[Reply]) -> list[Reply]:
    """Texts that lead up to a question go out in the question's own message, and texts next
    to each other in one: Telegram takes one message a second in a chat, so a step that is one
    message reaches the resident at once, where three would take two seconds."""
    out: list[Reply] = []
    texts: list[str] = []

    def flush() -> None:
        if texts:
            out.append(TextReply("\n\n".join(texts)))
            texts.clear()

    for reply in replies:
        if isinstance(reply, TextReply) and not reply.links and not reply.separate:
            if texts and units("\n\n".join([*texts, reply.text])) > MESSAGE_LIMIT:
                flush()
            texts.append(reply.text)
        elif isinstance(reply, Question) and texts and not reply.refresh:
            text = "\n\n".join([*texts, reply.text])
            if units(text) > MESSAGE_LIMIT:
                flush()
                out.append(reply)
            else:
                texts.clear()
                out.append(replace(reply, text=text))
        elif isinstance(reply, Confirmation):
            out.append(reply)  # an edit, not a message: it can go before the texts
        else:
            flush()
            out.append(reply)
    flush()
    return out


def make_outbox(host: Host, pacer: Pacer | None) -> Outbox:
    """The outbox every reply goes through, paced by the bot's one pacer."""

    async def blocked(chat_id: int) -> None:
        # In a private chat the chat id is the user's id (a group's matches nobody).
        await host.mark_unreachable(CHANNEL, str(chat_id))

    if pacer is None:
        return Outbox(blocked)
    return Outbox(
        blocked,
        pace=lambda chat: pacer.replying(str(chat)),
        pause=pacer.pause,
    )


def _telegrams(error: object) -> bool:
    """A failure on Telegram's side (unreachable, slow, rate limits, a blocked chat), as
    against a fault of ours (a bug, or a request Telegram found malformed)."""
    if isinstance(error, GaveUp | Blocked | NetworkError | RetryAfter):
        return True
    return isinstance(error, TelegramError) and not isinstance(error, BadRequest)
