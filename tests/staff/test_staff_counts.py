"""Staff's round results, area lists and measures' votes hide counts of people below the
threshold the bot is set up with (SUPPRESS_BELOW), as reports and the dashboard do; when any
first choice is small, every first choice is hidden ("[c]")."""

from __future__ import annotations

from bot.staff import areas
from bot.staff.desk import StaffDesk
from bot.store.db import Database, Tx
from tests.conftest import STAFF, took_part

NOW = "2026-11-25T10:30:00+00:00"
TOPICS = [{"en": "Safe streets"}, {"en": "Healthy food"}, {"en": "Bus routes"}]


async def _round(db: Database, desk: StaffDesk, people: list[list[str]]) -> int:
    round_id = await desk.open_round(STAFF, "2099-01-31", {"en": "What first?"}, TOPICS)
    await db.write(took_part, round_id, people)
    return round_id


def _topics(said: str) -> list[str]:
    """The topic lines of a round's results, without their topic ids."""
    return [
        line.split(" (topic ")[0] + ":" + line.split("):")[1] for line in said.splitlines()[2:5]
    ]


HIDDEN_RULE = (
    "Topics are ranked by how many people chose them; when two are level, they are in the "
    "round's own order, since first choices are all hidden when showing them would give a "
    "small number away."
)
SHOWN_RULE = (
    "Topics are ranked by how many people chose them; when two are level, the one more people "
    "put first comes first."
)
C_NOTE = "[c]: hidden, so that a count under 10 cannot be worked out from the others."


async def test_round_results_hide_counts_below_the_configured_threshold(
    db: Database, desk: StaffDesk
) -> None:
    # 17 took part: 10 chose safe streets alone; 7 put healthy food first, then safe streets.
    round_id = await _round(
        db, desk, [["Safe streets"]] * 10 + [["Healthy food", "Safe streets"]] * 7
    )

    said = await desk.results(STAFF, round_id, threshold=10)
    assert said.splitlines()[1] == (
        f"17 people took part. {HIDDEN_RULE} Counts from 1 to 9 are shown as <10."
    )
    # 7 put healthy food first: under 10, so every first choice is hidden.
    assert _topics(said) == [
        "1. Safe streets: 17 chose it, [c] put it first",
        "2. Healthy food: <10 chose it, [c] put it first",
        "3. Bus routes: 0 chose it, 0 put it first",
    ]
    assert said.splitlines()[-1] == C_NOTE

    said = await desk.results(STAFF, round_id, threshold=5)
    assert said.splitlines()[1] == (
        f"17 people took part. {SHOWN_RULE} Counts from 1 to 4 are shown as <5."
    )
    assert _topics(said) == [
        "1. Safe streets: 17 chose it, 10 put it first",
        "2. Healthy food: 7 chose it, 7 put it first",
        "3. Bus routes: 0 chose it, 0 put it first",
    ]
    assert "[c]" not in said


# Review's examples, at 10. 13 took part: 10 put safe streets first alone, 1 bus routes then
# safe streets, 2 bus routes alone. Safe streets' first was "[c]", at most its 11 "chose it"
# and not 11 (a first equal to its "chose it" was never the one hidden): 10, so bus routes 3.
THIRTEEN = [["Safe streets"]] * 10 + [["Bus routes", "Safe streets"]] + [["Bus routes"]] * 2
# 22 took part: safe streets 11 chose, 9 first; healthy food 11 chose, 10 first; bus routes
# 3 chose, 3 first. Ranked by first among equals, the order would say 10 > 9.
TWENTY_TWO = (
    [["Safe streets"]] * 9
    + [["Bus routes", "Safe streets"]] * 2
    + [["Healthy food"]] * 10
    + [["Bus routes", "Healthy food"]]
)


async def test_a_first_choice_at_most_its_chose_it_is_not_given_away(
    db: Database, desk: StaffDesk
) -> None:
    said = await desk.results(STAFF, await _round(db, desk, THIRTEEN), threshold=10)
    assert said.splitlines()[1].startswith("13 people took part.")
    assert _topics(said) == [
        "1. Safe streets: 11 chose it, [c] put it first",
        "2. Bus routes: <10 chose it, [c] put it first",
        "3. Healthy food: 0 chose it, 0 put it first",
    ]
    assert said.splitlines()[-1] == C_NOTE


async def test_topics_level_on_chose_it_keep_the_rounds_order_when_firsts_are_hidden(
    db: Database, desk: StaffDesk
) -> None:
    round_id = await _round(db, desk, TWENTY_TWO)
    said = await desk.results(STAFF, round_id, threshold=10)
    assert said.splitlines()[1] == (
        f"22 people took part. {HIDDEN_RULE} Counts from 1 to 9 are shown as <10."
    )
    assert _topics(said) == [
        "1. Safe streets: 11 chose it, [c] put it first",
        "2. Healthy food: 11 chose it, [c] put it first",
        "3. Bus routes: <10 chose it, [c] put it first",
    ]
    # With small numbers off every first is shown, and the 10 firsts rank healthy food first
    # (at 3 the 1 who put healthy food second would be small).
    assert _topics(await desk.results(STAFF, round_id, threshold=1)) == [
        "1. Healthy food: 11 chose it, 10 put it first",
        "2. Safe streets: 11 chose it, 9 put it first",
        "3. Bus routes: 3 chose it, 3 put it first",
    ]


async def test_a_topic_chosen_but_never_first_hides_its_0_with_the_others(
    db: Database, desk: StaffDesk
) -> None:
    # 5 took part, each putting a different topic first: shown, the 0s would say that five
    # "[c]" share 5, so 1 each. A topic nobody chose says 0 all the same.
    topics = [{"en": f"Topic {n}"} for n in range(7)]
    round_id = await desk.open_round(STAFF, "2099-01-31", {"en": "What first?"}, topics)
    await db.write(took_part, round_id, [[f"Topic {n}", "Topic 5"] for n in range(5)])
    lines = (await desk.results(STAFF, round_id, threshold=5)).splitlines()
    assert lines[1].startswith("5 people took part.")
    assert [line.split("): ")[1] for line in lines[2:9]] == [
        "5 chose it, [c] put it first",  # topic 5: chosen by all, first by none
        *["<5 chose it, [c] put it first"] * 5,
        "0 chose it, 0 put it first",
    ]


async def test_small_numbers_switched_off_show_every_count(db: Database, desk: StaffDesk) -> None:
    round_id = await _round(db, desk, [["Safe streets"]] * 3 + [["Healthy food"]])
    said = await desk.results(STAFF, round_id, threshold=0)
    assert said.splitlines()[1].endswith(
        "Small-number suppression is switched off (SUPPRESS_BELOW)."
    )
    assert _topics(said)[:2] == [
        "1. Safe streets: 3 chose it, 3 put it first",
        "2. Healthy food: 1 chose it, 1 put it first",
    ]


def _residents(conn: Tx, where: dict[str, int]) -> None:
    for area, count in where.items():
        for n in range(count):
            conn.execute(
                "INSERT INTO participants (channel, channel_user_id, chat_id, area, consent_at, "
                "created_at) VALUES ('console', ?, ?, ?, ?, ?)",
                (f"{area}-{n}", f"{area}-{n}", area, NOW, NOW),
            )


async def test_area_lists_hide_counts_below_the_configured_threshold(
    db: Database, desk: StaffDesk
) -> None:
    await db.write(_residents, {"Riverside": 7, "Canton": 12, "Splott": 6})
    added = await areas.add(desk, STAFF, {"en": "Riverside"}, threshold=10)
    assert (
        added
        == "Added area Riverside. Residents in it (as they gave their area, or now matched): <10."
    )
    changed = await areas.edit(desk, STAFF, "Riverside", aliases=["Docks"], threshold=10)
    assert changed.endswith("Residents in it (as they gave their area, or now matched): <10.")
    await areas.add(desk, STAFF, {"en": "Canton"}, threshold=10)

    assert (await areas.listing(desk, STAFF, threshold=10)).splitlines() == [
        "Canton: no other names or districts; residents 12",
        "Riverside: also called Docks; residents <10",
        "Residents' own words, in no area: Splott (<10)",
        "Residents taking part: 25.",
    ]
    assert (await areas.listing(desk, STAFF, threshold=5)).splitlines() == [
        "Canton: no other names or districts; residents 12",
        "Riverside: also called Docks; residents 7",
        "Residents' own words, in no area: Splott (6)",
        "Residents taking part: 25.",
    ]


async def test_an_area_the_overview_hides_is_hidden_in_areas_and_area_add_too(
    db: Database, desk: StaffDesk
) -> None:
    """17 take part: 10 in Riverside, 7 in Hillside. With the total shown (the overview, and
    here), at 10 the 7 is "<10" and the 10 "[c]" everywhere; a resident in Riverside who has
    not agreed to take part is counted nowhere."""
    await db.write(_residents, {"Riverside": 10, "Hillside": 7})
    await db.write(
        lambda conn: conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, area, created_at) "
            "VALUES ('console', 'no', 'no', 'Riverside', ?)",
            (NOW,),
        )
    )
    note = "[c]: hidden, so that a count under 10 cannot be worked out from the others."
    assert await areas.add(desk, STAFF, {"en": "Riverside"}, threshold=10) == (
        "Added area Riverside. Residents in it (as they gave their area, or now matched): [c].\n"
        + note
    )
    assert (await areas.listing(desk, STAFF, threshold=10)).splitlines() == [
        "Riverside: no other names or districts; residents [c]",
        "Residents' own words, in no area: Hillside (<10)",
        "Residents taking part: 17.",
        note,
    ]
    changed = await areas.edit(desk, STAFF, "Riverside", aliases=["Docks"], threshold=10)
    assert changed.splitlines()[0].endswith("(as they gave their area, or now matched): [c].")
    # At 5 nothing is hidden: the counts are exact, as before.
    assert (await areas.listing(desk, STAFF, threshold=5)).splitlines() == [
        "Riverside: also called Docks; residents 10",
        "Residents' own words, in no area: Hillside (7)",
        "Residents taking part: 17.",
    ]
    assert (await areas.edit(desk, STAFF, "Riverside", aliases=[], threshold=5)).endswith(
        "(as they gave their area, or now matched): 10."
    )


def test_a_short_table_of_areas_shows_every_hidden_one_and_sums_only_exact_ones() -> None:
    """The overview shows 10 areas: every one hidden or small, then the largest; "Other
    areas" adds up only counts 'areas' shows as numbers."""
    given = {f"Area {n:02}": 20 + n for n in range(12)} | {"Splott": 3, "Canton": 40}
    counted = areas.by_area({**given, "": 0}, 5)
    top, others = counted.top(10)
    assert [(c.name, c.shown) for c in top[-2:]] == [("Area 00", "[c]"), ("Splott", "<5")]
    assert [c.name for c in top[:8]] == ["Canton", *(f"Area {n:02}" for n in range(11, 4, -1))]
    assert others == sum(20 + n for n in range(1, 5))
    assert counted.of("splott").shown == "<5" and counted.total.shown == str(sum(given.values()))


async def test_measures_votes_hide_counts_below_the_configured_threshold(
    db: Database, desk: StaffDesk
) -> None:
    round_id = await _round(db, desk, [["Safe streets"]] * 7)
    [topic] = await db.read(
        lambda conn: conn.execute(
            "SELECT id FROM topics WHERE round_id = ? ORDER BY position LIMIT 1", (round_id,)
        ).fetchone()
    )
    initiative = await desk.create_initiative(STAFF, {"en": "Street lights"}, [topic])
    measure = await desk.add_measure(STAFF, initiative, {"en": "Lights on Bute St"})
    await db.write(
        lambda conn: conn.execute(
            "INSERT INTO measure_votes (measure_id, participant_id, created_at) "
            "SELECT ?, id, ? FROM participants",
            (measure, NOW),
        )
    )
    line = f"measure {measure} [adopted] initiative {initiative}, {{}} votes: Lights on Bute St"
    assert await desk.listing(STAFF, "measures", threshold=10) == line.format("<10")
    assert await desk.listing(STAFF, "measures", threshold=5) == line.format("7")


async def test_firsts_are_hidden_when_what_they_leave_is_small(
    db: Database, desk: StaffDesk
) -> None:
    # 16 took part: 8 chose safe streets alone, 4 healthy food then safe streets, 4 healthy
    # food alone. Every first is 5 or more, but "12 chose it, 8 put it first" would say 4 put
    # safe streets second (with two topics chosen, nobody could put it third).
    round_id = await _round(
        db,
        desk,
        [["Safe streets"]] * 8 + [["Healthy food", "Safe streets"]] * 4 + [["Healthy food"]] * 4,
    )

    said = await desk.results(STAFF, round_id, threshold=5)
    assert _topics(said) == [
        "1. Safe streets: 12 chose it, [c] put it first",
        "2. Healthy food: 8 chose it, [c] put it first",
        "3. Bus routes: 0 chose it, 0 put it first",
    ]
    # Nothing small either way: every first shown.
    other = await _round(db, desk, [["Safe streets"]] * 8 + [["Healthy food", "Safe streets"]] * 5)
    assert _topics(await desk.results(STAFF, other, threshold=5)) == [
        "1. Safe streets: 13 chose it, 8 put it first",
        "2. Healthy food: 5 chose it, 5 put it first",
        "3. Bus routes: 0 chose it, 0 put it first",
    ]
