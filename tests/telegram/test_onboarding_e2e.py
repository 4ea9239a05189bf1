"""Residents in Telegram, end to end through the real Application and the HTTP double."""

from __future__ import annotations

import json
from pathlib import Path

from tests.telegram.conftest import Harness, bot_running
from tgdouble import DoubleServer, FakeBotAPI

AMINA = 1001


async def test_commands_are_registered(tg: Harness) -> None:
    calls = tg.api.calls("setMyCommands")
    assert calls, "setMyCommands was not called"
    names = [c["command"] for c in calls[0].params["commands"]]
    assert names == [
        "start",
        "menu",
        "language",
        "cancel",
        "help",
        "privacy",
        "mydata",
        "delete",
        "stop",
    ]


async def test_onboarding_in_telegram(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    [text] = tg.texts(AMINA)
    assert text.startswith("Hello! This is Community Voice, run by Riverside Health Team.")
    assert "\n\nYour privacy:" in text
    # The welcome and the privacy note arrive with the question: one message, not three.
    [consent] = tg.api.sent(AMINA)
    assert tg.asked(AMINA).endswith("Are you happy to take part?")
    assert consent.labels == ["Yes, I agree", "No, thank you"]

    await tg.tap(AMINA, "Yes, I agree")
    answered = tg.api.sent(AMINA)[0]
    assert (answered.text or "").endswith("Are you happy to take part?\n\n✅ Yes, I agree")
    assert answered.buttons == [] and answered.edited
    assert "Which area do you live in?" in tg.asked(AMINA)
    assert tg.last(AMINA).labels == ["Skip", "◀️ Back"]

    await tg.text(AMINA, "Riverside")
    area_question = tg.api.sent(AMINA)[1]
    assert area_question.text.endswith("✅ Riverside") and area_question.buttons == []

    await tg.tap(AMINA, "No, thanks")
    assert tg.asked(AMINA) == "Thank you! You are all set.\n\nWhat would you like to do?"

    [(consent_at, area, locale)] = tg.rows(
        "SELECT consent_at, area, locale FROM participants WHERE channel_user_id = ?", str(AMINA)
    )
    assert consent_at and area == "Riverside" and locale == "en"
    keys = [k for (k,) in tg.rows("SELECT key FROM answers ORDER BY id")]
    assert keys == ["consent", "area", "equality_opt_in"]


def _calls_since(tg: Harness, start: int) -> list[str]:
    return [c.method for c in tg.api.calls()[start:] if c.method != "getUpdates"]


async def test_the_answer_is_shown_on_the_last_question_beside_the_next(tg: Harness) -> None:
    # Neither waits for the other: the next question, the edit that shows the answer on the
    # question it answered and the answer to the press go out together, in any order.
    await tg.command(AMINA, "start")
    start = len(tg.api.calls())
    await tg.tap(AMINA, "Yes, I agree")
    calls = _calls_since(tg, start)
    assert sorted(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"], calls
    consent, area = tg.api.sent(AMINA)
    assert (consent.text or "").endswith("\n\n✅ Yes, I agree") and consent.buttons == []
    assert "Which area do you live in?" in (area.text or "") and not area.edited

    start = len(tg.api.calls())
    await tg.text(AMINA, "Riverside")  # a typed answer is shown on its question too
    assert sorted(_calls_since(tg, start)) == ["editMessageText", "sendMessage"]
    assert (tg.api.sent(AMINA)[1].text or "").endswith("✅ Riverside")
    assert "No, thanks" in tg.last(AMINA).labels  # the next question, after the area


async def test_the_answer_is_shown_at_once_when_the_next_question_must_wait_its_turn(
    api: FakeBotAPI, server: DoubleServer, tmp_path: Path
) -> None:
    # Telegram's one message a second in a chat: a tap within that second waits for the next
    # question, and the edit (not paced) goes in that wait, so the answered question does not
    # keep buttons that look live meanwhile.
    db = tmp_path / "bot.sqlite3"
    async with bot_running(server, db, chat_spacing=1.0) as bot:
        tg = Harness(api, bot, db)
        await tg.settle()
        await tg.command(AMINA, "start")
        start = len(tg.api.calls())
        await tg.tap(AMINA, "Yes, I agree")  # at once: within the second
        calls = _calls_since(tg, start)
        assert sorted(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"], calls
        edit, send = (
            next(c for c in tg.api.calls()[start:] if c.method == method)
            for method in ("editMessageText", "sendMessage")
        )
        assert send.time - edit.time > 0.5, (edit.time, send.time)  # not after its turn
        assert (tg.api.sent(AMINA)[0].text or "").endswith("✅ Yes, I agree")


async def test_typing_the_label_or_number_works_like_a_tap(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    await tg.text(AMINA, "yes, i agree")
    assert "Which area" in tg.asked(AMINA)
    await tg.text(AMINA, "skip")
    assert "Would you answer a few questions" in tg.asked(AMINA)
    await tg.text(AMINA, "2")
    assert tg.asked(AMINA).endswith("What would you like to do?")


async def test_no_consent_keeps_nothing(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    await tg.tap(AMINA, "No, thank you")
    assert "That is fine. We have not kept anything about you." in tg.asked(AMINA)
    for table in ("participants", "sessions", "answers", "referrals", "champions"):
        assert tg.rows(f"SELECT * FROM {table}") == [], table


async def test_a_stale_button_says_it_moved_on_and_asks_again(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    consent = tg.last(AMINA)
    data = consent.button_data("Yes, I agree")
    assert data is not None
    await tg.tap(AMINA, "Yes, I agree")
    before = len(tg.api.sent(AMINA))
    tg.api.press(AMINA, consent.message_id, data)  # the same button again: a double tap
    await tg.settle()
    assert tg.api.callback_answers[-1][1] == "That question has moved on."
    again = tg.api.sent(AMINA)[before:]
    assert [m.text.split("\n")[0] for m in again] == [
        "Which area do you live in? You can type your neighbourhood, or the first part of "
        "your postcode (like CF10)."
    ]
    assert tg.rows("SELECT COUNT(*) FROM answers WHERE key = 'consent'") == [(1,)]


async def test_a_forged_button_is_treated_as_stale(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    question = tg.last(AMINA)
    tg.api.press(AMINA, question.message_id, "v1:zzzz:consent:yes")
    await tg.settle()
    tg.api.press(AMINA, question.message_id, "not our data at all")
    await tg.settle()
    assert [a[1] for a in tg.api.callback_answers[-2:]] == ["That question has moved on."] * 2
    assert tg.rows("SELECT COUNT(*) FROM answers") == [(0,)]
    assert tg.asked(AMINA).endswith("Are you happy to take part?")


async def _onboard(tg: Harness, user: int) -> None:
    await tg.command(user, "start")
    await tg.tap(user, "Yes, I agree")
    await tg.text(user, "Riverside")
    await tg.tap(user, "No, thanks")


async def test_mydata_sends_a_file_of_everything_kept(tg: Harness) -> None:
    await _onboard(tg, AMINA)
    await tg.command(AMINA, "mydata")
    document = tg.last(AMINA)
    assert document.document_name == "my-community-voice-data.json"
    assert document.caption == "Here is everything we keep about you."
    data = json.loads(document.document_bytes or b"")
    assert data["about"].startswith("This file holds everything we keep about you")
    tables = data["tables"]
    assert tables["participants"][0]["area"] == "Riverside"
    # Values are shown as they are: "no", not the JSON text "\"no\"".
    assert [(a["key"], a["value_json"]) for a in tables["answers"]] == [
        ("consent", "yes"),
        ("area", "Riverside"),
        ("equality_opt_in", "no"),
    ]
    assert isinstance(tables["sessions"][0]["state_json"], dict)


async def test_delete_asks_then_erases_every_row(tg: Harness) -> None:
    await _onboard(tg, AMINA)
    await _onboard(tg, 2002)
    await tg.command(AMINA, "delete")
    assert tg.last(AMINA).labels == ["Yes, delete everything", "No, keep it"]
    await tg.tap(AMINA, "No, keep it")
    assert tg.asked(AMINA).endswith("Nothing was deleted.")
    await tg.command(AMINA, "delete")
    await tg.tap(AMINA, "Yes, delete everything")
    assert "Done. We have deleted everything" in tg.asked(AMINA)
    [(pid,)] = tg.rows("SELECT id FROM participants WHERE channel_user_id = '2002'")
    # Scan every table: no row may mention the deleted resident any more.
    tables = [t for (t,) in tg.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        columns = [c[1] for c in tg.rows(f'PRAGMA table_info("{table}")')]
        for row in tg.rows(f'SELECT * FROM "{table}"'):
            assert str(AMINA) not in [str(v) for v in row], (table, row)
        if "participant_id" in columns:
            ids = {r[0] for r in tg.rows(f'SELECT participant_id FROM "{table}"')}
            assert ids <= {pid}, table


async def test_the_host_questions_take_typed_answers_not_the_flows_question_under_them(
    tg: Harness,
) -> None:
    # Typing a button's words is how people who cannot tap answer; typed after /delete or
    # /language they answered the flow's question asked before (or were told to tap).
    await tg.command(AMINA, "start")
    await tg.tap(AMINA, "Yes, I agree")
    await tg.text(AMINA, "Riverside")
    about = "Would you answer a few questions about yourself?"
    assert about in tg.asked(AMINA)
    await tg.command(AMINA, "delete")
    await tg.text(AMINA, "No, keep it")
    assert tg.asked(AMINA) == "Nothing was deleted."
    # Words that are none of its buttons: it is asked again, the flow's question untouched.
    await tg.command(AMINA, "delete")
    await tg.text(AMINA, "2 please")
    assert tg.asked(AMINA) == (
        "Please tap one of the buttons.\n\n"
        "Do you want us to delete everything we keep about you? This cannot be undone."
    )
    assert tg.last(AMINA).labels == ["Yes, delete everything", "No, keep it"]
    # Back leaves it for the question it came in front of.
    await tg.text(AMINA, "back")
    assert about in tg.asked(AMINA)
    assert tg.rows("SELECT key FROM answers ORDER BY id") == [("consent",), ("area",)]
    # Once something else was asked, typed words are the flow's again.
    await tg.command(AMINA, "language")
    await tg.text(AMINA, "Cymraeg")
    assert tg.rows("SELECT locale, host_question FROM participants") == [("cy", None)]
    await tg.text(AMINA, "Na wnaf, diolch")  # "No, thanks", to the question about them
    assert tg.rows("SELECT key FROM answers ORDER BY id")[-1] == ("equality_opt_in",)
    await tg.command(AMINA, "delete")
    await tg.text(AMINA, "1")
    assert tg.rows("SELECT COUNT(*) FROM participants") == [(0,)]


async def test_stop_and_start_again(tg: Harness) -> None:
    await _onboard(tg, AMINA)
    await tg.command(AMINA, "stop")
    assert "You will not get any more news from us." in tg.asked(AMINA)
    assert tg.rows("SELECT opted_out_at IS NOT NULL FROM participants") == [(1,)]
    before = len(tg.api.sent(AMINA))
    await tg.command(AMINA, "start")
    assert tg.rows("SELECT opted_out_at IS NULL FROM participants") == [(1,)]
    # They are told /start worked, then shown the menu again.
    assert tg.texts(AMINA)[before:] == [
        "You will get news from us again.\n\nWhat would you like to do?"
    ]
    # Only once: a second /start has no opt-out to clear.
    await tg.command(AMINA, "start")
    assert tg.asked(AMINA) == "What would you like to do?"


async def test_stop_in_the_middle_then_start_says_so_and_asks_again(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    await tg.tap(AMINA, "Yes, I agree")
    await tg.command(AMINA, "stop")
    await tg.command(AMINA, "start")
    assert tg.asked(AMINA).startswith(
        "You will get news from us again.\n\nWhich area do you live in?"
    )


async def test_start_without_stop_says_nothing_about_news(tg: Harness) -> None:
    await _onboard(tg, AMINA)
    before = len(tg.api.sent(AMINA))
    await tg.command(AMINA, "start")
    assert tg.texts(AMINA)[before:] == ["What would you like to do?"]
    assert not any("news" in text for text in tg.texts(AMINA))


async def test_group_chats_get_one_pointer_to_a_private_chat(tg: Harness) -> None:
    group = -500
    await tg.text(AMINA, "hello everyone", chat_type="group", chat_id=group)
    await tg.command(AMINA, "start", chat_type="group", chat_id=group)
    sent = tg.api.sent(group)
    assert len(sent) == 1
    assert "private chat" in (sent[0].text or "")
    assert "https://t.me/community_voice_test_bot" in (sent[0].text or "")
    assert tg.rows("SELECT COUNT(*) FROM participants") == [(0,)]


async def test_unsupported_input_gets_a_kind_re_ask(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    before = len(tg.api.sent(AMINA))
    tg.api.send_sticker(AMINA)
    await tg.settle()
    tg.api.send_poll(AMINA)
    await tg.settle()
    replies = tg.texts(AMINA)[before:]
    assert (
        replies
        == [
            "Sorry, I can only read text, button taps, locations and voice notes.\n\n"
            "Are you happy to take part?"
        ]
        * 2
    )


async def test_an_edited_message_is_explained_not_applied(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    await tg.tap(AMINA, "Yes, I agree")
    await tg.text(AMINA, "Riverside")
    tg.api.edit_text(AMINA, 1, "Hillside")
    await tg.settle()
    assert tg.asked(AMINA).startswith("I saw you edited a message.")
    assert tg.last(AMINA).labels  # said with the question, in one message
    assert tg.rows("SELECT area FROM participants") == [("Riverside",)]


async def test_help_and_privacy(tg: Harness) -> None:
    await tg.command(AMINA, "help")
    assert "/mydata" in tg.last(AMINA).text
    await tg.command(AMINA, "privacy")
    assert "This bot is run by Riverside Health Team." in tg.asked(AMINA)
