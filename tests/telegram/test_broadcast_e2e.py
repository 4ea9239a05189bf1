"""Broadcasts end to end in Telegram: staff preview and confirm, languages, results charts."""

from __future__ import annotations

import asyncio
import sqlite3

from bot.app import Services
from tests.conftest import STAFF
from tests.telegram.conftest import STAFF_ID, Harness

WELSH, ENGLISH, POLISH = 2001, 2002, 2003


async def _wait_status(tg: Harness, broadcast_id: int, status: str) -> None:
    """Wait for the broadcast's sender (if one is running) to finish, then check its status."""
    services = tg.bot.app.bot_data["services"]
    assert isinstance(services, Services)
    sender = services.jobs.running.get(broadcast_id)
    if sender is not None:
        await sender
    rows = tg.rows("SELECT status FROM broadcasts WHERE id = ?", broadcast_id)
    assert rows == [(status,)], f"broadcast {broadcast_id} is not {status}: {rows}"


async def test_non_staff_cannot_broadcast(tg: Harness) -> None:
    await tg.text(ENGLISH, "/broadcast everyone\nHello")
    assert tg.asked(ENGLISH).endswith(
        "Sorry, only staff can do that. Send /menu to see what you can do."
    )
    assert tg.rows("SELECT COUNT(*) FROM broadcasts") == [(0,)]


async def _participants(tg: Harness, locales: dict[int, str]) -> None:
    for user, locale in locales.items():
        await tg.command(user, "start")
        await tg.tap(user, tg.last(user).labels[0])  # agree, in whatever language
        with sqlite3.connect(tg.db) as conn:
            conn.execute(
                "UPDATE participants SET locale = ? WHERE channel_user_id = ?", (locale, str(user))
            )


async def test_staff_broadcast_preview_confirm_languages_and_fallback(tg: Harness) -> None:
    await _participants(tg, {WELSH: "cy", ENGLISH: "en", POLISH: "pl"})
    await tg.text(
        STAFF_ID, "/broadcast everyone\nThe walk is on Saturday.\ncy: Mae'r daith ddydd Sadwrn."
    )
    preview = tg.last(STAFF_ID)
    assert (preview.text or "").splitlines() == [
        "Broadcast 1 (draft).",
        # Counts of people from 1 to 4 never leave the database as numbers.
        "<5 people will be told, in their language where the message has it "
        "(cy <5 · en <5 · pl <5).",
        "Residents reading pl will get the English text (texts given: cy, en).",
        "Message: The walk is on Saturday.",
    ]
    assert preview.labels == ["✅ Send now", "✖️ Cancel"]
    await tg.tap(STAFF_ID, "✅ Send now")
    await _wait_status(tg, 1, "done")
    await tg.settle()
    assert tg.asked(WELSH).endswith("Mae'r daith ddydd Sadwrn.")
    assert tg.asked(ENGLISH).endswith("The walk is on Saturday.")
    assert tg.asked(POLISH).endswith("The walk is on Saturday.")  # no Polish text: English
    assert tg.rows("SELECT state, COUNT(*) FROM deliveries GROUP BY state") == [("sent", 3)]
    status = tg.api.sent(STAFF_ID)[-1]
    # As the preview said "<5 people will be told": the progress does not count them either.
    assert (status.text or "").splitlines() == [
        "Broadcast 1 · done",
        "Sent <5 of <5 · unreachable 0 · failed 0",
    ]


async def test_a_bad_broadcast_request_is_explained(tg: Harness) -> None:
    await tg.text(STAFF_ID, "/broadcast nobody\nHi")
    assert (tg.last(STAFF_ID).text or "").startswith("Not done: Unknown audience 'nobody'.")
    await tg.text(STAFF_ID, "/broadcast everyone")
    assert (tg.last(STAFF_ID).text or "").startswith(
        "Not done: Write the message on the lines after the audience, or use template=."
    )


async def test_a_template_preview_shows_the_english_it_sends(tg: Harness) -> None:
    await _participants(tg, {WELSH: "cy", ENGLISH: "en"})
    await tg.text(STAFF_ID, "/broadcast everyone template=thank-you")
    assert (tg.last(STAFF_ID).text or "").splitlines()[1:] == [
        "<5 people will be told, each in their own language (cy <5 · en <5).",
        "Template 'thank-you', translated for everyone.",
        "Message: Thank you for taking part. What you tell us is shaping what happens in our area.",
    ]


async def test_closing_a_round_sends_each_person_a_chart_in_their_language(tg: Harness) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.store import rounds
    from bot.store.rounds import Submission

    arabic_speakers = [2101, 2102, 2103]
    english_speakers = [2201, 2202, 2203, 2204]
    await _participants(
        tg, {**dict.fromkeys(arabic_speakers, "ar"), **dict.fromkeys(english_speakers, "en")}
    )
    round_id = await tg.core.desk.open_round(
        STAFF, (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    )
    topics = await tg.core.db.read(rounds.topics, round_id)
    housing, walks = topics[4].id, topics[1].id
    for user in arabic_speakers + english_speakers:
        picks = (housing, walks) if user == 2101 else (housing,)
        [(pid,)] = tg.rows("SELECT id FROM participants WHERE channel_user_id = ?", str(user))
        submission = Submission(round_id, picks)
        await tg.core.db.write(rounds.save_submission, pid, submission, "2026-11-25T10:00:00")
    with sqlite3.connect(tg.db) as conn:  # the closing time passes
        conn.execute("UPDATE rounds SET closes_at = '2000-01-01T00:00:00+00:00'")
    services = tg.bot.app.bot_data["services"]
    assert isinstance(services, Services)
    report = await services.jobs.sweep()
    assert report.rounds_closed == [round_id]
    await asyncio.gather(*services.jobs.running.values())
    await tg.settle()

    # Everyone got the chart of their language; each of the two charts was uploaded once and
    # sent by its file_id to everyone else.
    photos = tg.api.calls("sendPhoto")
    assert len(photos) == 7
    assert len([c for c in photos if "photo" in c.files]) == 2
    # Values put into an Arabic sentence are isolated (U+2068 ... U+2069) so they keep their
    # order in right-to-left text.
    caption = (tg.last(2101).caption or "").replace("\u2068", "").replace("\u2069", "")
    assert caption.splitlines()[:3] == [
        "📊 أُغلق السؤال. شارك 7 أشخاص.",
        "1. السكن والبيوت الدافئة: 7 من أصل 7 ★",
        "2. زيادة النشاط البدني: <5 من أصل 7 ★",  # their two choices
    ]
    assert not (tg.last(2102).caption or "").splitlines()[2].endswith("★")  # housing only
    english = tg.last(2201).caption or ""
    assert english.splitlines()[1:3] == [
        "1. Housing and warm homes: 7 of 7 people ★",
        "2. Being more active: <5 of 7 people",
    ]
    assert tg.last(2201).photo_bytes == tg.last(2204).photo_bytes  # one English chart
    assert tg.last(2201).photo_bytes != tg.last(2101).photo_bytes
    assert tg.rows("SELECT state, COUNT(*) FROM deliveries GROUP BY state") == [("sent", 7)]


async def test_cancelling_a_preview_leaves_no_broadcast_behind(tg: Harness) -> None:
    await _participants(tg, {ENGLISH: "en"})
    await tg.text(STAFF_ID, "/broadcast everyone\nThe walk is on Saturday.")
    await tg.tap(STAFF_ID, "✖️ Cancel")
    preview = tg.last(STAFF_ID)
    assert (preview.text or "").endswith(
        "Message: The walk is on Saturday.\n\nCancelled: nothing was sent."
    )
    assert preview.labels == []
    assert tg.rows("SELECT COUNT(*) FROM broadcasts") == [(0,)]
    assert tg.rows("SELECT action, object_id FROM audit_log ORDER BY id DESC LIMIT 1") == [
        ("broadcast.discard", "1")
    ]
