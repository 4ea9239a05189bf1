"""Champions in Telegram: their link with a share button, their poster, their figures, and
support that reaches staff and comes back answered; staff pause, retire and reactivate them."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from bot.flows.callback import encode_callback
from bot.host.hostnodes import CHAMPION_SUPPORT
from bot.staff.actor import Actor, Role
from bot.store import champions, participants
from bot.store.champions import SignUp
from bot.store.db import Tx
from tests.conftest import CODE
from tests.posterscan import page_size_mm, pdf_qr_codes
from tests.telegram.conftest import STAFF_ID, Harness

NIA, AMINA, BEN, CARYS = 1001, 1002, 1003, 1004
LINK = f"https://t.me/community_voice_test_bot?start={CODE}"
NOT_CHAMPION = (
    "This is for community champions. To become one, send /menu and choose "
    "“🤝 Help others as a community champion”."
)


async def _onboard(tg: Harness, user: int, payload: str | None = None) -> None:
    await tg.command(user, "start", payload)
    await tg.tap(user, "Yes, I agree")
    await tg.tap(user, "Skip")
    await tg.tap(user, "No, thanks")


async def _champion(tg: Harness, user: int = NIA) -> None:
    """`user` signed up (speaks Polish) and staff approved them: champion 1."""
    await _onboard(tg, user)

    def sign_up(conn: Tx) -> None:
        person = participants.find(conn, "telegram", str(user))
        assert person is not None
        details = SignUp(("connector",), ("pl",), ("weekends",), None, True)
        champions.save_signup(conn, person.id, CODE, details, "2026-11-01T10:00:00+00:00")

    await tg.core.db.write(sign_up)
    assert await _staff(tg, "/champion_approve 1") == "Approved champion 1. They have their link."


async def _staff(tg: Harness, text: str) -> str:
    await tg.text(STAFF_ID, text)
    return tg.last(STAFF_ID).text or ""


async def _sent_out(tg: Harness) -> None:
    """Wait for broadcasts being sent (support answers go through the ledger)."""
    services = tg.bot.app.bot_data["services"]
    await asyncio.gather(*services.jobs.running.values())
    await tg.settle()


async def test_mylink_gives_the_link_with_a_share_button(tg: Harness) -> None:
    await _onboard(tg, AMINA)
    await tg.command(AMINA, "mylink")
    assert tg.asked(AMINA) == NOT_CHAMPION
    await _champion(tg)
    await tg.command(NIA, "mylink")
    message = tg.last(NIA)
    assert LINK in (message.text or "")
    assert message.labels == ["📤 Share my link"]
    assert message.reply_markup is not None
    url = urlsplit(message.reply_markup["inline_keyboard"][0][0]["url"])
    assert (url.netloc, url.path) == ("t.me", "/share/url")
    query = parse_qs(url.query)
    assert query["url"] == [LINK]
    assert query["text"] == [
        "We want to hear what matters to you about health where you live. "
        "It takes a few minutes, in your own language."
    ]


async def test_myposter_asks_which_languages_then_sends_a_pdf_and_a_png(tg: Harness) -> None:
    await _champion(tg)
    await tg.command(NIA, "myposter")
    question = tg.last(NIA)
    assert question.text == "Which languages should your poster be in?"
    assert question.labels == ["English", "Polski + English"]
    await tg.tap(NIA, "Polski + English")
    pdf, png = tg.api.sent(NIA)[-2:]
    assert pdf.document_name == "community-voice-poster-pl-en.pdf"
    assert pdf.caption == "Your poster. Print the PDF on A4 paper, or share the picture."
    assert png.document_name == "community-voice-poster-pl-en.png"
    assert page_size_mm(pdf.document_bytes or b"") == [(210.0, 297.0)]
    assert pdf_qr_codes(pdf.document_bytes or b"") == [LINK]
    # Languages can be given at once, too.
    await tg.command(NIA, "myposter", "cy,en")
    assert tg.api.sent(NIA)[-2].document_name == "community-voice-poster-cy-en.pdf"
    # Three, or one there is none of: said why, then asked.
    for wanted in ("cy,pl,ar", "welsh"):
        await tg.command(NIA, "myposter", wanted)
        assert tg.asked(NIA).startswith(
            "A poster can be in one or two languages, from these: en, ar, bn, cy,"
        ), tg.asked(NIA)
        assert tg.asked(NIA).endswith("Which languages should your poster be in?")


async def test_mystats_counts_who_joined_with_small_numbers_hidden(tg: Harness) -> None:
    await _champion(tg)
    await tg.command(NIA, "mystats")
    assert tg.asked(NIA) == ("Nobody has joined through your link yet. Send /mylink to share it.")
    for user in (AMINA, BEN):
        await _onboard(tg, user, CODE)
    await tg.command(NIA, "mystats")
    text, chart = tg.texts(NIA)[-2], tg.last(NIA)
    assert text.startswith("People who joined through your link: <5\nHow many of them answered:")
    assert "• Help choose what we work on first: 0" in text
    assert text.endswith("Numbers from 1 to 4 show as “<5”, so that nobody can be recognised.")
    assert (chart.photo_bytes or b"").startswith(b"\x89PNG")


async def test_a_support_request_reaches_staff_and_their_reply_comes_back(tg: Harness) -> None:
    await _champion(tg)
    await tg.command(NIA, "support")
    assert "What would you like help with?" in tg.asked(NIA)
    await tg.text(NIA, "Could I have leaflets in Polish?")
    assert tg.texts(NIA)[-1] == (
        "Thank you. Our team has your message. Their answer will come here, in this chat."
    )
    alert = tg.last(STAFF_ID)
    assert (alert.text or "").startswith(
        "🙋 Support request #1 from champion 1 (roles connector; languages pl):\n"
        "“Could I have leaflets in Polish?”"
    )
    assert "#1 from champion 1" in await _staff(tg, "/support_open")

    tg.api.send_text(
        STAFF_ID, "Yes: 50 will be at the library on Monday.", reply_to=alert.message_id
    )
    await tg.settle()
    assert tg.asked(STAFF_ID) == (
        "Sent to champion 1, with a line in their language. Support request #1 is closed."
    )
    await _sent_out(tg)
    # (The sweep that sends it may send the month's check-in too, in either order.)
    assert (
        "💬 Our team has answered your request for support:\n\n"
        "Yes: 50 will be at the library on Monday."
    ) in tg.texts(NIA)
    assert tg.rows("SELECT status, answer, answer_sent, answered_by FROM support_requests") == [
        ("answered", "Yes: 50 will be at the library on Monday.", 1, "tg:Resident#1")
    ]
    assert await _staff(tg, "/support_open") == "No open support requests."
    assert await _staff(tg, "/support_answer 1 again") == (
        "Not done: Support request #1 has already been answered."
    )


async def test_the_check_in_support_button_takes_a_voice_note_to_staff(tg: Harness) -> None:
    await _champion(tg)
    tg.api.press(NIA, 1, encode_callback("0", CHAMPION_SUPPORT, "help"))
    await tg.settle()
    assert "What would you like help with?" in tg.asked(NIA)
    tg.api.send_voice(NIA, "voice-help", 7)
    await tg.settle()
    text, voice = tg.api.sent(STAFF_ID)[-2:]
    assert "🙋 Support request #1" in (text.text or "") and "(a voice note, 7 s)" in (
        text.text or ""
    )
    assert voice.method == "sendVoice" and voice.caption == "🙋 Support request #1"
    assert await _staff(tg, "/support_answer 1 We will call you tomorrow.") == (
        "Sent to champion 1, with a line in their language. Support request #1 is closed."
    )
    await _sent_out(tg)
    assert any(text.endswith("\n\nWe will call you tomorrow.") for text in tg.texts(NIA))
    # The check-in answer is kept and counted; a request closed another way sends nothing.
    assert tg.rows("SELECT value_json FROM answers WHERE flow_id = 'champion-checkin'") == [
        ('"help"',)
    ]


async def test_staff_close_a_request_answered_another_way(tg: Harness) -> None:
    await _champion(tg)
    await tg.command(NIA, "support")
    await tg.text(NIA, "Can we talk?")
    sent = len(tg.api.sent(NIA))
    assert await _staff(tg, "/support_done 1 phoned her") == (
        "Support request #1 is closed. Nothing was sent."
    )
    await _sent_out(tg)
    assert len(tg.api.sent(NIA)) == sent
    assert tg.rows("SELECT status, answer, answer_sent FROM support_requests") == [
        ("answered", "phoned her", 0)
    ]


async def test_paused_and_retired_champions_links_still_welcome_and_count(tg: Harness) -> None:
    await _champion(tg)
    assert await _staff(tg, "/champion_pause 1") == (
        "Champion 1 is paused. Their link still brings people in, and they are still counted "
        "as theirs. They are told (unless they have stopped messages from the bot)."
    )
    await _sent_out(tg)
    # Told, not left to find out from /mylink.
    assert tg.asked(NIA).startswith("Your champion role is paused at the moment.")
    await tg.command(NIA, "mylink")
    assert "Your champion role is paused at the moment." in tg.asked(NIA)
    await tg.command(AMINA, "start", CODE)
    await tg.command(BEN, "start", "c-NoSuchCode0000x")
    assert tg.texts(AMINA) == tg.texts(BEN)
    assert await _staff(tg, "/champion_retire 1") == (
        "Champion 1 is retired. Their link still brings people in, and they are still counted "
        "as theirs. They are told (unless they have stopped messages from the bot)."
    )
    await _sent_out(tg)
    assert tg.asked(NIA).startswith("Your time as a community champion has ended.")
    await tg.command(CARYS, "start", CODE)
    assert tg.texts(CARYS) == tg.texts(BEN)
    assert tg.rows(
        "SELECT p.channel_user_id FROM referrals r JOIN participants p ON p.id = r.participant_id"
    ) == [(str(AMINA),), (str(CARYS),)]
    # No monthly check-in for a retired champion.
    services = tg.bot.app.bot_data["services"]
    await services.jobs.sweep()
    await _sent_out(tg)
    assert tg.rows(
        "SELECT json_extract(content, '$.notice') FROM broadcasts WHERE kind = 'champion'"
    ) == [("paused",), ("ended",)]  # only the notices of the pause and the retiring
    assert await _staff(tg, "/champion_pause 1") == (
        "Not done: Champion 1 is retired: only a champion who is active can be paused."
    )
    reactivated = await _staff(tg, "/champion_reactivate 1")
    assert reactivated == (
        "Champion 1 is active again. Their link still brings people in, and they are still "
        "counted as theirs. They have been told, with their link."
    )
    assert (tg.last(NIA).text or "").endswith(LINK)


async def test_staff_see_figures_and_print_posters(tg: Harness) -> None:
    await _champion(tg)
    figures = await _staff(tg, "/champion_stats 1")
    assert figures.startswith("Champion 1 [active]")
    assert "Joined through their link: 0" in figures
    assert "Last check-in answer: none yet" in figures and "Open support requests: 0" in figures
    await _staff(tg, "/champion_poster 1 cy,en")
    pdf, png = tg.api.sent(STAFF_ID)[-2:]
    assert (pdf.document_name, png.document_name) == (
        "champion-1-poster-cy-en.pdf",
        "champion-1-poster-cy-en.png",
    )
    assert pdf_qr_codes(pdf.document_bytes or b"") == [LINK]
    await _staff(tg, "/poster en,ur flow-priorities Riverside Library")
    pdf = tg.api.sent(STAFF_ID)[-2]
    assert pdf.document_name == "poster-riverside-library-en-ur.pdf"
    assert pdf_qr_codes(pdf.document_bytes or b"") == [
        "https://t.me/community_voice_test_bot?start=flow-priorities"
    ]
    assert await _staff(tg, "/champion_poster 9") == (
        "Not done: There is no champion 9. /champions lists them."
    )


async def test_residents_cannot_use_the_staff_champion_commands(tg: Harness) -> None:
    for command in ("/champion_pause 1", "/support_answer 1 hi", "/poster Library"):
        await tg.text(AMINA, command)
        assert tg.asked(AMINA) == (
            "Sorry, only staff can do that. Send /menu to see what you can do."
        )


async def test_a_retired_champion_is_not_pointed_at_what_no_longer_serves_them(
    tg: Harness,
) -> None:
    await _champion(tg)
    assert (await _staff(tg, "/champion_retire 1")).startswith("Champion 1 is retired.")
    await tg.command(NIA, "mystats")
    assert tg.asked(NIA) == "Nobody has joined through your link."  # not "Send /mylink"
    await tg.command(NIA, "support")
    assert tg.asked(NIA).startswith(
        "Your time as a community champion has ended. Thank you for all you did! Support from "
        "our team is for champions who are in the role now."
    )
    assert "To become one" not in tg.asked(NIA)


async def _checked_in(tg: Harness) -> None:
    """The monthly check-in, due now, sent to the champion."""
    await tg.core.db.write(
        lambda conn: conn.execute("UPDATE champions SET last_checkin_at = '2020-01-01T00:00:00'")
    )
    await tg.bot.app.bot_data["services"].jobs.sweep()
    await _sent_out(tg)
    assert tg.asked(NIA).startswith("Hello, community champion! How are things going?")


async def test_the_check_in_is_answered_by_words_typed_in_reply(tg: Harness) -> None:
    # Typed, a reply went to the question they were on before (the menu's "Please tap one
    # of the buttons"), and the check-in went unanswered.
    await _champion(tg)
    await _checked_in(tg)
    await tg.text(NIA, "all good")
    assert tg.asked(NIA) == "Good to hear. Thank you for all you do!"
    await _checked_in(tg)
    await tg.text(NIA, "fine")  # neither button: asked again, with its buttons
    assert tg.asked(NIA).startswith("Please tap one of the buttons.")
    assert tg.last(NIA).labels == ["👍 All good", "🙋 I would like support"]
    await tg.text(NIA, "support")
    assert "What would you like help with?" in tg.asked(NIA)
    assert tg.rows(
        "SELECT value_json FROM answers WHERE flow_id = 'champion-checkin' ORDER BY id"
    ) == [('"ok"',), ('"help"',)]


async def test_a_support_answer_reaches_a_champion_who_sent_stop(tg: Harness) -> None:
    # "Their answer will come here": an answer to their own question is not news, and was
    # sent to nobody, while staff read "Sent to champion 1" and the request counted answered.
    await _champion(tg)
    await tg.command(NIA, "support")
    await tg.text(NIA, "Where do I get a DBS check?")
    await tg.command(NIA, "stop")
    assert await _staff(tg, "/support_answer 1 We pay for it: ask at the library.") == (
        "Sent to champion 1, with a line in their language. Support request #1 is closed."
    )
    await _sent_out(tg)
    assert any(t.endswith("\n\nWe pay for it: ask at the library.") for t in tg.texts(NIA))


async def test_a_support_answer_to_a_champion_who_blocked_the_bot_is_refused(
    tg: Harness,
) -> None:
    await _champion(tg)
    await tg.command(NIA, "support")
    await tg.text(NIA, "Can we talk?")
    await tg.core.db.write(
        lambda conn: conn.execute("UPDATE participants SET unreachable_at = '2026-11-26'")
    )
    answered = await _staff(tg, "/support_answer 1 Yes, on Monday.")
    assert answered.startswith(
        "Not done: The champion of request #1 has blocked the bot, so the answer cannot reach them."
    ), answered
    assert tg.rows("SELECT status FROM support_requests") == [("open",)]


async def test_a_sign_up_turned_down_is_not_thanked_for_work_never_done(tg: Harness) -> None:
    await _onboard(tg, NIA)

    def sign_up(conn: Tx) -> None:
        person = participants.find(conn, "telegram", str(NIA))
        assert person is not None
        details = SignUp(("connector",), ("pl",), ("weekends",), None, True)
        champions.save_signup(conn, person.id, CODE, details, "2026-11-01T10:00:00+00:00")

    await tg.core.db.write(sign_up)
    assert (await _staff(tg, "/champion_retire 1")).startswith("Champion 1 is retired.")
    declined = (
        "Thank you for offering to be a community champion. Our team cannot take you on in "
        "this role at the moment. You can still tell us what matters to you: send /menu."
    )
    await tg.command(NIA, "menu")
    await tg.tap(NIA, "🤝 Help others as a community champion")
    assert tg.asked(NIA).startswith(declined), tg.asked(NIA)
    for command in ("mylink", "support"):
        await tg.command(NIA, command)
        assert tg.asked(NIA).startswith(declined), (command, tg.asked(NIA))


async def _signed_up(tg: Harness, may_contact: bool = True) -> None:
    """NIA offered to be a champion (not approved yet): champion 1."""
    await _onboard(tg, NIA)

    def sign_up(conn: Tx) -> None:
        person = participants.find(conn, "telegram", str(NIA))
        assert person is not None
        details = SignUp(("connector",), ("pl",), ("weekends",), None, may_contact)
        champions.save_signup(conn, person.id, CODE, details, "2026-11-01T10:00:00+00:00")

    await tg.core.db.write(sign_up)


async def test_staff_contact_someone_who_offered_to_help_and_they_answer(tg: Harness) -> None:
    # "Our team will contact you soon": staff had no way to, short of approving them.
    await _signed_up(tg)
    assert await _staff(tg, "/champion_message 1 Could we meet at the library on Monday?") == (
        "Sent to champion 1, with a line in their language."
    )
    await _sent_out(tg)
    assert tg.asked(NIA) == (
        "💬 A message from our team:\n\nCould we meet at the library on Monday?\n\n"
        "To answer, send /support."
    )
    await tg.command(NIA, "support")
    assert "What would you like help with?" in tg.asked(NIA)
    await tg.text(NIA, "Yes, Monday at 10 is fine.")
    assert "🙋 Support request #1 from champion 1" in (tg.last(STAFF_ID).text or "")
    assert tg.rows("SELECT action FROM audit_log WHERE action = 'champion.message'") == [
        ("champion.message",)
    ]


async def test_no_message_to_someone_who_said_our_team_may_not_contact_them(
    tg: Harness,
) -> None:
    await _signed_up(tg, may_contact=False)
    refused = await _staff(tg, "/champion_message 1 Hello!")
    assert refused.startswith(
        "Not done: Champion 1 said our team may not contact them about this"
    ), refused
    assert tg.rows("SELECT COUNT(*) FROM broadcasts") == [(0,)]


async def test_staff_are_told_the_language_a_support_request_came_in(tg: Harness) -> None:
    await _champion(tg)
    await tg.core.db.write(lambda conn: conn.execute("UPDATE participants SET locale = 'ar'"))
    await tg.command(NIA, "support")
    await tg.text(NIA, "أحتاج تدريبًا")
    assert (tg.last(STAFF_ID).text or "").startswith(
        "🙋 Support request #1 from champion 1 (roles connector; languages pl), in Arabic (ar):"
    )
    assert "#1 from champion 1, " in (listed := await _staff(tg, "/support_open"))
    assert ", in Arabic (ar): “أحتاج تدريبًا”" in listed, listed


async def test_a_retired_champion_may_offer_to_help_again(tg: Harness) -> None:
    # The menu's champion item said their time had ended and went nowhere.
    await _champion(tg)
    assert (await _staff(tg, "/champion_retire 1")).startswith("Champion 1 is retired.")
    await tg.command(NIA, "menu")
    await tg.tap(NIA, "🤝 Help others as a community champion")
    assert tg.asked(NIA).endswith("Would you like to offer to help again?")
    await tg.tap(NIA, "Yes")
    await tg.tap(NIA, "Yes")  # to choose how they would help
    await tg.tap(NIA, "✔️ Done")  # their roles, languages and times are ticked from before
    await tg.tap(NIA, "✔️ Done")
    await tg.tap(NIA, "✔️ Done")
    await tg.tap(NIA, "Skip")
    await tg.tap(NIA, "✅ Yes")  # what they said before, marked
    assert tg.asked(NIA).startswith("Thank you for offering to help!")
    assert tg.rows("SELECT status, approved_at, roles FROM champions") == [
        ("interested", None, '["connector"]')
    ]
    assert (await _staff(tg, "/champion_approve 1")).startswith("Approved champion 1.")


async def test_a_champion_approved_at_the_command_line_is_sent_their_link(tg: Harness) -> None:
    # "When they have said yes, you will get your own link": from the command line, which
    # cannot send, they were sent nothing.
    await _signed_up(tg)
    at_the_command_line = Actor("cli:sam", Role.ADMIN, "cli")
    await tg.core.desk.set_champion(at_the_command_line, 1, "active")
    await tg.bot.app.bot_data["services"].jobs.sweep()  # the running bot's next sweep
    await _sent_out(tg)
    assert tg.asked(NIA) == (
        "Good news: you are now a community champion! Thank you. Here is your own link. "
        f"When people join through it, we know they came through you:\n{LINK}"
    )


async def test_a_status_notice_overtaken_before_it_went_is_not_counted_as_sent(
    tg: Harness,
) -> None:
    # Paused at the command line, then reactivated in Telegram (told at once) before the
    # running bot sent the pause: nothing was sent, but the ledger said "sent".
    await _champion(tg)
    at_the_command_line = Actor("cli:sam", Role.ADMIN, "cli")
    await tg.core.desk.set_champion(at_the_command_line, 1, "paused")
    await _staff(tg, "/champion_reactivate 1")
    told = len(tg.api.sent(NIA))
    await tg.bot.app.bot_data["services"].jobs.sweep()
    await _sent_out(tg)
    assert len(tg.api.sent(NIA)) == told  # "paused" never came after "active again"
    assert tg.rows(
        "SELECT json_extract(b.content, '$.notice'), d.state, d.error FROM deliveries d "
        "JOIN broadcasts b ON b.id = d.broadcast_id WHERE b.kind = 'champion'"
    ) == [("paused", "failed", "skipped: nothing to send")]
