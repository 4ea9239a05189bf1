"""Staff keep the list of areas: each change audited, names, aliases and districts never
shared by two areas, residents who typed a matching area moved into it, and rounds opened
for areas by any of their names, with a note when they overlap another round."""

from __future__ import annotations

import pytest

from bot.i18n.catalogs import Catalogs
from bot.staff import areas
from bot.staff.actor import Actor, Refused, Role, StaffError
from bot.staff.desk import StaffDesk
from bot.store import audit
from bot.store.db import Database, Tx
from tests.conftest import STAFF, fixed_clock

NOW = "2026-11-25T10:30:00+00:00"


def _resident(conn: Tx, name: str, area: str | None) -> None:
    conn.execute(
        "INSERT INTO participants (channel, channel_user_id, chat_id, area, consent_at, "
        "created_at) VALUES ('console', ?, ?, ?, ?, ?)",
        (name, name, area, NOW, NOW),
    )


async def _areas_of_residents(db: Database) -> list[tuple[str, str | None]]:
    rows = await db.read(
        lambda conn: conn.execute("SELECT channel_user_id, area FROM participants ORDER BY id")
    )
    return [(r[0], r[1]) for r in rows]


@pytest.fixture
def desk(db: Database, catalogs: Catalogs) -> StaffDesk:
    return StaffDesk(db, fixed_clock, languages=catalogs.available())


async def test_adding_an_area_gathers_residents_who_typed_it_and_is_audited(
    db: Database, desk: StaffDesk
) -> None:
    for name, area in (("a", "cf10 1aa"), ("b", "Glan yr Afon"), ("c", "Splott"), ("d", None)):
        await db.write(_resident, name, area)
    said = await areas.add(
        desk,
        STAFF,
        {"en": "Riverside", "cy": "Glan-yr-afon"},
        ["Riverside Park"],
        ["cf10", "CF11"],
        threshold=5,
    )
    assert (
        said
        == "Added area Riverside. Residents in it (as they gave their area, or now matched): <5."
    )
    assert await _areas_of_residents(db) == [
        ("a", "Riverside"),
        ("b", "Riverside"),
        ("c", "Splott"),
        ("d", None),
    ]
    [entry] = await db.read(audit.entries)
    assert (entry.action, entry.object_type, entry.object_id, entry.actor) == (
        "area.add",
        "area",
        "1",
        "test:staff",
    )
    assert entry.after == {
        "name": {"en": "Riverside", "cy": "Glan-yr-afon"},
        "aliases": ["Riverside Park"],
        "districts": ["CF10", "CF11"],
    }
    listing = await areas.listing(desk, STAFF, threshold=5)
    assert listing.splitlines() == [
        "Riverside: in other languages cy: Glan-yr-afon; also called Riverside Park; postcode "
        "districts CF10, CF11; residents <5",
        "Residents' own words, in no area: Splott (<5)",
        "Residents taking part: <5, of whom <5 gave no area.",
    ]


@pytest.mark.parametrize(
    ("name", "aliases", "districts", "message"),
    [
        ({"en": "Butetown"}, [], ["CF10"], "'CF10' is already Riverside's"),
        ({"en": "Docks"}, ["glan-yr-afon"], [], "'glan-yr-afon' is already Riverside's"),
        ({"en": "RIVERSIDE"}, [], [], "'RIVERSIDE' is already Riverside's"),
        ({"en": "Butetown"}, [], ["CF10 5AB"], "'CF10 5AB' is a whole postcode: give its first"),
        ({"en": "Butetown"}, [], ["Cardiff"], "'Cardiff' is not a postcode district"),
        ({"en": "Butetown", "xx": "B"}, [], [], "'xx' is not one of our languages: ar, bn, cy"),
        ({"en": " "}, [], [], "The area needs a name."),
    ],
)
async def test_an_area_that_would_be_mistaken_for_another_is_refused(
    db: Database,
    desk: StaffDesk,
    name: dict[str, str],
    aliases: list[str],
    districts: list[str],
    message: str,
) -> None:
    await areas.add(
        desk, STAFF, {"en": "Riverside", "cy": "Glan-yr-afon"}, [], ["CF10"], threshold=5
    )
    with pytest.raises(StaffError) as refused:
        await areas.add(desk, STAFF, name, aliases, districts, threshold=5)
    assert str(refused.value).startswith(message)
    assert [e.action for e in await db.read(audit.entries)] == ["area.add"]


async def test_renaming_an_area_takes_its_residents_and_rounds_along(
    db: Database, desk: StaffDesk
) -> None:
    await areas.add(desk, STAFF, {"en": "Riverside"}, [], ["CF10"], threshold=5)
    await db.write(_resident, "a", "Riverside")
    round_id = await desk.open_round(STAFF, "2026-12-31", areas=["cf10"])
    said = await areas.edit(
        desk,
        STAFF,
        "CF10 1AA",
        name="Riverside and Docks",
        translations={"cy": "Glan-yr-afon a'r Dociau"},
        districts=["CF10", "CF11"],
        threshold=5,
    )
    assert said.startswith(
        "Changed area Riverside and Docks: in other languages cy: Glan-yr-afon a'r Dociau; "
        "postcode districts CF10, CF11."
    )
    assert await _areas_of_residents(db) == [("a", "Riverside and Docks")]
    listed = await desk.listing(STAFF, "rounds", threshold=5)
    assert listed.startswith(f"round {round_id} [open] closes 2026-12-31 area Riverside and Docks:")
    entry = (await db.read(audit.entries))[0]
    assert entry.action == "area.edit"
    assert entry.before == {"name": {"en": "Riverside"}, "aliases": [], "districts": ["CF10"]}
    assert entry.after["districts"] == ["CF10", "CF11"]

    # An area an open round is for stays until the round closes.
    with pytest.raises(StaffError, match=f"Round {round_id} is open for Riverside and Docks"):
        await areas.remove(desk, STAFF, "Riverside and Docks")
    await desk.close_round(STAFF, round_id)
    assert (await areas.remove(desk, STAFF, "riverside and docks")).startswith(
        "Removed area Riverside and Docks."
    )
    assert await _areas_of_residents(db) == [("a", "Riverside and Docks")]
    with pytest.raises(StaffError, match="There is no area 'Riverside'. Areas: none yet."):
        await areas.edit(desk, STAFF, "Riverside", aliases=[], threshold=5)


async def test_viewers_cannot_change_the_areas(desk: StaffDesk) -> None:
    viewer = Actor("tg:7", Role.VIEWER, "telegram")
    with pytest.raises(Refused, match=r"Your role \(viewer\) cannot change the areas"):
        await areas.add(desk, viewer, {"en": "Riverside"}, threshold=5)
    assert (await areas.listing(desk, viewer, threshold=5)).startswith("No areas yet")


async def test_a_round_for_areas_names_them_by_any_of_their_names(
    db: Database, desk: StaffDesk
) -> None:
    # With no areas defined, staff's own words are kept (as residents type theirs).
    first = await desk.open_round(STAFF, "2026-12-31", areas=["  Grange   Town "])
    assert "area Grange Town:" in await desk.listing(STAFF, "rounds", threshold=5)
    await areas.add(
        desk, STAFF, {"en": "Riverside", "cy": "Glan-yr-afon"}, [], ["CF10"], threshold=5
    )
    await areas.add(desk, STAFF, {"en": "Canton"}, [], ["CF5"], threshold=5)
    second = await desk.open_round(STAFF, "2026-12-20", areas=["glan-yr-afon", "cf5 1aa"])
    found = await db.read(
        lambda conn: conn.execute(
            "SELECT area FROM round_areas WHERE round_id = ? ORDER BY rowid", (second,)
        ).fetchall()
    )
    assert [r[0] for r in found] == ["Riverside", "Canton"]
    with pytest.raises(StaffError) as refused:
        await desk.open_round(STAFF, "2026-12-20", areas=["Splott"])
    assert str(refused.value).startswith(
        "There is no area 'Splott'. Areas: Canton, Riverside (/areas lists them with their "
        "postcode districts; add one with /area_add)."
    )
    # Grange Town and Riverside share no residents; a round for everyone shares them all.
    assert await desk.overlaps(STAFF, second) == ""
    third = await desk.open_round(STAFF, "2026-12-10")
    assert (await desk.overlaps(STAFF, third)).splitlines() == [
        f"Note: round {third} overlaps with 2 other open round(s) for some of the same "
        "residents. They are asked which question to answer first:",
        f"- round {first} (for Grange Town, closes 2026-12-31): "
        "What should we work on first to improve health in our area?",
        f"- round {second} (for Riverside, Canton, closes 2026-12-20): "
        "What should we work on first to improve health in our area?",
    ]
    entry = (await db.read(audit.entries))[0]
    assert entry.action == "round.open" and entry.after["areas"] == []


async def test_a_broadcast_to_an_area_by_district_or_alias_reaches_that_area(
    db: Database, desk: StaffDesk
) -> None:
    from bot.staff import broadcasts as drafts
    from bot.store import broadcasts

    await areas.add(desk, STAFF, {"en": "Riverside"}, ["Riverside Park"], ["CF10"], threshold=5)
    for name in ("a", "b"):
        await db.write(_resident, name, "Riverside")
    await db.write(_resident, "c", "Canton")
    await db.write(lambda conn: conn.execute("UPDATE participants SET consent_at = ?", (NOW,)))
    for said in ("area:CF10", 'area:"riverside park"'):
        request = drafts.parse_request(f"{said}\nHello", "Europe/London", fixed_clock())
        new = await drafts.draft(desk, STAFF, request)
        found = await db.read(broadcasts.get, new)
        assert found is not None and found.audience.value == "Riverside"
        assert (await db.read(broadcasts.reach, found.audience)).told == 2
    request = drafts.parse_request("area:Splott\nHello", "Europe/London", fixed_clock())
    with pytest.raises(StaffError, match="There is no area 'Splott'"):
        await drafts.draft(desk, STAFF, request)


async def test_a_round_for_an_area_nobody_is_in_is_opened_with_a_warning(
    db: Database, desk: StaffDesk
) -> None:
    # A round for an area not launched yet is allowed (with no areas defined staff's words
    # are kept), but a typo must not pass unnoticed until the round closes to nobody.
    await db.write(_resident, "a", "Grange Town")
    await db.write(_resident, "b", "Riverside")
    typo = await desk.open_round(STAFF, "2026-12-20", areas=["Grange Twon"])
    assert (await desk.round_notes(STAFF, typo)).splitlines()[0] == (
        "Warning: no resident is in Grange Twon and it is not an area you defined, so round "
        f"{typo} asks nobody there yet. Areas residents gave: Grange Town, Riverside (/areas "
        f"lists them). A typo? Close round {typo} and open it again. A new area? Define it "
        "with /area_add, so residents can pick it."
    )
    # Residents' words are compared as rounds reach them: case and spacing aside.
    fine = await desk.open_round(STAFF, "2026-12-20", areas=["grange  town"])
    assert "Warning" not in await desk.round_notes(STAFF, fine)
    # A defined area is known even before anyone is in it.
    await areas.add(desk, STAFF, {"en": "Canton"}, [], ["CF5"], threshold=5)
    defined = await desk.open_round(STAFF, "2026-12-20", areas=["cf5"])
    assert "Warning" not in await desk.round_notes(STAFF, defined)
    assert [e.action for e in await db.read(audit.entries)].count("round.open") == 3
