"""Deep links, Telegram failures, restarts and errors, through the real Application."""

from __future__ import annotations

import gc
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.host.host import Host
from bot.store import champions, participants
from bot.telegram import rawcall
from bot.telegram.application import GC_THRESHOLDS
from tests.telegram.conftest import Harness, bot_running
from tgdouble import TEST_TOKEN, DoubleServer, FakeBotAPI

AMINA, BEN, CHAMPION = 1001, 1002, 3003


async def _champion(tg: Harness, code: str, user: int = CHAMPION) -> int:
    def make(conn: sqlite3.Connection) -> int:
        found = participants.find_or_create(conn, "telegram", str(user), str(user), "2026-01-01")
        return champions.create(conn, found.id, code, "2026-01-01", status="active")

    return await tg.core.db.write(make)


def _referral_of(tg: Harness, user: int) -> list[tuple[object, ...]]:
    return tg.rows(
        "SELECT r.code FROM referrals r JOIN participants p ON p.id = r.participant_id "
        "WHERE p.channel_user_id = ?",
        str(user),
    )


async def test_a_champion_link_attributes_the_new_resident_once(tg: Harness) -> None:
    await _champion(tg, "c-first")
    await _champion(tg, "c-second", user=3004)
    await tg.command(AMINA, "start", "c-first")
    assert tg.asked(AMINA).endswith("Are you happy to take part?")  # onboarding as usual
    await tg.command(AMINA, "start", "c-second")  # a second link never overwrites the first
    assert _referral_of(tg, AMINA) == [("c-first",)]


async def test_residents_already_taking_part_are_not_referrals(tg: Harness) -> None:
    await _champion(tg, "c-first")
    await tg.command(BEN, "start")
    await tg.tap(BEN, "Yes, I agree")
    await tg.command(BEN, "start", "c-first")
    assert _referral_of(tg, BEN) == []


async def test_a_resident_who_stopped_and_taps_a_champion_s_link_is_told_news_is_on(
    tg: Harness,
) -> None:
    await _champion(tg, "c-first")
    await tg.command(BEN, "start")
    await tg.tap(BEN, "Yes, I agree")
    await tg.command(BEN, "stop")
    before = len(tg.texts(BEN))
    await tg.command(BEN, "start", "c-first")
    # Told plainly, as a plain /start after /stop tells them, and not counted as the
    # champion's: they were taking part already.
    assert tg.texts(BEN)[before].startswith("You will get news from us again.")
    assert tg.rows("SELECT opted_out_at FROM participants WHERE channel_user_id = ?", str(BEN)) == [
        (None,)
    ]
    assert _referral_of(tg, BEN) == []
    # Someone who stopped before agreeing to take part joins through the link: theirs.
    await tg.command(AMINA, "start")
    await tg.command(AMINA, "stop")
    await tg.command(AMINA, "start", "c-first")
    await tg.tap(AMINA, "Yes, I agree")
    assert _referral_of(tg, AMINA) == [("c-first",)]


async def test_unknown_and_malformed_codes_are_ignored_politely(
    tg: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await tg.command(AMINA, "start", "c-nobody")
    await tg.command(BEN, "start", "bad!code")
    for user in (AMINA, BEN):
        assert tg.asked(user).endswith("Are you happy to take part?")
    assert tg.rows("SELECT COUNT(*) FROM referrals") == [(0,)]
    # Nothing says which codes exist, not even the log.
    assert "c-nobody" not in caplog.text and "referral" not in caplog.text


async def test_a_flow_link_opens_that_flow_after_onboarding(tg: Harness) -> None:
    await tg.command(AMINA, "start", "flow-area")
    await tg.tap(AMINA, "Yes, I agree")
    await tg.text(AMINA, "Riverside")
    await tg.tap(AMINA, "No, thanks")
    # Instead of the menu, the flow the link named (the area flow) opens.
    assert "Which area do you live in?" in tg.asked(AMINA)
    await tg.text(AMINA, "Hillside")
    assert tg.asked(AMINA) == (
        "Thank you. We have changed your area.\n\nWhat would you like to do?"
    )


async def test_a_resident_who_blocked_the_bot_is_marked_unreachable(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    tg.api.inject_403("sendMessage", AMINA, times=None)
    await tg.tap(AMINA, "Yes, I agree")
    [(unreachable,)] = tg.rows("SELECT unreachable_at FROM participants")
    assert unreachable is not None
    # The answer was written before the reply failed: nothing is lost.
    assert tg.rows("SELECT key FROM answers") == [("consent",)]
    tg.api.clear_faults()
    await tg.command(AMINA, "start")  # coming back makes them reachable again
    assert tg.rows("SELECT unreachable_at FROM participants") == [(None,)]


async def test_a_fault_in_an_edit_beside_a_failed_reply_is_logged(
    tg: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The next question cannot go (she blocked the bot meanwhile) and the edit made beside it
    # fails with a fault of ours: the fault is logged in full, not lost behind the reply's.
    await tg.command(AMINA, "start")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault of ours in the edit")

    monkeypatch.setattr(rawcall, "edit_message_text", broken)
    tg.api.inject_403("sendMessage", AMINA, times=None)
    caplog.set_level(logging.ERROR)
    await tg.tap(AMINA, "Yes, I agree")
    [(unreachable,)] = tg.rows("SELECT unreachable_at FROM participants")
    assert unreachable is not None
    [record] = [r for r in caplog.records if "beside a failed reply" in r.getMessage()]
    assert record.exc_info is not None and "a fault of ours" in str(record.exc_info[1])


async def test_429_is_waited_out_and_the_message_still_arrives(tg: Harness) -> None:
    tg.api.inject_429("sendMessage", retry_after=1, chat_id=AMINA)
    tg.api.send_command(AMINA, "help")
    [reply] = await tg.api.wait_sent(AMINA, 1, timeout=10)
    assert "/mydata" in (reply.text or "")
    limited, retried = tg.api.calls("sendMessage")
    assert (limited.status, retried.status) == (429, 200)
    # The retry came no sooner than Telegram said (a lower bound: never a matter of speed).
    assert retried.time - limited.time >= 1.0


async def test_server_errors_are_retried_a_bounded_number_of_times(tg: Harness) -> None:
    tg.api.inject_500("sendMessage", times=2, chat_id=AMINA)
    tg.api.send_command(AMINA, "help")
    await tg.api.wait_sent(AMINA, 1, timeout=10)
    assert [c.status for c in tg.api.calls("sendMessage")] == [500, 500, 200]


async def test_restart_mid_flow_resumes_at_the_same_question(
    api: FakeBotAPI, server: DoubleServer, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    async with bot_running(server, db) as bot:
        h = Harness(api, bot, db)
        await h.settle()
        await h.command(AMINA, "start")
        await h.tap(AMINA, "Yes, I agree")
    async with bot_running(server, db) as bot:
        h = Harness(api, bot, db)
        await h.settle()
        await h.text(AMINA, "Riverside")
        assert "Would you answer a few questions" in h.asked(AMINA)
        assert h.rows("SELECT area FROM participants") == [("Riverside",)]


async def test_errors_are_logged_without_text_or_token_and_the_resident_is_told(
    tg: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(Host, "handle", broken)
    await tg.text(AMINA, "my secret answer")
    texts = tg.texts(AMINA)
    assert texts[0] == (
        "Sorry, something went wrong. Your answers so far are saved. Please try again."
    )
    # ...and then where they are (here: the start), so what they type next answers what
    # they see.
    assert texts[-1].endswith("Are you happy to take part?")
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures and "failed: RuntimeError" in failures[0].getMessage()
    assert "update" in failures[0].getMessage()
    info_and_up = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "my secret answer" not in info_and_up
    assert TEST_TOKEN not in caplog.text


async def test_a_slow_answer_to_a_press_does_not_hold_up_the_next_question(tg: Harness) -> None:
    # Telegram stalls the answer to the press (the button's spinner); the resident still gets
    # the next question at once, not after it (once 17 s, through its retries).
    await tg.command(AMINA, "start")
    tg.api.inject_timeout("answerCallbackQuery", 3.0)
    tg.api.tap(AMINA, "Yes, I agree")
    await tg.api.wait_sent(AMINA, 2, timeout=10)
    assert "area" in (tg.asked(AMINA) or "").lower()
    # the answer was not through when the question arrived
    assert all(c.status is None for c in tg.api.calls("answerCallbackQuery"))
    await tg.settle()
    assert tg.api.calls("answerCallbackQuery")  # and it was made


async def test_the_press_is_answered_beside_a_slow_reply(tg: Harness) -> None:
    # Telegram is slow with the next question: the button's spinner stops meanwhile, not
    # only once the question is through.
    await tg.command(AMINA, "start")
    tg.api.inject_timeout("sendMessage", 3.0, deliver=True)
    tg.api.tap(AMINA, "Yes, I agree")
    await tg.api.wait_for(
        lambda: any(c.status == 200 for c in tg.api.calls("answerCallbackQuery")), timeout=2
    )
    # and the answer shows on the question it answered, its buttons gone
    await tg.api.wait_for(
        lambda: (tg.api.sent(AMINA)[0].text or "").endswith("✅ Yes, I agree"), timeout=2
    )
    assert tg.api.sent(AMINA)[0].buttons == []
    assert len(tg.api.sent(AMINA)) == 1  # only the consent question: the next is on its way
    await tg.settle()
    assert "area" in (tg.asked(AMINA) or "").lower()


async def test_the_answer_is_shown_beside_a_slow_next_question(tg: Harness) -> None:
    # Telegram is slow with the next question: the answer already shows on the question it
    # answered (its buttons gone), not only once the next question is through.
    await tg.command(AMINA, "start")
    await tg.tap(AMINA, "Yes, I agree")
    tg.api.inject_timeout("sendMessage", 3.0, deliver=True)
    tg.api.send_text(AMINA, "Riverside")
    await tg.api.wait_for(
        lambda: (tg.api.sent(AMINA)[1].text or "").endswith("✅ Riverside"), timeout=2
    )
    assert tg.api.sent(AMINA)[1].buttons == []
    assert len(tg.api.sent(AMINA)) == 2  # the next question is on its way
    await tg.settle()
    assert "No, thanks" in tg.last(AMINA).labels


async def test_the_running_bot_collects_young_objects_less_often(
    server: DoubleServer, tmp_path: Path
) -> None:
    # At the default thresholds a broadcast's short-lived objects reached the oldest
    # generation, and its full collections stopped the bot every 2.5 s at 1,000 a second.
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        async with bot_running(server, tmp_path / "bot.db"):
            assert gc.get_threshold() == GC_THRESHOLDS
            assert GC_THRESHOLDS[0] >= 10_000
    finally:
        gc.set_threshold(*before)
