"""Areas and where residents live: postcodes read as people type them, names matched case
and accents aside, rounds for some areas found for the residents of those areas only, and
rounds from before areas kept to the area they were for."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import areas, migrate, places, rounds
from bot.store.areas import Area
from bot.store.db import Database, Tx, connect

NOW = "2026-11-25T10:30:00+00:00"
LIST = (
    Area(1, {"en": "Riverside", "cy": "Glan-yr-afon"}, ("Riverside Park",), ("CF10", "CF11")),
    Area(2, {"en": "Canton"}, (), ("CF5",)),
)


@pytest.mark.parametrize(
    ("typed", "district"),
    [
        ("CF10", "CF10"),
        ("cf10 1aa", "CF10"),
        ("CF101AA", "CF10"),
        ("cf1 1aa", "CF1"),  # not CF11: the inward code always has three characters
        ("CF11AA", "CF1"),
        ("CF10 1", "CF10"),  # a postcode sector
        ("sw1a 2aa", "SW1A"),
        ("M1", "M1"),
        ("I live at CF24 3AB, Splott", "CF24"),
        ("CF١٠ ١AA", "CF10"),  # typed with Arabic-Indic digits
        ("Riverside", None),
        ("CF", None),
        ("12345", None),
    ],
)
def test_the_district_of_what_people_type(typed: str, district: str | None) -> None:
    assert places.district(typed) == district


def test_names_are_compared_case_accents_and_punctuation_aside() -> None:
    assert places.fold_place("Glan-yr-Âfon ") == places.fold_place("glan yr afon") == "glan yr afon"
    assert places.is_district("CF10") and not places.is_district("CF10 1AA")


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("riverside", "Riverside"),
        ("GLAN YR AFON", "Riverside"),  # its name in Welsh
        ("riverside park", "Riverside"),  # an alias
        ("cf11", "Riverside"),
        ("CF10 1AA", "Riverside"),
        ("cf5 2bb", "Canton"),
        ("cf24", None),
        ("Splott", None),
        ("", None),
    ],
)
def test_what_a_resident_types_finds_their_area(typed: str, found: str | None) -> None:
    match = areas.match(LIST, typed)
    assert (match.english if match else None) == found


async def test_rounds_open_to_a_resident_are_for_everyone_or_for_their_area(db: Database) -> None:
    def work(conn: Tx) -> tuple[list[int], list[int], list[int], list[int]]:
        everyone = rounds.create(conn, {"en": "Q1"}, "2026-12-31T23:59:59+00:00", NOW, [])
        riverside = rounds.create(
            conn, {"en": "Q2"}, "2026-12-20T23:59:59+00:00", NOW, [], ["Riverside", "Canton"]
        )
        rounds.create(conn, {"en": "Q3"}, "2026-12-25T23:59:59+00:00", NOW, [], ["Splott"])
        assert rounds.get(conn, riverside) is not None
        assert rounds.get(conn, riverside).areas == ("Riverside", "Canton")  # type: ignore[union-attr]
        assert rounds.get(conn, everyone).areas == ()  # type: ignore[union-attr]
        return (
            [r.id for r in rounds.open_for(conn, "riverside ", NOW)],
            [r.id for r in rounds.open_for(conn, "Canton", NOW)],
            [r.id for r in rounds.open_for(conn, None, NOW)],
            [r.id for r in rounds.open_for(conn, "Riverside", "2026-12-21T00:00:00+00:00")],
        )

    # The one closing first comes first; a round past its closing time is not offered.
    assert await db.write(work) == ([2, 1], [2, 1], [1], [1])


async def test_an_area_renamed_keeps_its_residents_and_rounds(db: Database) -> None:
    def work(conn: Tx) -> tuple[str | None, tuple[str, ...]]:
        conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, area, created_at) "
            "VALUES ('console', 'a', 'a', 'Riverside', ?)",
            (NOW,),
        )
        round_id = rounds.create(conn, {"en": "Q"}, "2026-12-31", NOW, [], ["Riverside"])
        assert areas.rename_residents(conn, "Riverside", "Riverside and Docks") == 1
        areas.rename_in_rounds(conn, "Riverside", "Riverside and Docks")
        area = conn.execute("SELECT area FROM participants").fetchone()[0]
        found = rounds.get(conn, round_id)
        assert found is not None
        return area, found.areas

    assert await db.write(work) == ("Riverside and Docks", ("Riverside and Docks",))


def test_rounds_from_before_areas_keep_the_area_they_were_for(tmp_path: Path) -> None:
    conn = connect(tmp_path / "old.sqlite3")
    try:
        before = [m for m in migrate.available() if m.version < 9]
        migrate.upgrade(conn, before)
        for question, area in (("Q1", "Riverside "), ("Q2", None), ("Q3", "")):
            conn.execute(
                "INSERT INTO rounds (question, area, opens_at, closes_at, created_at) "
                "VALUES (?, ?, ?, '2026-12-31', ?)",
                (f'{{"en": "{question}"}}', area, NOW, NOW),
            )
        migrate.upgrade(conn)
        assert [tuple(r) for r in conn.execute("SELECT * FROM round_areas")] == [
            (1, "Riverside", "riverside")
        ]
        assert [r.id for r in rounds.open_for(conn, "RIVERSIDE", NOW)] == [1, 2, 3]
        assert [r.id for r in rounds.open_for(conn, "Canton", NOW)] == [2, 3]
    finally:
        conn.close()
