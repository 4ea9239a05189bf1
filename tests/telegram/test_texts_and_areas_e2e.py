"""Staff texts in every language and areas, in Telegram: staff define areas and open rounds
with their own translated topics (told when rounds overlap); a Welsh resident taps their area
in Welsh, has a voice note asked again, picks between two rounds and reads the topics in
Welsh; staff translate a topic later. Mistakes are refused naming the line."""

from __future__ import annotations

from tests.telegram.conftest import STAFF_ID, Harness

NIA, ED = 4101, 4102


async def _staff(tg: Harness, text: str) -> str:
    await tg.text(STAFF_ID, text)
    return tg.last(STAFF_ID).text or ""


async def test_areas_rounds_and_topics_in_welsh(tg: Harness) -> None:
    added = await _staff(tg, "/area_add Riverside\ndistricts: CF10, CF11\ncy: Glan-yr-afon")
    assert added == "Added area Riverside."
    assert (await _staff(tg, "/area_add Canton\ndistricts: CF5")) == "Added area Canton."
    assert (await _staff(tg, "/areas")).splitlines() == [
        "Canton: postcode districts CF5; residents 0",
        "Riverside: in other languages cy: Glan-yr-afon; postcode districts CF10, CF11; "
        "residents 0",
        "Residents taking part: 0.",
    ]
    first = await _staff(
        tg, "/round_open 2099-01-31 What should we work on first?\ncy: Ar beth ddylen ni weithio?"
    )
    assert first.startswith("Opened round 1.") and "Note:" not in first
    second = await _staff(
        tg,
        "/round_open 2099-01-20 What would make Riverside healthier?\n"
        "cy: Beth fyddai'n gwneud Glan-yr-afon yn iachach?\n"
        "area: cf10\n"
        "topic: Safer crossings\n"
        "cy: Croesfannau mwy diogel\n"
        "topic: A youth club",
    )
    assert second.splitlines()[0] == "Opened round 2."
    assert second.splitlines()[-2:] == [
        "Note: round 2 overlaps with 1 other open round(s) for some of the same residents. "
        "They are asked which question to answer first:",
        "- round 1 (for everyone, closes 2099-01-31): What should we work on first?",
    ]

    # A Welsh resident: the areas as buttons in Welsh; a voice note is asked again.
    await tg.command(NIA, "start", language_code="cy")
    await tg.tap(NIA, "Ydw, rydw i'n cytuno")
    asked = tg.last(NIA)
    assert asked.text == (
        "Ym mha ardal rydych chi'n byw? Pwyswch arni, neu teipiwch ei henw neu ran gyntaf eich "
        "cod post (fel CF10)."
    )
    assert asked.labels == ["Canton", "Glan-yr-afon", "Rhywle arall", "Hepgor", "◀️ Yn ôl"]
    tg.api.send_voice(NIA, "voice-area", 4, language_code="cy")
    await tg.settle()
    # The reminder comes in the question's own message (one message a second in a chat).
    assert tg.texts(NIA)[-1].startswith("Pwyswch un o'r botymau, os gwelwch yn dda.\n\nYm mha")
    await tg.text(NIA, "Splott", language_code="cy")
    assert tg.texts(NIA)[-1].startswith("Doedden ni ddim yn gallu dod o hyd i'r ardal honno.")
    await tg.tap(NIA, "Glan-yr-afon")
    await tg.tap(NIA, "Na wnaf, diolch")  # "Would you ...?" in Welsh
    assert tg.rows("SELECT area FROM participants WHERE channel_user_id = ?", str(NIA)) == [
        ("Riverside",)
    ]

    # Two rounds are open to her: she picks one, and reads its topics in Welsh.
    await tg.tap(NIA, "🗳️ Helpu i ddewis ar beth rydyn ni'n gweithio gyntaf")
    picker = tg.last(NIA)
    assert (picker.text or "").splitlines()[1:3] == [
        "1. Beth fyddai'n gwneud Glan-yr-afon yn iachach? (tan 20 Ionawr 2099)",
        "2. Ar beth ddylen ni weithio? (tan 31 Ionawr 2099)",
    ]
    await tg.tap(NIA, "1. Beth fyddai'n gwneud Glan-yr-afon yn iachach?")
    assert tg.last(NIA).labels[:2] == ["Croesfannau mwy diogel", "A youth club"]

    # Staff translate the other topic; she sees it the next time it is asked.
    assert (await _staff(tg, "/edit topic 12\ncy: Clwb ieuenctid")).startswith(
        "Changed. Topic 12 (round 2):"
    )
    await tg.command(NIA, "start", language_code="cy")
    assert tg.last(NIA).labels[:2] == ["Croesfannau mwy diogel", "Clwb ieuenctid"]

    # Someone who gave no area has one round open to them: they are not asked which.
    await tg.command(ED, "start")
    await tg.tap(ED, "Yes, I agree")
    await tg.tap(ED, "Skip")
    await tg.tap(ED, "No, thanks")
    await tg.tap(ED, "🗳️ Help choose what we work on first")
    assert tg.texts(ED)[-1].startswith("Our question for you:\nWhat should we work on first?\n\n")
    assert tg.rows("SELECT action FROM audit_log WHERE action != 'staff.seed' ORDER BY id") == [
        ("area.add",),
        ("area.add",),
        ("round.open",),
        ("round.open",),
        ("topic.edit",),
    ]


async def test_staff_lines_that_cannot_be_read_are_refused_naming_the_line(tg: Harness) -> None:
    for command, said in (
        ("/round_open 2099-01-31 Q?\ncy Helo", "Not done: Line 2 ('cy Helo') is not understood"),
        ("/round_open 2099-01-31 Q?\nfr: Bonjour", "Not done: Line 2: 'fr' is not one of our"),
        ("/round_open 2099-01-31\ncy: Helo", "Not done: Line 2 (cy: ...): a translation goes"),
        ("/edit topic 1\ncy: Parciau", "Not done: There is no topic 1."),
        ("/edit page 1", "Not done: Use: /edit question|topic|initiative|description|measure ID"),
        ("/area_add Riverside\npostcodes: CF10", "Not done: Line 2 ('postcodes: CF10') is not"),
        ("/area_add Riverside\ndistricts: CF10 1AA", "Not done: 'CF10 1AA' is a whole postcode"),
    ):
        assert (await _staff(tg, command)).startswith(said), command
    await _staff(tg, "/area_add Canton")  # areas exist now: an unknown one is refused by name
    assert (await _staff(tg, "/round_open 2099-01-31 Q?\narea: Riverside")).startswith(
        "Not done: There is no area 'Riverside'. Areas: Canton (/areas lists them with their "
        "postcode districts; add one with /area_add)."
    )
    assert tg.rows("SELECT COUNT(*) FROM rounds") == [(0,)]
