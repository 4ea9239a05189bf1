"""Every kind of update is handled on purpose: only a resident's private chat runs a flow."""

from __future__ import annotations

from pathlib import Path

from tests.telegram.conftest import Harness, bot_running
from tgdouble import DoubleServer, FakeBotAPI

AMINA, BEN = 1001, 1002
GROUP = -500


def _pointers(tg: Harness, chat: int) -> list[str]:
    return [m.text or "" for m in tg.api.sent(chat)]


async def test_a_group_gets_one_pointer_and_nobody_is_stored(tg: Harness) -> None:
    tg.api.add_to_group(AMINA, GROUP)
    await tg.settle()
    await tg.text(AMINA, "hello everyone", chat_type="group", chat_id=GROUP)
    await tg.command(BEN, "start", chat_type="group", chat_id=GROUP)
    await tg.command(AMINA, "delete", chat_type="group", chat_id=GROUP)
    [pointer] = _pointers(tg, GROUP)
    assert "private chat" in pointer and "https://t.me/community_voice_test_bot" in pointer
    assert tg.rows("SELECT COUNT(*) FROM participants") == [(0,)]
    assert tg.rows("SELECT chat_id FROM group_chats") == [(str(GROUP),)]


async def test_the_pointer_is_remembered_across_restarts(
    api: FakeBotAPI, server: DoubleServer, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    for _ in range(2):
        async with bot_running(server, db) as bot:
            h = Harness(api, bot, db)
            await h.settle()
            await h.text(AMINA, "hello", chat_type="supergroup", chat_id=GROUP)
    assert len(api.sent(GROUP)) == 1


async def test_a_button_pressed_in_a_group_asks_nothing_there(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    consent = tg.last(AMINA)
    data = consent.button_data("Yes, I agree")
    assert data is not None
    # The same button data, pressed on a message in a group (forged, or from an old bug).
    tg.api.send_text(BEN, "a message in the group", chat_type="group", chat_id=GROUP)
    await tg.settle()
    before = len(tg.api.sent(GROUP))
    tg.api.press(AMINA, 1, data, chat_id=GROUP)
    await tg.settle()
    assert len(tg.api.sent(GROUP)) == before  # no question, no confirmation in the group
    assert tg.api.callback_answers[-1][1] is None  # the spinner stops, nothing more
    assert tg.rows("SELECT chat_id FROM participants") == [(str(AMINA),)]
    assert tg.rows("SELECT COUNT(*) FROM answers") == [(0,)]
    assert tg.asked(AMINA).endswith("Are you happy to take part?")  # still their question


async def test_a_button_on_an_inline_message_is_answered_and_ignored(tg: Harness) -> None:
    tg.api.press_inline(AMINA, "v1:1:consent:yes")
    await tg.settle()
    assert len(tg.api.callback_answers) == 1
    assert tg.api.all_sent() == []
    assert tg.rows("SELECT COUNT(*) FROM participants") == [(0,)]


async def test_a_live_location_moving_is_not_an_answer_each_time(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    shared = tg.api.send_location(AMINA, 51.5, -0.12, live_period=900)
    await tg.settle()
    after_share = len(tg.api.sent(AMINA))
    for step in range(5):
        tg.api.move_location(AMINA, shared["message"]["message_id"], 51.5 + step / 1000, -0.12)
    await tg.settle()
    assert len(tg.api.sent(AMINA)) == after_share


async def test_blocking_and_unblocking_are_noticed_at_once(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    await tg.tap(AMINA, "Yes, I agree")
    tg.api.block(AMINA)
    await tg.settle()
    [(unreachable,)] = tg.rows("SELECT unreachable_at FROM participants")
    assert unreachable is not None
    tg.api.unblock(AMINA)
    await tg.settle()
    assert tg.rows("SELECT unreachable_at FROM participants") == [(None,)]


async def test_kinds_the_bot_does_not_use_are_left_alone(tg: Harness) -> None:
    user = {"id": AMINA, "is_bot": False, "first_name": "Amina"}
    tg.api.enqueue("inline_query", {"id": "q1", "from": user, "query": "hi", "offset": ""})
    tg.api.enqueue(
        "poll_answer",
        {"poll_id": "p1", "user": user, "option_ids": [0], "option_persistent_ids": ["0"]},
    )
    tg.api.enqueue(
        "channel_post",
        {"message_id": 1, "date": 0, "chat": {"id": -1009, "type": "channel"}, "text": "news"},
    )
    tg.api.enqueue(
        "message",
        {
            "message_id": 7,
            "date": 0,
            "chat": {"id": AMINA, "type": "private", "first_name": "Amina"},
            "from": user,
            "write_access_allowed": {},
        },
    )
    await tg.settle()
    assert tg.api.all_sent() == []
    assert tg.rows("SELECT COUNT(*) FROM participants") == [(0,)]


async def test_a_private_update_whose_chat_is_not_the_sender_is_refused(tg: Harness) -> None:
    # In a private chat the chat is the user: anything else was never sent by Telegram.
    tg.api.enqueue(
        "message",
        {
            "message_id": 8,
            "date": 0,
            "chat": {"id": BEN, "type": "private", "first_name": "Ben"},
            "from": {"id": AMINA, "is_bot": False, "first_name": "Amina"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    )
    await tg.settle()
    assert tg.api.all_sent() == []
    assert tg.rows("SELECT COUNT(*) FROM participants") == [(0,)]
