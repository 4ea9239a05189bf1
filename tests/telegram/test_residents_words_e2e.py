"""What residents are told, as they meet it in Telegram: no ending promises news after /stop,
the champion's invitation comes alone (to forward), "help" typed gets help, and an option is
found by some of its words."""

from __future__ import annotations

from tests.conftest import STAFF
from tests.telegram.conftest import Harness

RESIDENT = 1001
PRIORITIES = "🗳️ Help choose what we work on first"
HELP_START = "Tap the buttons to answer. You can also type the number of an answer."


async def _onboard(tg: Harness, user: int = RESIDENT) -> None:
    await tg.command(user, "start")
    await tg.tap(user, "Yes, I agree")
    await tg.tap(user, "Skip")
    await tg.tap(user, "No, thanks")
    assert tg.asked(user).endswith("What would you like to do?")


async def _active_champion(tg: Harness, code: str) -> None:
    await tg.core.db.write(
        lambda conn: conn.execute(
            "INSERT INTO champions (participant_id, code, status, created_at) "
            "VALUES (1, ?, 'active', '2026-11-01T10:00:00+00:00')",
            (code,),
        )
    )


async def _send_a_choice(tg: Harness, *, again: bool = False) -> None:
    await tg.tap(RESIDENT, PRIORITIES)
    if not again:  # answering again, the topic sent before is ticked already
        await tg.tap(RESIDENT, "Safe streets")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "No")
    await tg.tap(RESIDENT, "Yes, send it")


async def test_after_stop_answering_a_round_promises_no_results(tg: Harness) -> None:
    await tg.core.desk.seed_demo(STAFF)
    await _onboard(tg)
    await tg.command(RESIDENT, "stop")
    await _send_a_choice(tg)
    said = tg.asked(RESIDENT)
    assert said.startswith(
        "Thank you! Your answer is counted. You asked for no news from us, so we will not "
        "tell you what people chose. Send /start if you want to know."
    ), said
    assert "we will tell you" not in said
    # Counted all the same.
    assert tg.rows("SELECT COUNT(*) FROM priority_choices") == [(1,)]
    # After /start, the promise is back, and kept.
    await tg.command(RESIDENT, "start")
    await tg.command(RESIDENT, "menu")
    await _send_a_choice(tg, again=True)
    assert tg.asked(RESIDENT).startswith("Thank you! When the question closes, we will tell you")


async def test_after_stop_no_round_promises_no_message(tg: Harness) -> None:
    await _onboard(tg)
    await tg.tap(RESIDENT, PRIORITIES)
    assert tg.asked(RESIDENT).startswith(
        "There is no question to answer right now. We will send you a message"
    )
    await tg.command(RESIDENT, "stop")
    await tg.command(RESIDENT, "menu")
    await tg.tap(RESIDENT, PRIORITIES)
    assert tg.asked(RESIDENT).startswith(
        "There is no question to answer right now. You asked for no news from us, so we will "
        "not tell you when there is one."
    )


async def test_the_champion_invitation_is_a_message_of_its_own(tg: Harness) -> None:
    await _onboard(tg)
    await _active_champion(tg, "c-forward-me-0001")
    before = len(tg.api.sent(RESIDENT))
    await tg.tap(RESIDENT, "🤝 Help others as a community champion")
    texts = tg.texts(RESIDENT)[before:]
    invitation = [t for t in texts if t.startswith("We want to hear what matters to you")]
    # Forwarded, it says nothing but the invitation: no "you can forward this", no menu.
    assert invitation == [
        "We want to hear what matters to you about health where you live. It takes a few "
        "minutes, in your own language: "
        "https://t.me/community_voice_test_bot?start=c-forward-me-0001"
    ], texts
    told = texts[texts.index(invitation[0]) - 1]
    assert told.endswith("You can forward the next message to people you know.")
    assert texts[-1].endswith("What would you like to do?")


async def test_help_typed_at_a_question_gets_help_then_the_question(tg: Harness) -> None:
    await _onboard(tg)
    await tg.text(RESIDENT, "help")
    said = tg.asked(RESIDENT)
    assert said.startswith(HELP_START) and "/menu – choose what to do" in said, said
    assert said.endswith("What would you like to do?")
    assert "Please tap one of the buttons." not in said
    # In the resident's own language too.
    await tg.command(RESIDENT, "language")
    await tg.tap(RESIDENT, "Cymraeg")
    await tg.text(RESIDENT, "Cymorth")
    said = tg.asked(RESIDENT)
    assert said.startswith("Pwyswch y botymau i ateb."), said
    assert said.endswith("Beth hoffech chi ei wneud?")


async def test_help_typed_where_words_are_the_answer_gets_help(tg: Harness) -> None:
    await tg.core.desk.seed_demo(STAFF)
    await _onboard(tg)
    await tg.tap(RESIDENT, PRIORITIES)
    await tg.tap(RESIDENT, "Safe streets")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "Yes")
    # "What else should we work on?" takes words, but "help" alone asks how: it was saved as
    # "Something else: help" and read by staff.
    await tg.text(RESIDENT, "help")
    said = tg.asked(RESIDENT)
    assert said.startswith(HELP_START) and said.endswith("Type your answer, or send a voice note.")
    assert "What else should we work on?" in said
    await tg.text(RESIDENT, "?")
    assert tg.asked(RESIDENT).startswith(HELP_START)
    await tg.text(RESIDENT, "More help for carers")  # words with it: the answer
    assert "Something else: More help for carers" in tg.asked(RESIDENT)
    assert tg.rows("SELECT value_json FROM answers WHERE key = 'other'") == [
        ('"More help for carers"',)
    ]
    # In the resident's language, at another question to type the answer to.
    await tg.tap(RESIDENT, "Yes, send it")
    await tg.command(RESIDENT, "language")
    await tg.tap(RESIDENT, "Cymraeg")
    await tg.tap(RESIDENT, "🌳 Dywedwch wrthon ni am rywbeth da yn eich ardal")
    await tg.tap(RESIDENT, "🏠 Lle, fel neuadd, parc neu lyfrgell")
    await tg.text(RESIDENT, "Cymorth")
    assert tg.asked(RESIDENT).startswith("Pwyswch y botymau i ateb."), tg.asked(RESIDENT)
    assert tg.rows("SELECT COUNT(*) FROM answers WHERE key = 'what'") == [(0,)]


async def test_help_typed_for_support_goes_to_our_team(tg: Harness) -> None:
    await _onboard(tg)
    await _active_champion(tg, "c-help-me-00000001")
    await tg.command(RESIDENT, "support")
    await tg.text(RESIDENT, "help")  # asked what they need help with: this is their request
    assert tg.texts(RESIDENT)[-1] == (
        "Thank you. Our team has your message. Their answer will come here, in this chat."
    )
    assert tg.rows("SELECT request FROM support_requests") == [('"help"',)]


async def test_an_option_is_found_by_some_of_its_words(tg: Harness) -> None:
    await tg.core.desk.seed_demo(STAFF)
    await _onboard(tg)
    await tg.tap(RESIDENT, PRIORITIES)
    await tg.text(RESIDENT, "safe street")  # "Safe streets"
    assert "✅ Safe streets" in tg.last(RESIDENT).labels
    await tg.text(RESIDENT, "health")  # "Healthy food", "Mental health ...": which one?
    question = tg.last(RESIDENT)
    assert not any(label.startswith("✅ Health") for label in question.labels)
    assert (question.text or "").startswith("Please tap the buttons to choose")


async def test_help_typed_for_an_area_or_at_the_bot_s_own_question_gets_help(
    tg: Harness,
) -> None:
    await tg.command(RESIDENT, "start")
    await tg.tap(RESIDENT, "Yes, I agree")
    await tg.text(RESIDENT, "help")  # "Where do you live?": not an area called "help"
    said = tg.asked(RESIDENT)
    assert said.startswith(HELP_START), said
    await tg.tap(RESIDENT, "Skip")
    await tg.tap(RESIDENT, "No, thanks")
    assert tg.rows("SELECT area FROM participants") == [(None,)]
    await tg.command(RESIDENT, "delete")
    await tg.text(RESIDENT, "help")
    said = tg.asked(RESIDENT)
    assert said.startswith(HELP_START) and said.endswith("This cannot be undone."), said


async def test_after_stop_rating_a_project_promises_no_news(tg: Harness) -> None:
    await tg.core.desk.seed_demo(STAFF)
    await _onboard(tg)
    await tg.command(RESIDENT, "stop")
    await tg.tap(RESIDENT, "⭐ Tell us how a project is going")
    await tg.tap(RESIDENT, "Walking group in the park")
    await tg.tap(RESIDENT, "🙂 Well")
    await tg.tap(RESIDENT, "😀 Very well")
    await tg.tap(RESIDENT, "Skip")
    await tg.tap(RESIDENT, "Skip")
    said = tg.asked(RESIDENT)
    assert said.startswith(
        "Thank you! Your answers are counted. You asked for no news from us, so we will not "
        "tell you what people say or what we change. Send /start if you want to know."
    ), said
    assert "We will share" not in said
    assert tg.rows("SELECT COUNT(*) FROM evaluation_ratings") == [(2,)]


async def test_after_stop_agreeing_measures_promises_no_news(tg: Harness) -> None:
    await tg.core.desk.seed_demo(STAFF)
    await _onboard(tg)
    await tg.tap(RESIDENT, "📏 Help decide how to judge a project")
    await tg.tap(RESIDENT, "Warm homes advice sessions")
    await tg.command(RESIDENT, "stop")  # in the middle: the ending is read when it comes
    await tg.command(RESIDENT, "start")  # /start undoes /stop; /stop once more, then on
    await tg.command(RESIDENT, "stop")
    await tg.tap(RESIDENT, "Fewer people say their home is too cold")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "No")
    said = tg.asked(RESIDENT)
    assert said.startswith(
        "Thank you! Our team will look at everyone's ideas. You asked for no news from us, so "
        "we will not tell you which measures are agreed. Send /start if you want to know."
    ), said
    assert "agree the measures with you" not in said
    assert tg.rows("SELECT measure_id FROM measure_votes") == [(4,)]
    # With news, the promise stands.
    await tg.command(RESIDENT, "start")
    await tg.command(RESIDENT, "menu")
    await tg.tap(RESIDENT, "📏 Help decide how to judge a project")
    await tg.tap(RESIDENT, "Warm homes advice sessions")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "No")
    assert tg.asked(RESIDENT).startswith(
        "Thank you! Our team will look at everyone's ideas and agree the measures with you."
    )


async def test_ticks_made_before_back_come_back_ticked(tg: Harness) -> None:
    await tg.core.desk.seed_demo(STAFF)
    await _onboard(tg)
    await tg.tap(RESIDENT, "📏 Help decide how to judge a project")
    await tg.tap(RESIDENT, "Warm homes advice sessions")
    await tg.tap(RESIDENT, "Fewer people say their home is too cold")
    await tg.tap(RESIDENT, "◀️ Back")  # to the project, before Done
    await tg.tap(RESIDENT, "Walking group in the park")  # its own measures, none ticked
    assert not any(label.startswith("✅") for label in tg.last(RESIDENT).labels)
    await tg.tap(RESIDENT, "◀️ Back")
    await tg.tap(RESIDENT, "Warm homes advice sessions")
    assert "✅ Fewer people say their home is too cold" in tg.last(RESIDENT).labels
    await tg.tap(RESIDENT, "◀️ Back")
    await tg.command(RESIDENT, "language")  # another step in between: kept with the session
    await tg.tap(RESIDENT, "English")
    await tg.tap(RESIDENT, "Warm homes advice sessions")
    assert "✅ Fewer people say their home is too cold" in tg.last(RESIDENT).labels
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "No")
    assert tg.rows("SELECT measure_id FROM measure_votes") == [(4,)]


async def test_which_champion_roles_are_paid_and_back_from_the_roles(tg: Harness) -> None:
    await _onboard(tg)
    await tg.tap(RESIDENT, "🤝 Help others as a community champion")
    assert tg.asked(RESIDENT).endswith("Would you like to choose how you would help?")
    await tg.tap(RESIDENT, "Which roles are paid?")
    said = tg.asked(RESIDENT)
    assert said.startswith("Some champion roles are paid and others are for volunteers."), said
    assert "depends on the role and on the work Riverside Health Team has at the time" in said
    # Asked again without the question just answered; its Back leads to the first asking.
    assert tg.last(RESIDENT).labels == ["Yes", "No, thanks", "◀️ Back"]
    await tg.tap(RESIDENT, "◀️ Back")
    assert "Which roles are paid?" in tg.last(RESIDENT).labels
    await tg.tap(RESIDENT, "Which roles are paid?")
    await tg.tap(RESIDENT, "Yes")
    roles = tg.last(RESIDENT)
    assert (roles.text or "").startswith("Which would you like to do?")
    assert "◀️ Back" in roles.labels  # the first roles question had none
    await tg.tap(RESIDENT, "◀️ Back")
    assert tg.asked(RESIDENT).endswith("Would you like to choose how you would help?")
    await tg.tap(RESIDENT, "No, thanks")  # back to the menu, nothing recorded
    assert tg.asked(RESIDENT).endswith("What would you like to do?")
    assert tg.rows("SELECT COUNT(*) FROM champions") == [(0,)]
