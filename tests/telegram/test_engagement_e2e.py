"""One path through each engagement flow in Telegram, staff commands, and the stored rows."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from tests.conftest import STAFF
from tests.telegram.conftest import STAFF_ID, Harness

RESIDENT, OTHER = 1001, 1002


async def _onboard(tg: Harness, user: int) -> None:
    await tg.command(user, "start")
    await tg.tap(user, "Yes, I agree")
    await tg.tap(user, "Skip")
    await tg.tap(user, "No, thanks")
    assert tg.asked(user).endswith("What would you like to do?")


async def _staff(tg: Harness, text: str) -> str:
    await tg.text(STAFF_ID, text)
    return tg.last(STAFF_ID).text or ""


async def _demo(tg: Harness) -> None:
    await tg.core.desk.seed_demo(STAFF)


async def _fetch_all(tg: Harness, sql: str) -> list[sqlite3.Row]:
    """A query through the bot's own database (its reader connections)."""
    return await tg.core.db.read(lambda conn: conn.execute(sql).fetchall())


async def test_non_staff_are_refused_every_staff_command(tg: Harness) -> None:
    for command in ("round_open 2099-01-01", "rounds", "champion_approve 1", "asset_hide 1"):
        await tg.text(RESIDENT, f"/{command}")
        assert tg.asked(RESIDENT) == (
            "Sorry, only staff can do that. Send /menu to see what you can do."
        )
    assert tg.rows("SELECT COUNT(*) FROM rounds") == [(0,)]


async def test_staff_run_a_round_end_to_end(tg: Harness) -> None:
    opened = await _staff(
        tg, "/round_open 2099-01-31 What should we do first?\ncy: Beth ddylen ni ei wneud gyntaf?"
    )
    assert opened.startswith("Opened round 1.")
    assert "1. Mental health and loneliness (topic 1)" in opened
    assert (await _staff(tg, "/topic_add 1 Better bus routes")).startswith("Added topic 11")

    # Two residents answer.
    for user, picks in (
        (RESIDENT, ["Better bus routes", "Safe streets"]),
        (OTHER, ["Safe streets"]),
    ):
        await _onboard(tg, user)
        await tg.tap(user, "🗳️ Help choose what we work on first")
        assert "What should we do first?" in tg.asked(user)
        for label in picks:
            await tg.tap(user, label)
        await tg.tap(user, "✔️ Done")
        if len(picks) > 1:
            await tg.tap(user, picks[0])
        await tg.tap(user, "No")
        await tg.tap(user, "Yes, send it")
        assert tg.asked(user).startswith("Thank you! When the question closes")

    results = await _staff(tg, "/results 1")
    assert "<5 people took part." in results  # counts from 1 to 4 never leave as figures
    assert "1. Safe streets (topic 6): <5 chose it, [c] put it first" in results
    assert "2. Better bus routes (topic 11): <5 chose it, [c] put it first" in results
    assert "11. Money worries (topic 10): 0 chose it, 0 put it first" in results
    # "Who chose topic T in round R" is one indexed query.
    assert await _fetch_all(
        tg, "SELECT participant_id FROM priority_choices WHERE round_id = 1 AND topic_id = 6"
    )
    closed = await _staff(tg, "/round_close 1")
    assert closed.startswith("Closed round 1.") and "(closed on " in closed
    assert closed.endswith(
        "Its results: <5 people will be told, each in their own language (en <5).\nSending now."
    )
    # Closing queued the results and swept at once: both residents have them now.
    services = tg.bot.app.bot_data["services"]
    await asyncio.gather(*services.jobs.running.values())
    await tg.settle()
    for user in (RESIDENT, OTHER):
        assert tg.last(user).text.startswith("📊 The question has closed. Fewer than 5 people")
    assert (await _staff(tg, "/round_close 1")) == "Not done: Round 1 is already closed."

    # With the round closed, residents are told there is nothing to answer.
    await tg.command(RESIDENT, "menu")
    await tg.tap(RESIDENT, "🗳️ Help choose what we work on first")
    assert tg.asked(RESIDENT).startswith("There is no question to answer right now.")


async def _choose_topics(tg: Harness, first: str, second: str) -> None:
    """From the menu, two of the round's topics, `first` the most important, nothing else: at
    the summary."""
    await tg.tap(RESIDENT, "🗳️ Help choose what we work on first")
    for label in (second, first):
        await tg.tap(RESIDENT, label)
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, first)
    await tg.tap(RESIDENT, "No")
    assert "Is this right?" in tg.asked(RESIDENT)


async def test_changing_a_priority_answer_keeps_the_topics_ticked(tg: Harness) -> None:
    # "No, change it" at the summary goes back to the topics with the resident's choices
    # still ticked: to change them, not to pick them all again.
    await _demo(tg)
    await _onboard(tg, RESIDENT)
    await _choose_topics(tg, "Safe streets", "Healthy food")
    await tg.tap(RESIDENT, "No, change it")
    labels = tg.last(RESIDENT).labels
    assert "✅ Safe streets" in labels and "✅ Healthy food" in labels, labels
    assert "Money worries" in labels  # the others are there to tick, unticked
    await tg.tap(RESIDENT, "✅ Healthy food")  # untick it
    await tg.tap(RESIDENT, "✔️ Done")  # one topic: nothing to put in order
    await tg.tap(RESIDENT, "No")
    assert "1. Safe streets" in (tg.asked(RESIDENT) or "")
    await tg.tap(RESIDENT, "Yes, send it")
    chosen = await _fetch_all(
        tg,
        "SELECT t.label, c.rank FROM priority_choices c JOIN topics t ON t.id = c.topic_id",
    )
    assert [(json.loads(label)["en"], rank) for label, rank in chosen] == [("Safe streets", 1)]


async def test_answering_a_round_again_starts_from_the_answer_sent(tg: Harness) -> None:
    # "Your new answers will replace the old ones": the topics sent before are ticked, to
    # change rather than to pick again; what is sent replaces them.
    await _demo(tg)
    await _onboard(tg, RESIDENT)
    await _choose_topics(tg, "Healthy food", "Safe streets")
    await tg.tap(RESIDENT, "Yes, send it")
    await tg.tap(RESIDENT, "🗳️ Help choose what we work on first")
    assert "You have already answered this question." in tg.asked(RESIDENT)
    labels = tg.last(RESIDENT).labels
    assert "✅ Safe streets" in labels and "✅ Healthy food" in labels, labels
    assert "✅ Money worries" not in labels and "Money worries" in labels, labels
    await tg.tap(RESIDENT, "✅ Safe streets")  # untick it
    await tg.tap(RESIDENT, "Money worries")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "Money worries")
    await tg.tap(RESIDENT, "No")
    await tg.tap(RESIDENT, "Yes, send it")
    chosen = await _fetch_all(
        tg,
        "SELECT t.label, c.rank FROM priority_choices c JOIN topics t ON t.id = c.topic_id "
        "ORDER BY c.rank",
    )
    assert [(json.loads(label)["en"], rank) for label, rank in chosen] == [
        ("Money worries", 1),
        ("Healthy food", 2),
    ]


async def test_staff_record_initiatives_measures_and_mistakes_are_explained(tg: Harness) -> None:
    await _staff(tg, "/round_open 2099-01-31")
    assert (await _staff(tg, "/initiative_add 2,1 Walking group")).startswith(
        "Recorded initiative 1 (planned)."
    )
    assert (await _staff(tg, "/measure_add 1 More people join the walks")).startswith(
        "Added measure 1"
    )
    assert (await _staff(tg, "/initiative_update 1 active We held the first walk")) == (
        "Updated initiative 1.\n\nThe news: Nobody will be told: there are no people who "
        "chose initiative 1's topics, evaluated it, voted for or proposed its measures, or "
        "whose suggestion was linked to it."
    )
    assert (await _staff(tg, "/initiative_update 1 sleeping")) == (
        "Not done: Status must be one of: planned, active, paused, finished."
    )
    assert (await _staff(tg, "/initiative_add 2,99 Nope")) == (
        "Not done: There is no topic 99. /results ROUND lists them."
    )
    assert (await _staff(tg, "/measure_adopt x")).startswith("Not done: 'x' is not a number.")
    assert (await _staff(tg, "/measure_adopt 99")) == (
        "Not done: There is no measure 99. /measures lists them."
    )
    assert (await _staff(tg, "/initiative_update 9 active")) == (
        "Not done: There is no initiative 9. /initiatives lists them."
    )
    assert (await _staff(tg, "/milestone_done 9")) == (
        "Not done: There is no milestone 9. /milestones lists them."
    )
    assert (await _staff(tg, "/suggestion_unlink 4 1")) == (
        "Not done: There is no suggestion 4. /suggestions lists them."
    )
    assert (await _staff(tg, "/round_open yesterday")).startswith("Not done: 'yesterday' is not")
    # The same warning as on the command line: nobody is in the area the round is for.
    nowhere = await _staff(tg, "/round_open 2099-01-31\narea: Nowhere")
    assert nowhere.startswith("Opened round 2.")
    assert "\nWarning: no resident is in Nowhere and it is not an area you defined" in nowhere
    assert tg.rows("SELECT status FROM initiatives") == [("active",)]
    assert tg.rows("SELECT status, note FROM initiative_updates") == [
        ("active", '{"en": "We held the first walk"}')
    ]


async def test_a_milestone_added_twice_is_refused_and_one_can_be_removed(tg: Harness) -> None:
    await _staff(tg, "/round_open 2099-01-31")
    await _staff(tg, "/initiative_add 1 Walking group")
    assert (await _staff(tg, "/milestone_add 1 2099-01-31 Amina First walk")).startswith(
        "Added milestone 1"
    )
    assert (await _staff(tg, "/milestone_add 1 2099-01-31 Amina First walk")) == (
        "Not done: Initiative 1 already has that milestone: milestone 1, due 2099-01-31, owner "
        "Amina: First walk. Nothing was added."
    )
    assert (await _staff(tg, "/milestone_remove 1")) == (
        "Removed milestone 1 of initiative 1 (due 2099-01-31, owner Amina: First walk)."
    )
    assert (await _staff(tg, "/milestones 1")) == "Initiative 1 has no milestones yet."
    history = (await _staff(tg, "/initiative_history 1")).splitlines()
    assert history[-2].endswith("milestone 1 removed, due 2099-01-31, owner Amina: First walk")
    # Where staff look for a milestone's story, /staff says it is.
    assert (
        "/initiative_history ID: an initiative's updates and milestones: when, who, what"
        in (await _staff(tg, "/staff")).splitlines()
    )
    assert tg.rows("SELECT action FROM audit_log WHERE action LIKE 'milestone.%'") == [
        ("milestone.add",),
        ("milestone.remove",),
    ]


async def test_news_that_tells_residents_nothing_new_is_refused_in_telegram(
    tg: Harness,
) -> None:
    await _staff(tg, "/round_open 2099-01-31")
    await _staff(tg, "/initiative_add 1 Crossing")
    assert (await _staff(tg, "/initiative_update 1 Active The crossing is painted")).startswith(
        "Updated initiative 1."
    )
    assert await _staff(tg, "/initiative_update 1 active") == (
        "Not done: Initiative 1 is already active, and there is no note: nothing new to tell "
        "residents. Give a new status or a note of what was done."
    )
    assert await _staff(tg, "/initiative_update 1 - The crossing is painted") == (
        "Not done: That note is word for word the last one about initiative 1 (recorded "
        f"{tg.rows('SELECT created_at FROM initiative_updates')[0][0][:10]}): residents would "
        "read it twice. To send it again anyway, put --again after the status: "
        "/initiative_update 1 - --again and the note."
    )
    # Its own status with a note: the note is the news, not "Now: Started" again.
    assert (
        await _staff(tg, "/initiative_update 1 active —again The crossing is painted")
    ).startswith("Updated initiative 1. It repeats the last note, as you asked.")
    back = await _staff(tg, "/initiative_update 1 planned")
    assert back.startswith(
        "Not done: This moves initiative 1 back from active to planned: residents will read "
        "that it is planned again. If that is right, put --back after the status: "
        "/initiative_update 1 planned --back."
    )
    assert (await _staff(tg, "/initiative_update 1 planned --back")).startswith(
        "Updated initiative 1. This moves initiative 1 back from active to planned"
    )
    assert tg.rows("SELECT status, note FROM initiative_updates ORDER BY id") == [
        ("active", '{"en": "The crossing is painted"}'),
        (None, '{"en": "The crossing is painted"}'),
        ("planned", None),
    ]
    assert tg.rows("SELECT COUNT(*) FROM broadcasts WHERE kind = 'initiative'") == [(3,)]


async def test_evaluation_in_telegram(tg: Harness) -> None:
    await _demo(tg)
    await _onboard(tg, RESIDENT)
    await tg.tap(RESIDENT, "⭐ Tell us how a project is going")
    await tg.tap(RESIDENT, "Walking group in the park")
    first = tg.last(RESIDENT)
    assert first.text == "More people join the walks\nHow is this going?"
    assert first.labels[:5] == ["😞 Very badly", "🙁 Badly", "😐 OK", "🙂 Well", "😀 Very well"]
    await tg.tap(RESIDENT, "🙂 Well")
    assert tg.api.sent(RESIDENT)[-2].text.endswith("✅ 🙂 Well")  # the first rating, closed
    # A button left on the first measure's question cannot rate the second.
    tg.api.press(RESIDENT, first.message_id, first.button_data("😀 Very well") or "")
    await tg.settle()
    assert tg.api.callback_answers[-1][1] == "That question has moved on."
    await tg.tap(RESIDENT, "😀 Very well")
    await tg.text(RESIDENT, "Friendly people")
    tg.api.send_voice(RESIDENT, "voice-better", 5)
    await tg.settle()
    assert tg.rows("SELECT measure_id, rating FROM evaluation_ratings ORDER BY measure_id") == [
        (1, 4),
        (2, 5),
    ]
    assert tg.rows("SELECT worked, better FROM evaluations") == [
        ('"Friendly people"', '{"voice": "voice-better", "duration": 5}')
    ]
    who = await _fetch_all(
        tg, "SELECT DISTINCT participant_id FROM evaluations WHERE initiative_id = 1"
    )
    assert len(who) == 1


async def test_a_rating_before_the_start_is_filed_as_before_it_started(tg: Harness) -> None:
    # Active, but starting next year: a rating now was filed under the start day's period,
    # as if given once it had started, and its rater could not rate that period again.
    await _demo(tg)
    with sqlite3.connect(tg.db) as conn:
        conn.execute("UPDATE initiatives SET starts_on = '2099-01-01' WHERE id = 1")
    [(recorded,)] = tg.rows("SELECT substr(created_at, 1, 10) FROM initiatives WHERE id = 1")
    for user, face in ((RESIDENT, "🙂 Well"), (OTHER, "😐 OK")):
        await _onboard(tg, user)
        await tg.tap(user, "⭐ Tell us how a project is going")
        await tg.tap(user, "Walking group in the park")
        await tg.tap(user, face)
        await tg.tap(user, face)
        await tg.tap(user, "Skip")
        await tg.tap(user, "Skip")
    assert tg.rows("SELECT DISTINCT period FROM evaluations") == [(recorded,)]
    # Another period's rating beside them, so the periods are listed.
    with sqlite3.connect(tg.db) as conn:
        conn.execute("UPDATE evaluations SET period = '2099-01-01' WHERE participant_id = 2")
    said = (await _staff(tg, "/evaluations 1")).splitlines()
    assert f"  before it started (from {recorded}): <5 ratings, average hidden" in said, said
    assert "  from 2099-01-01: <5 ratings, average hidden" in said, said


async def test_assets_in_telegram(tg: Harness) -> None:
    await _onboard(tg, RESIDENT)
    await tg.tap(RESIDENT, "🌳 Tell us about something good in your area")
    await tg.tap(RESIDENT, "🏠 A place, like a hall, park or library")
    tg.api.send_voice(RESIDENT, "voice-what", 20)
    await tg.settle()
    tg.api.send_location(RESIDENT, 51.48, -3.18)
    await tg.settle()
    await tg.tap(RESIDENT, "No, only the rough area")
    await tg.tap(RESIDENT, "Skip")
    await tg.tap(RESIDENT, "Yes")
    assert tg.rows(
        "SELECT category, what, latitude, longitude, may_contact, share_exact, status FROM assets"
    ) == [("facilities", '{"voice": "voice-what", "duration": 20}', 51.48, -3.18, 1, 0, "new")]
    assert (await _staff(tg, "/asset_verify 1")) == "Asset 1 verified."
    assert tg.rows("SELECT status FROM assets") == [("verified",)]
    listed = await _staff(tg, "/assets")
    assert listed.startswith("asset 1 [verified] facilities at 51.4800,-3.1800 (may be contacted)")
    assert "resident said (a voice note: /voice_notes lists it)" in listed

    # Staff hear the voice note: the bot sends the resident's own recording, by its file id,
    # with what it answered.
    notes = (await _staff(tg, "/voice_notes")).splitlines()
    answer_id = int(notes[1].split()[1])
    assert notes[1].endswith(f"resident's voice note (20 s): /voice {answer_id}")
    await _staff(tg, f"/voice {answer_id}")
    sent = tg.api.calls("sendVoice")[-1]
    assert sent.params["chat_id"] == STAFF_ID and sent.params["voice"] == "voice-what"
    assert sent.params["caption"].startswith(f"Voice note {answer_id}: ")
    assert sent.params["caption"].endswith(
        "assets: “Tell us about it. What is it, and why is it good?”"
    )
    assert (
        await _staff(tg, "/voice 999")
    ) == "Not done: There is no voice note 999. /voice_notes lists them."


async def test_measures_in_telegram(tg: Harness) -> None:
    await _demo(tg)
    await _onboard(tg, RESIDENT)
    await tg.tap(RESIDENT, "📏 Help decide how to judge a project")
    await tg.tap(RESIDENT, "Warm homes advice sessions")
    await tg.tap(RESIDENT, "Fewer people say their home is too cold")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "Yes")
    await tg.text(RESIDENT, "Lower heating bills")
    assert tg.rows("SELECT measure_id FROM measure_votes") == [(4,)]
    assert tg.rows("SELECT text, status FROM measures WHERE id = 5") == [
        ('{"en": "Lower heating bills"}', "suggested")  # a resident's idea waits for staff
    ]
    assert (await _staff(tg, "/measure_adopt 5")) == "Measure 5 adopted."
    # Only voting and proposing, they chose none of its topics and rated nothing: its news
    # ("you said, we did") is still theirs.
    said = await _staff(tg, "/initiative_update 2 active The first session is on Monday")
    assert "<5 people will be told" in said, said
    services = tg.bot.app.bot_data["services"]
    await asyncio.gather(*services.jobs.running.values())
    await tg.settle()
    news = [m.text or m.caption or "" for m in tg.api.sent(RESIDENT)]
    assert any("The first session is on Monday" in text for text in news), news


async def test_champion_sign_up_approval_link_and_referral(tg: Harness) -> None:
    await _onboard(tg, RESIDENT)
    await tg.tap(RESIDENT, "🤝 Help others as a community champion")
    await tg.tap(RESIDENT, "Yes")
    await tg.tap(RESIDENT, "Connector")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "Polski")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "Weekends")
    await tg.tap(RESIDENT, "Evenings")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "Skip")
    await tg.tap(RESIDENT, "Yes")
    assert tg.rows("SELECT status, roles, languages, availability FROM champions") == [
        ("interested", '["connector"]', '["pl"]', '["weekends", "evenings"]')
    ]
    listing = await _staff(tg, "/champions")
    assert listing.startswith("champion 1 [interested] roles connector; languages pl")
    assert (await _staff(tg, "/champion_approve 1")) == (
        "Approved champion 1. They have their link."
    )
    told = tg.last(RESIDENT).text or ""
    assert told.startswith("Good news: you are now a community champion!")
    link = told.splitlines()[-1]
    assert link.startswith("https://t.me/community_voice_test_bot?start=c-")
    code = link.split("start=")[1]

    # Someone new opens the champion's link: attributed to the champion.
    await tg.command(OTHER, "start", code)
    await tg.tap(OTHER, "Yes, I agree")
    referred = await _fetch_all(
        tg,
        "SELECT p.channel_user_id FROM referrals r JOIN participants p "
        "ON p.id = r.participant_id WHERE r.champion_id = 1",
    )
    assert [r[0] for r in referred] == [str(OTHER)]

    # The champion's own menu now gives the link and a message to forward.
    await tg.command(RESIDENT, "menu")
    await tg.tap(RESIDENT, "🤝 Help others as a community champion")
    assert any(code in text for text in tg.texts(RESIDENT)[-3:])


async def test_delete_removes_engagement_rows_too(tg: Harness) -> None:
    await _demo(tg)
    await _onboard(tg, RESIDENT)
    await tg.tap(RESIDENT, "📏 Help decide how to judge a project")
    await tg.tap(RESIDENT, "Walking group in the park")
    await tg.tap(RESIDENT, "People walk more in the week")
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "Yes")
    await tg.text(RESIDENT, "My own idea")
    await tg.command(RESIDENT, "mydata")
    data = json.loads(tg.last(RESIDENT).document_bytes or b"")
    [mine] = data["tables"]["measures"]
    assert mine["text"] == {"en": "My own idea"}
    # What the numbers in their rows stand for, in their language.
    [vote] = data["tables"]["measure_votes"]
    assert data["names"]["measure_id"][str(vote["measure_id"])] == "People walk more in the week"
    await tg.command(RESIDENT, "delete")
    await tg.tap(RESIDENT, "Yes, delete everything")
    for table in ("participants", "measure_votes", "answers", "sessions"):
        assert tg.rows(f"SELECT COUNT(*) FROM {table}") == [(0,)], table
    # Their unadopted proposal goes too; the demo's own measures stay.
    assert tg.rows("SELECT COUNT(*) FROM measures WHERE text LIKE '%My own idea%'") == [(0,)]
    assert tg.rows("SELECT COUNT(*) FROM measures") == [(4,)]
