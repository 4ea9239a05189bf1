"""Updates of every kind, built with hypothesis from python-telegram-bot's own types: every
chat type, forged and stale button data, very long, right-to-left and zero-width text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import (
    CallbackQuery,
    Chat,
    ChatJoinRequest,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    ChosenInlineResult,
    Contact,
    Dice,
    InlineQuery,
    Location,
    Message,
    MessageEntity,
    MessageReactionUpdated,
    PollAnswer,
    PreCheckoutQuery,
    ReactionTypeEmoji,
    Sticker,
    Update,
    User,
    Voice,
)

from bot.flows.callback import encode_callback
from bot.host import hostnodes
from bot.telegram.staff import COMMANDS as STAFF_COMMANDS
from tgdouble import BOT_FIRST_NAME, BOT_ID, BOT_USERNAME

WHEN = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
BOT = User(BOT_ID, BOT_FIRST_NAME, True, username=BOT_USERNAME)
# Long, right-to-left, zero-width and mixed-script texts, taken whole (drawing 5,000
# characters one by one would take hypothesis most of its time).
ODD_TEXTS = (
    "x" * 5000,
    "😀" * 3000,
    "مرحبا بكم في الحي " * 250,
    "\u200b\u200c\u200d\u2060\ufeff",
    "\u202eevil\u202c ordinary",
    "שלום \u200f123\u200e abc",
    "ਸਤ ਸ੍ਰੀ ਅਕਾਲ আমি ভালো আছি",
    "",
    " ",
    "\n\n\n",
    "1",
    "99999999999999999999",
    "yes",
    "Yes, I agree",
    "done",
)
COMMANDS = (
    "start",
    "menu",
    "language",
    "cancel",
    "help",
    "privacy",
    "mydata",
    "delete",
    "stop",
    "mylink",
    "myposter",
    "mystats",
    "support",
    "broadcast",
    *STAFF_COMMANDS,
)
NODES = (
    "consent",
    "area",
    "pick",
    "equality_opt_in",
    "~",
    hostnodes.LANGUAGE,
    hostnodes.DELETE,
    hostnodes.OPEN_FLOW,
    hostnodes.CHAMPION_SUPPORT,
    hostnodes.POSTER_LANGUAGES,
    hostnodes.BROADCAST_CONTROL,
)

user_ids = st.integers(1, 4000)
users = st.builds(
    User,
    id=user_ids,
    first_name=st.text(max_size=12),
    is_bot=st.sampled_from([False, False, False, True]),
    language_code=st.sampled_from([None, "en", "cy", "pl", "ar", "ur", "pa", "pt-BR", "ja", "zz"]),
)
texts = st.one_of(st.text(max_size=40), st.sampled_from(ODD_TEXTS))
group_chats = st.builds(
    Chat,
    id=st.integers(-(10**12), -1),
    type=st.sampled_from([Chat.GROUP, Chat.SUPERGROUP, Chat.CHANNEL]),
    title=st.text(max_size=10),
)


@st.composite
def chat_for(draw: st.DrawFn, user: User) -> Chat:
    """Mostly the user's own private chat; sometimes a group, a channel, or a forgery."""
    kind = draw(st.sampled_from(["private"] * 5 + ["group", "forged"]))
    if kind == "private":
        return Chat(user.id, Chat.PRIVATE, first_name=user.first_name)
    if kind == "forged":  # a private chat whose id is someone else's
        return Chat(draw(user_ids), Chat.PRIVATE)
    chat: Chat = draw(group_chats)
    return chat


@st.composite
def callback_data(draw: st.DrawFn) -> str:
    """Well-formed, stale, forged, staff-only or garbage button data (at most 64 bytes)."""
    shape = draw(st.sampled_from(["v1", "staff", "garbage"]))
    if shape == "garbage":
        data: str = draw(st.text(max_size=30))
        return data
    session = draw(st.sampled_from(["0", "1", "2", "a", "zzzzzzzzzz"]))
    node = draw(st.sampled_from(NODES))
    option = draw(
        st.sampled_from(["yes", "no", "en", "cy", "go", "help", "priorities", "send-1", "x"])
    )
    if shape == "staff":
        node, option = hostnodes.BROADCAST_CONTROL, draw(st.sampled_from(["send-1", "cancel-2"]))
    return encode_callback(session, node, option)


@st.composite
def messages(draw: st.DrawFn, user: User | None = None) -> Message:
    """A message of any content kind."""
    user = user or draw(users)
    chat = draw(chat_for(user))
    content: dict[str, Any] = {}
    kind = draw(
        st.sampled_from(
            ["text", "command", "text", "location", "voice", "sticker", "contact", "dice", "join"]
        )
    )
    if kind == "text":
        content["text"] = draw(texts)
    elif kind == "command":
        command = "/" + draw(st.sampled_from(COMMANDS))
        if draw(st.booleans()):
            command += "@" + BOT_USERNAME
        rest = draw(st.sampled_from(["", " c-unknown", " flow-priorities", " 1", " x y"]))
        content["text"] = command + rest
        content["entities"] = (MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command)),)
    elif kind == "location":
        live = draw(st.sampled_from([None, 60, 900]))
        content["location"] = Location(
            draw(st.floats(-180, 180)), draw(st.floats(-90, 90)), live_period=live
        )
    elif kind == "voice":
        content["voice"] = Voice(draw(st.text("abc", min_size=1, max_size=8)), "u1", 3)
    elif kind == "sticker":
        content["sticker"] = Sticker("s1", "u1", 512, 512, False, False, Sticker.REGULAR)
    elif kind == "contact":
        content["contact"] = Contact("+440000000", "Someone")
    elif kind == "dice":
        content["dice"] = Dice(3, "🎲")
    else:
        content["new_chat_members"] = (draw(st.sampled_from([BOT, user])),)
    return Message(
        message_id=draw(st.integers(1, 10**6)),
        date=WHEN,
        chat=chat,
        from_user=user,
        **content,
    )


@st.composite
def callbacks(draw: st.DrawFn) -> CallbackQuery:
    """A button press: on a message in some chat, on an inline message, or on neither."""
    user = draw(users)
    where = draw(st.sampled_from(["message", "message", "inline", "none"]))
    message = draw(messages(user)) if where == "message" else None
    return CallbackQuery(
        id=str(draw(st.integers(1, 10**9))),
        from_user=user,
        chat_instance="ci",
        message=message,
        inline_message_id="inline-1" if where == "inline" else None,
        data=draw(callback_data()),
    )


@st.composite
def member_updates(draw: st.DrawFn) -> ChatMemberUpdated:
    """The bot blocked, unblocked, added to or removed from a chat."""
    user = draw(users)
    chat = draw(chat_for(user))
    left = ChatMemberLeft(BOT)
    joined = ChatMemberMember(BOT)
    banned = ChatMemberBanned(BOT, until_date=WHEN)
    old, new = draw(st.sampled_from([(joined, banned), (banned, joined), (left, joined)]))
    return ChatMemberUpdated(chat, user, WHEN, old, new)


@st.composite
def updates(draw: st.DrawFn) -> Update:
    """One update of any kind Telegram sends."""
    kind = draw(
        st.sampled_from(
            ["message"] * 6
            + ["edited_message", "channel_post", "callback_query", "callback_query"]
            + ["my_chat_member", "chat_member", "inline_query", "chosen_inline_result"]
            + ["poll_answer", "pre_checkout_query", "chat_join_request", "message_reaction"]
        )
    )
    update_id = draw(st.integers(1, 10**9))
    if kind in ("message", "edited_message", "channel_post"):
        return Update(update_id, **{kind: draw(messages())})
    if kind == "callback_query":
        return Update(update_id, callback_query=draw(callbacks()))
    if kind in ("my_chat_member", "chat_member"):
        return Update(update_id, **{kind: draw(member_updates())})
    user = draw(users)
    if kind == "inline_query":
        return Update(update_id, inline_query=InlineQuery("q", user, draw(texts), ""))
    if kind == "chosen_inline_result":
        return Update(update_id, chosen_inline_result=ChosenInlineResult("r", user, "q"))
    if kind == "poll_answer":
        return Update(
            update_id, poll_answer=PollAnswer("p", (0,), user, option_persistent_ids=("0",))
        )
    if kind == "pre_checkout_query":
        return Update(update_id, pre_checkout_query=PreCheckoutQuery("c", user, "GBP", 1, "x"))
    chat = draw(group_chats)
    if kind == "chat_join_request":
        return Update(update_id, chat_join_request=ChatJoinRequest(chat, user, WHEN, user.id))
    reaction = MessageReactionUpdated(chat, 1, WHEN, (), (ReactionTypeEmoji("👍"),), user=user)
    return Update(update_id, message_reaction=reaction)


def generate(count: int, seed: int = 13) -> list[tuple[str, dict[str, Any]]]:
    """`count` updates as (kind, payload) for the double, from a seeded hypothesis run."""
    found: list[tuple[str, dict[str, Any]]] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=["generate"],
    )
    @given(updates())
    def collect(update: Update) -> None:
        data = update.to_dict()
        del data["update_id"]
        [(kind, payload)] = data.items()
        found.append((kind, payload))

    del seed  # derandomized: the same updates every run
    collect()
    return found
