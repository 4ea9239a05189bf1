"""The double behaves like Telegram towards a real PTB Application, in both transports."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tgdouble import BOT_ID, BOT_USERNAME, FakeBotAPI, Limits, decode_params, running
from tgdouble.app import echo_application
from tgdouble.plugin import Transport

AnyApp = Application[Any, Any, Any, Any, Any, Any]
RESIDENT = 1001


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"start args={context.args}")


async def _menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes", callback_data="vote:yes"),
                InlineKeyboardButton("No", callback_data="vote:no"),
            ]
        ]
    )
    await update.effective_message.reply_text("Pick one", reply_markup=keyboard)


async def _vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer(f"Recorded {query.data}")
    await query.edit_message_text(f"You chose {query.data.split(':')[1]}")


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text)


@pytest.fixture
async def app(transport: Transport) -> AsyncIterator[AnyApp]:
    """A bare echo bot with a command, a menu and a button handler, polling the double."""
    application = transport.builder().build()
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CommandHandler("menu", _menu))
    application.add_handler(CallbackQueryHandler(_vote, pattern=r"^vote:"))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    async with running(application) as started:
        yield started


async def test_text_is_echoed(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    api.send_text(RESIDENT, "hello there")

    [reply] = await api.wait_sent(RESIDENT, 1)

    assert reply.text == "hello there"
    assert reply.chat_id == RESIDENT
    # Residents and the bot share one message id sequence per chat, like Telegram.
    assert reply.message_id == 2
    assert api.last(RESIDENT) == reply


async def test_command_payload_arrives_as_args(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    update = api.send_command(RESIDENT, "start", "ref_leaflet42")

    [reply] = await api.wait_sent(RESIDENT, 1)

    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert reply.text == "start args=['ref_leaflet42']"


async def test_button_press_is_answered_and_message_edited(
    transport: Transport, app: AnyApp
) -> None:
    api = transport.api
    api.send_command(RESIDENT, "menu")
    [menu] = await api.wait_sent(RESIDENT, 1)
    assert menu.buttons == [[("Yes", "vote:yes"), ("No", "vote:no")]]

    update = api.tap(RESIDENT, "Yes")
    await api.wait_for(lambda: any(m.edited for m in api.sent(RESIDENT)))

    assert update["callback_query"]["message"]["message_id"] == menu.message_id
    assert api.callback_answers == [(update["callback_query"]["id"], "Recorded vote:yes")]
    [edited] = api.sent(RESIDENT)
    assert edited.text == "You chose yes"
    # Editing without reply_markup drops the keyboard, exactly like Telegram does.
    assert edited.buttons == []
    assert [c.method for c in api.calls() if c.method != "getUpdates"][-2:] == [
        "answerCallbackQuery",
        "editMessageText",
    ]


async def test_faults_surface_as_ptb_exceptions(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    bot = app.bot

    api.inject_429("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as too_many:
        await bot.send_message(RESIDENT, "one")
    assert too_many.value.retry_after == dtm.timedelta(seconds=7)

    api.inject_403("sendMessage", chat_id=RESIDENT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(RESIDENT, "two")

    api.inject_500("sendMessage")
    with pytest.raises(NetworkError, match="Internal Server Error") as server_error:
        await bot.send_message(RESIDENT, "three")
    # 5xx are plain NetworkErrors, not one of the more specific subclasses.
    assert type(server_error.value) is NetworkError

    await bot.send_message(RESIDENT, "four")
    assert [m.text for m in api.sent(RESIDENT)] == ["four"]
    assert api.stats.too_many_requests == 1
    assert [c.status for c in api.calls("sendMessage")] == [429, 403, 500, 200]


async def test_edit_errors_match_telegram(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    message = await app.bot.send_message(RESIDENT, "Question 1")

    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await app.bot.edit_message_text("Question 1", chat_id=RESIDENT, message_id=message.id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=RESIDENT, message_id=999)

    edited = await app.bot.edit_message_text(
        "<b>Question 1</b> (updated)", chat_id=RESIDENT, message_id=message.id, parse_mode="HTML"
    )
    assert not isinstance(edited, bool) and edited.text == "Question 1 (updated)"
    [stored] = api.sent(RESIDENT)
    assert stored.text == "Question 1 (updated)"
    assert stored.raw_text == "<b>Question 1</b> (updated)"
    assert stored.edited and stored.edit_count == 1


async def test_timeout_surfaces_as_timed_out(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    api.inject_timeout("sendMessage", seconds=3600.0)

    # The client's own read timeout ends the call (TimedOut), long before the double answers;
    # the outer bound only keeps a broken transport from hanging the suite.
    with pytest.raises(TimedOut):
        await asyncio.wait_for(app.bot.send_message(RESIDENT, "slow", read_timeout=0.2), timeout=60)

    assert api.sent(RESIDENT) == []


async def test_delivered_timeout_still_sends(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    # Telegram can act on a request whose client already gave up; deliver=True models that.
    api.inject_timeout("sendMessage", seconds=0.3, deliver=True)

    with pytest.raises(TimedOut):
        await app.bot.send_message(RESIDENT, "maybe sent", read_timeout=0.05)

    [message] = await api.wait_sent(RESIDENT, 1, timeout=2.0)
    assert message.text == "maybe sent"


async def test_group_messages_and_wait_idle(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    api.send_text(RESIDENT, "hello group", chat_type="group", chat_id=-500)

    await api.wait_idle(quiet=0.05, timeout=3.0)

    [reply] = api.sent(-500)
    assert reply.text == "hello group"
    assert api.sent(RESIDENT) == []


async def test_uploads_are_recorded(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    await app.bot.send_document(
        RESIDENT, document=b"id,answer\n1,yes\n", filename="export.csv", caption="Export"
    )
    await app.bot.send_photo(RESIDENT, photo=b"\x89PNG fake chart", caption="Chart")

    document, photo = api.sent(RESIDENT)
    assert document.document_name == "export.csv"
    assert document.document_bytes == b"id,answer\n1,yes\n"
    assert document.caption == "Export"
    assert photo.photo_bytes == b"\x89PNG fake chart"
    assert photo.caption == "Chart"


async def test_resident_files_can_be_downloaded(transport: Transport, app: AnyApp) -> None:
    api = transport.api
    api.send_voice(RESIDENT, "voice-42", 4, content=b"OggS voice bytes")

    telegram_file = await app.bot.get_file("voice-42")
    content = await telegram_file.download_as_bytearray()

    assert bytes(content) == b"OggS voice bytes"


async def test_long_poll_returns_promptly(transport: Transport) -> None:
    api = transport.api
    application = transport.builder().build()
    async with application:
        # A long poll of an hour: it only returns in time if the update wakes it.
        poll = asyncio.create_task(application.bot.get_updates(timeout=3600, read_timeout=3700))
        await api.wait_calls("getUpdates")
        api.send_text(RESIDENT, "wake up")

        updates = await asyncio.wait_for(poll, timeout=60)

    assert [u.effective_message.text for u in updates if u.effective_message] == ["wake up"]


async def test_echo_application_baseline(transport: Transport) -> None:
    api = transport.api
    if transport.name == "http":
        application = echo_application(base_url=transport.target.base_url)  # type: ignore[union-attr]
    else:
        application = echo_application(api=api)
    async with running(application):
        for text in ("a", "b", "c"):
            api.send_text(RESIDENT, text)
        replies = await api.wait_sent(RESIDENT, 3)
    assert [r.text for r in replies] == ["a", "b", "c"]


# ---------------------------------------------------------------------- core (no transport)


async def test_get_me_and_unknown_method() -> None:
    api = FakeBotAPI()
    status, body = await api.call("getMe", {})
    assert status == 200
    assert body["result"]["id"] == BOT_ID and body["result"]["username"] == BOT_USERNAME

    status, body = await api.call("sendTelepathy", {})
    assert (status, body["description"]) == (404, "Not Found")


async def test_get_updates_offset_acknowledges() -> None:
    api = FakeBotAPI()
    first = api.send_text(RESIDENT, "one")
    second = api.send_text(RESIDENT, "two")

    _, body = await api.call("getUpdates", {"offset": 0, "timeout": 0})
    assert [u["update_id"] for u in body["result"]] == [first["update_id"], second["update_id"]]

    _, body = await api.call("getUpdates", {"offset": second["update_id"], "timeout": 0})
    assert [u["update_id"] for u in body["result"]] == [second["update_id"]]
    assert api.pending_updates == 1


async def test_second_long_poll_terminates_the_first() -> None:
    api = FakeBotAPI()
    first = asyncio.create_task(api.call("getUpdates", {"timeout": 5}))
    await api.wait_calls("getUpdates")
    await asyncio.sleep(0)

    status, _ = await api.call("getUpdates", {"timeout": 0})
    first_status, first_body = await first

    assert status == 200
    assert first_status == 409 and "terminated by other getUpdates" in first_body["description"]


async def test_rate_limits_count_breaches() -> None:
    api = FakeBotAPI(limits=Limits(global_per_second=3, per_chat_per_second=1.0))

    statuses = [(await api.call("sendMessage", {"chat_id": 1, "text": "x"}))[0] for _ in range(2)]
    assert statuses == [200, 429]
    assert api.stats.per_chat_breaches == 1

    for chat in (2, 3, 4):
        status, body = await api.call("sendMessage", {"chat_id": chat, "text": "x"})
    assert status == 429 and body["parameters"] == {"retry_after": 1}
    assert api.stats.global_breaches == 1
    assert api.stats.too_many_requests == 2
    assert api.stats.messages_sent == 3


async def test_parse_modes_are_validated() -> None:
    api = FakeBotAPI()

    async def send(text: str, mode: str) -> tuple[int, str]:
        status, body = await api.call(
            "sendMessage", {"chat_id": 1, "text": text, "parse_mode": mode}
        )
        return status, body.get("description") or body["result"]["text"]

    assert await send("<b>Hi</b> &amp; <i>welcome</i>", "HTML") == (200, "Hi & welcome")
    status, description = await send("Hi <name>", "HTML")
    assert status == 400 and 'Unsupported start tag "name"' in description
    status, description = await send("line<br>break", "HTML")
    assert status == 400 and "can't parse entities" in description
    assert await send("*Bold* and \\.", "MarkdownV2") == (200, "Bold and .")
    status, description = await send("Thanks.", "MarkdownV2")
    assert status == 400 and "Character '.' is reserved" in description
    assert (await send("hi", "Shouting"))[1] == "Bad Request: unsupported parse_mode"


async def test_buttons_and_texts_are_validated() -> None:
    api = FakeBotAPI()
    markup = {"inline_keyboard": [[{"text": "Long", "callback_data": "x" * 65}]]}

    status, body = await api.call(
        "sendMessage", {"chat_id": 1, "text": "t", "reply_markup": markup}
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    status, body = await api.call("sendMessage", {"chat_id": 1, "text": "x" * 4097})
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    status, body = await api.call("sendMessage", {"chat_id": 1, "text": " "})
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")


async def test_resident_updates_parse_in_ptb() -> None:
    api = FakeBotAPI()
    text = api.send_text(RESIDENT, "hi", first_name="Ada", language_code="cy")
    updates = [
        api.send_location(RESIDENT, 51.48, -3.18),
        api.send_voice(RESIDENT, "v1", 5),
        api.send_sticker(RESIDENT),
        api.send_photo(RESIDENT, caption="pothole"),
        api.send_poll(RESIDENT),
        api.send_document(RESIDENT, "notes.txt", b"n"),
        api.edit_text(RESIDENT, text["message"]["message_id"], "hi again"),
        api.send_text(RESIDENT, "group hello", chat_type="group", chat_id=-100),
        api.press(RESIDENT, 12345, "vote:gone"),
        api.block(RESIDENT),
    ]
    parsed = [Update.de_json(u, None) for u in [text, *updates]]

    assert parsed[0].effective_user is not None
    assert parsed[0].effective_user.language_code == "cy"
    message = parsed[1].effective_message
    assert message is not None and message.location is not None
    assert message.location.latitude == 51.48
    voice = parsed[2].effective_message.voice  # type: ignore[union-attr]
    assert voice is not None and voice.duration == dtm.timedelta(seconds=5)
    assert parsed[3].effective_message.sticker is not None  # type: ignore[union-attr]
    assert parsed[4].effective_message.photo[-1].width == 1280  # type: ignore[union-attr]
    assert parsed[5].effective_message.poll is not None  # type: ignore[union-attr]
    assert parsed[6].effective_message.document is not None  # type: ignore[union-attr]
    assert parsed[7].edited_message is not None
    assert parsed[7].edited_message.text == "hi again"
    assert parsed[8].effective_chat is not None and parsed[8].effective_chat.type == "group"
    query = parsed[9].callback_query
    assert query is not None and query.message is not None
    assert not query.message.is_accessible
    assert parsed[10].my_chat_member is not None
    assert parsed[10].my_chat_member.new_chat_member.status == "kicked"

    status, body = await api.call("sendMessage", {"chat_id": RESIDENT, "text": "still there?"})
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")


async def test_callback_queries_can_be_answered_once() -> None:
    api = FakeBotAPI()
    query_id = api.press(RESIDENT, 1, "x")["callback_query"]["id"]

    first, _ = await api.call("answerCallbackQuery", {"callback_query_id": query_id})
    second, body = await api.call("answerCallbackQuery", {"callback_query_id": query_id})

    assert (first, second) == (200, 400)
    assert "query is too old" in body["description"]


async def test_wait_for_times_out_with_context() -> None:
    api = FakeBotAPI()
    with pytest.raises(TimeoutError, match="2 message"):
        await asyncio.wait_for(api.wait_sent(RESIDENT, 2, timeout=0.05), timeout=60)


async def test_wait_idle_returns_after_quiet_period() -> None:
    api = FakeBotAPI()
    await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    await api.wait_idle(quiet=0.01, timeout=1.0)


def test_decode_params_keeps_strings_and_decodes_json() -> None:
    params = decode_params(
        {
            "chat_id": "1001",
            "text": "42",
            "reply_markup": '{"inline_keyboard": []}',
            "disable_notification": "true",
            "callback_query_id": "123",
            "caption": "[1]",
        }
    )
    assert params == {
        "chat_id": 1001,
        "text": "42",
        "reply_markup": {"inline_keyboard": []},
        "disable_notification": True,
        "callback_query_id": "123",
        "caption": "[1]",
    }
