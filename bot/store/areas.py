"""Areas staff define: a name (in any of our languages), other names people use (aliases)
and postcode districts. Residents pick one or type something that matches one; a round may
be for some areas only."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bot.store import dashboard, places
from bot.store.db import Tx
from bot.store.texts import Texts, dump_texts, load_texts


@dataclass(frozen=True, slots=True)
class Area:
    """An area residents can live in. `name["en"]` is what residents' rows and rounds hold."""

    id: int
    name: Texts
    aliases: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()

    @property
    def english(self) -> str:
        """The area's name as stored against residents and rounds."""
        return self.name["en"]

    def words(self) -> tuple[str, ...]:
        """Everything a resident may type for it: its names, aliases and districts."""
        return (*self.name.values(), *self.aliases, *self.districts)


def match(areas: Sequence[Area], typed: str) -> Area | None:
    """The area a resident (or staff) meant by `typed`: a name in any language, an alias,
    or a postcode district, also inside a whole postcode ("cf10 1aa")."""
    wanted = places.typed_keys(typed)
    return next((a for a in areas if wanted & places.keys_of(a.words())), None)


def all_areas(conn: Tx) -> list[Area]:
    """Every area, by English name."""
    rows = conn.execute("SELECT * FROM areas ORDER BY key")
    return [_area(r) for r in rows]


def add(conn: Tx, area: Area, now: str) -> int:
    """Define an area; returns its id."""
    cur = conn.execute(
        "INSERT INTO areas (name, key, aliases, districts, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (*_columns(area), now, now),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def update(conn: Tx, area: Area, now: str) -> None:
    """Change an area's names, aliases or districts."""
    conn.execute(
        "UPDATE areas SET name = ?, key = ?, aliases = ?, districts = ?, updated_at = ? "
        "WHERE id = ?",
        (*_columns(area), now, area.id),
    )


def remove(conn: Tx, area_id: int) -> None:
    """Take an area off the list (residents and rounds keep its name)."""
    conn.execute("DELETE FROM areas WHERE id = ?", (area_id,))


def residents_by_area(conn: Tx) -> dict[str, int]:
    """How many residents gave each area (as their rows hold it)."""
    rows = conn.execute(
        "SELECT area, COUNT(*) FROM participants WHERE area IS NOT NULL AND area != '' "
        "GROUP BY area"
    )
    return {str(r[0]): int(r[1]) for r in rows}


def taking_part_by_area(conn: Tx) -> dict[str, int]:
    """How many residents taking part (who agreed to) gave each area as their rows hold it,
    "" for those who gave none: the residents the overview counts, so that every channel
    that shows residents per area counts the same people."""
    found: dict[str, int] = {}
    for _, area, n in dashboard.participants_by_language_and_area(conn):
        found[area or ""] = found.get(area or "", 0) + n
    return found


def round_area_names(conn: Tx) -> list[str]:
    """The areas rounds are for, as they name them."""
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT area FROM round_areas")]


def rename_residents(conn: Tx, old: str, new: str) -> int:
    """Residents whose area reads `old` now read `new`; returns how many changed."""
    cur = conn.execute("UPDATE participants SET area = ? WHERE area = ?", (new, old))
    return cur.rowcount


def rename_in_rounds(conn: Tx, old: str, new: str) -> None:
    """Rounds for the area named `old` are for `new` (kept as one area when renamed)."""
    conn.execute(
        "UPDATE OR REPLACE round_areas SET area = ?, area_key = ? WHERE area_key = ?",
        (new, places.area_key(new), places.area_key(old)),
    )


def _columns(area: Area) -> tuple[str, str, str, str]:
    return (
        dump_texts(area.name),
        places.area_key(area.english),
        json.dumps(list(area.aliases), ensure_ascii=False),
        json.dumps(list(area.districts)),
    )


def _area(r: sqlite3.Row) -> Area:
    return Area(
        r["id"],
        load_texts(r["name"]),
        tuple(json.loads(r["aliases"])),
        tuple(json.loads(r["districts"])),
    )
