"""getUpdates' request leaves out the keyboard of a pressed message, the one part of an update
the bot never reads, before PTB makes objects of it; the press is answered as before."""

from __future__ import annotations

import json
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.telegram.http import UpdatesRequest
from tests.telegram.conftest import Harness

AMINA = 1001
KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "v1:1:consent:yes"}]]}


def _payload(*updates: dict[str, Any]) -> bytes:
    return json.dumps({"ok": True, "result": list(updates)}).encode()


def test_only_the_keyboard_of_a_pressed_message_is_left_out() -> None:
    pressed = {"message_id": 7, "chat": {"id": 1, "type": "private"}, "date": 0}
    pressed |= {"text": "Are you happy to take part?", "reply_markup": KEYBOARD}
    press = {"id": "q1", "from": {"id": 1}, "data": "v1:1:consent:yes", "message": pressed}
    typed = {"message_id": 8, "chat": {"id": 1, "type": "private"}, "date": 0, "text": "hi"}
    inline = {"id": "q2", "from": {"id": 1}, "data": "x", "inline_message_id": "AAAA"}
    data = UpdatesRequest().parse_json_payload(
        _payload(
            {"update_id": 1, "callback_query": press},
            {"update_id": 2, "message": typed | {"reply_markup": KEYBOARD}},
            {"update_id": 3, "callback_query": inline},
        )
    )
    first, second, third = data["result"]
    kept = first["callback_query"]["message"]
    assert "reply_markup" not in kept
    assert kept == {k: v for k, v in pressed.items() if k != "reply_markup"}
    assert first["callback_query"]["data"] == "v1:1:consent:yes"
    assert second["message"]["reply_markup"] == KEYBOARD  # not a press: as it came
    assert third["callback_query"] == inline


def test_answers_that_are_not_updates_pass_as_they_came() -> None:
    for body in ({"ok": False, "error_code": 409, "description": "Conflict"}, {"ok": True}):
        assert UpdatesRequest().parse_json_payload(json.dumps(body).encode()) == body
    assert UpdatesRequest().parse_json_payload(b'{"ok": true, "result": true}')["result"] is True


async def test_a_press_reaches_the_bot_without_the_keyboard_and_is_answered(
    tg: Harness,
) -> None:
    seen: list[Update] = []

    async def look(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    tg.bot.app.add_handler(TypeHandler(Update, look, block=True), group=-2)
    await tg.command(AMINA, "start")
    assert tg.last(AMINA).labels == ["Yes, I agree", "No, thank you"]
    await tg.tap(AMINA, "Yes, I agree")
    [press] = [u.callback_query for u in seen if u.callback_query is not None]
    assert press.message is not None and press.message.reply_markup is None
    assert (press.message.text or "").endswith("Are you happy to take part?")
    # Answered as before: the question shows the answer, its buttons gone, and the next comes.
    answered = tg.api.sent(AMINA)[0]
    assert (answered.text or "").endswith("Are you happy to take part?\n\n✅ Yes, I agree")
    assert answered.buttons == [] and "Which area do you live in?" in tg.asked(AMINA)
