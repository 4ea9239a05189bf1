"""Community assets residents nominate: skills, knowledge, networks, relationships, facilities."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from bot.store.db import Tx
from bot.store.texts import dump, load

CATEGORIES = ("skills", "knowledge", "networks", "relationships", "facilities")


@dataclass(frozen=True, slots=True)
class Nomination:
    """What a resident told us: the category, what it is (text or a voice note), where
    ({"latitude", "longitude"} or {"place"}), who it helps, whether we may contact them, and
    whether the exact place may be shown (else exports round it to about 1 km)."""

    category: str
    what: Any
    where: Any = None
    who_for: Any = None
    may_contact: bool = False
    share_exact: bool = False


@dataclass(frozen=True, slots=True)
class Asset:
    """A community strength a resident told us about."""

    id: int
    participant_id: int
    category: str
    what: Any
    latitude: float | None
    longitude: float | None
    place: str | None
    who_for: Any
    may_contact: bool
    status: str
    created_at: str


def save(conn: Tx, participant_id: int, nomination: Nomination, now: str) -> int:
    """Store a nominated asset, keeping coordinates for a map."""
    where = nomination.where if isinstance(nomination.where, dict) else {}
    cur = conn.execute(
        "INSERT INTO assets (participant_id, category, what, latitude, longitude, place, "
        "who_for, may_contact, share_exact, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            participant_id,
            nomination.category,
            dump(nomination.what),
            where.get("latitude"),
            where.get("longitude"),
            where.get("place"),
            dump(nomination.who_for),
            int(nomination.may_contact),
            int(nomination.share_exact),
            now,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def set_status(conn: Tx, asset_id: int, status: str, now: str) -> bool:
    """Mark an asset verified or hidden (or new again); False if there is no such asset."""
    cur = conn.execute(
        "UPDATE assets SET status = ?, reviewed_at = ? WHERE id = ?", (status, now, asset_id)
    )
    return cur.rowcount == 1


def get(conn: Tx, asset_id: int) -> Asset | None:
    """An asset by id."""
    row = conn.execute("SELECT * FROM assets WHERE id = ?", (asset_id,)).fetchone()
    return _asset(row) if row else None


def all_assets(conn: Tx, status: str | None = None) -> list[Asset]:
    """Assets, newest first."""
    if status:
        rows = conn.execute("SELECT * FROM assets WHERE status = ? ORDER BY id DESC", (status,))
    else:
        rows = conn.execute("SELECT * FROM assets ORDER BY id DESC")
    return [_asset(r) for r in rows]


def page(conn: Tx, status: str | None, limit: int, offset: int = 0) -> list[Asset]:
    """One page of assets (of one status, or all), newest first."""
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = conn.execute(
        f"SELECT * FROM assets {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_asset(r) for r in rows]


def placed(conn: Tx, status: str | None) -> list[tuple[int, str, Any, float, float, bool, str]]:
    """(id, category, what, latitude, longitude, exact place may be shown, status) of assets
    with a shared location, for a map."""
    where = "latitude IS NOT NULL AND longitude IS NOT NULL"
    params: list[Any] = []
    if status:
        where += " AND status = ?"
        params.append(status)
    rows = conn.execute(
        "SELECT id, category, what, latitude, longitude, share_exact, status FROM assets "
        f"WHERE {where} ORDER BY id DESC",
        params,
    )
    return [
        (int(r[0]), str(r[1]), load(r[2]), float(r[3]), float(r[4]), bool(r[5]), str(r[6]))
        for r in rows
    ]


def _asset(r: sqlite3.Row) -> Asset:
    return Asset(
        r["id"],
        r["participant_id"],
        r["category"],
        load(r["what"]),
        r["latitude"],
        r["longitude"],
        r["place"],
        load(r["who_for"]),
        bool(r["may_contact"]),
        r["status"],
        r["created_at"],
    )
