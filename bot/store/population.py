"""The population table participation is compared with (e.g. census counts), loaded by staff."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.store.db import Tx


@dataclass(frozen=True, slots=True)
class Count:
    """How many people of a group live in an area ('' for the whole population)."""

    area: str
    characteristic: str
    group: str
    count: int


def replace_all(conn: Tx, counts: Iterable[Count], source: str, now: str) -> int:
    """Replace the whole table with `counts`; returns how many rows were loaded."""
    conn.execute("DELETE FROM population")
    cur = conn.executemany(
        "INSERT INTO population (area, characteristic, grp, count, source, loaded_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(c.area, c.characteristic, c.group, c.count, source, now) for c in counts],
    )
    return cur.rowcount


def counts(conn: Tx) -> list[Count]:
    """Every row, by area, characteristic and group."""
    rows = conn.execute(
        "SELECT area, characteristic, grp, count FROM population ORDER BY area, characteristic, grp"
    )
    return [Count(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]


def loaded(conn: Tx) -> tuple[str, str] | None:
    """Where the table came from and when it was loaded, if it has been."""
    row = conn.execute("SELECT source, loaded_at FROM population LIMIT 1").fetchone()
    return None if row is None else (str(row[0] or ""), str(row[1]))
