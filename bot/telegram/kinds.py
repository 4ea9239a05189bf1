"""Every kind of update, sorted on purpose before any other handler sees it.

Only a resident's own private chat runs flows: a message or an edit from them, and a button
pressed on a message in that chat. Groups, supergroups and channels never do: a group gets one
short pointer to a private chat, ever (remembered in the database), and nothing is stored about
anyone there. `my_chat_member` says at once when a resident blocks or unblocks the bot. Every
other kind (inline queries, polls, reactions, payments, boosts, business messages, service
messages, live-location updates, buttons on inline messages, ...) is answered where Telegram
expects an answer and otherwise left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial

from telegram import Chat, ChatMember, ChatMemberUpdated, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes, filters

from bot.host.host import Host
from bot.i18n.catalogs import Catalogs
from bot.i18n.markers import N_
from bot.telegram.outbox import Blocked, GaveUp, Outbox

log = logging.getLogger(__name__)

CHANNEL = "telegram"
GROUP_ONLY_PRIVATE = N_(
    "Hello! I only ask questions in a private chat, so that your answers stay private. "
    "Tap here to talk to me: {link}"
)
_GROUPS = (Chat.GROUP, Chat.SUPERGROUP)
_IN = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


class UpdateKinds:
    """A handler for group -1: lets a resident's private updates through to the others and
    deals with everything else itself (ApplicationHandlerStop)."""

    def __init__(self, host: Host, catalogs: Catalogs, outbox: Outbox) -> None:
        self.host = host
        self.catalogs = catalogs
        self.outbox = outbox

    async def sort(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Return to let the update through; raise ApplicationHandlerStop when it is done."""
        if isinstance(update, Update):
            if _residents(update):
                return
            await self._other(update, context)
        raise ApplicationHandlerStop

    async def _other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.my_chat_member is not None:
            await self._membership(update.my_chat_member, context)
        elif update.callback_query is not None:
            # A button on a message in a group or sent through inline mode: nothing of ours.
            await self._quietly(0, partial(update.callback_query.answer), message=False)
        elif update.message is not None and update.message.chat.type in _GROUPS:
            user = update.message.from_user
            if user is not None and not user.is_bot:
                await self._point(update.message.chat, user.language_code, context)
        else:
            log.debug("update %s left alone", update.update_id)

    async def _membership(
        self, change: ChatMemberUpdated, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        chat, status = change.chat, change.new_chat_member.status
        if chat.type == Chat.PRIVATE and change.from_user.id == chat.id:
            # Blocked (or unblocked, with Restart): no news until they are back, and no wait
            # for the next send to find out.
            await self.host.mark_unreachable(
                CHANNEL, str(chat.id), reachable=status not in (ChatMember.BANNED, ChatMember.LEFT)
            )
        elif chat.type in _GROUPS and status in _IN:
            await self._point(chat, change.from_user.language_code, context)

    async def _point(
        self, chat: Chat, language: str | None, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        """Say once per group, ever, that questions are asked in private (with a link)."""
        if not await self.host.pointer_due(CHANNEL, str(chat.id)):
            return
        tr = self.catalogs.get(self.catalogs.negotiate(language))
        link = f"https://t.me/{context.bot.username}"
        text = tr.gettext(GROUP_ONLY_PRIVATE, link=link)
        await self._quietly(chat.id, partial(context.bot.send_message, chat.id, text))

    async def _quietly(
        self, chat_id: int, make: Callable[[], Awaitable[object]], *, message: bool = True
    ) -> None:
        try:
            await self.outbox.call(chat_id, make, message=message)
        except (Blocked, GaveUp, TelegramError) as exc:
            # Removed from the group, not allowed to write there, an old button: nothing to do.
            log.info("chat %s not answered: %s", chat_id, type(exc).__name__)


def _residents(update: Update) -> bool:
    """A resident's own private chat: the only place a flow runs."""
    query = update.callback_query
    if query is not None:
        return _own_private(query.message.chat if query.message else None, query.from_user.id)
    message = update.message or update.edited_message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return False
    if not _own_private(message.chat, message.from_user.id):
        return False
    if update.edited_message is not None and message.location is not None:
        return False  # a live location moving: each move is an edit, and none is an answer
    # Service messages (a pinned message, write access allowed, ...) say nothing to answer.
    # None has text: a typed message or a command skips PTB's thirty-odd filters for them
    # (12.8 µs, half the steps of the onboarding).
    return message.text is not None or not filters.StatusUpdate.ALL.check_update(update)


def _own_private(chat: Chat | None, user_id: int) -> bool:
    # In a private chat the chat's id is the user's: anything else is not a real update.
    return chat is not None and chat.type == Chat.PRIVATE and chat.id == user_id
