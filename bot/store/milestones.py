"""Initiatives' dated milestones (each with an owner) and the history of their updates."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.store.db import Tx
from bot.store.texts import Texts, load_texts


@dataclass(frozen=True, slots=True)
class Milestone:
    """A dated step of an initiative and who on the staff owns it."""

    id: int
    initiative_id: int
    title: str
    due_on: str
    owner: str
    done_on: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class Update:
    """One update of an initiative: when, who (from the audit log), what, and how many people
    the news was delivered to."""

    id: int
    created_at: str
    status: str | None
    note: Texts
    by: str | None
    delivered: int


def add(conn: Tx, initiative_id: int, title: str, due_on: str, owner: str, now: str) -> int:
    """A new milestone; returns its id."""
    cur = conn.execute(
        "INSERT INTO initiative_milestones (initiative_id, title, due_on, owner, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (initiative_id, title, due_on, owner, now),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def get(conn: Tx, milestone_id: int) -> Milestone | None:
    """A milestone by id."""
    row = conn.execute(
        "SELECT * FROM initiative_milestones WHERE id = ?", (milestone_id,)
    ).fetchone()
    return _milestone(row) if row else None


def set_done(conn: Tx, milestone_id: int, done_on: str | None) -> None:
    """Mark a milestone done on a day (or not done, with None)."""
    conn.execute(
        "UPDATE initiative_milestones SET done_on = ? WHERE id = ?", (done_on, milestone_id)
    )


def of_initiative(conn: Tx, initiative_id: int | None = None) -> list[Milestone]:
    """Milestones (of one initiative, or all), by due date."""
    if initiative_id is None:
        rows = conn.execute("SELECT * FROM initiative_milestones ORDER BY due_on, id")
    else:
        rows = conn.execute(
            "SELECT * FROM initiative_milestones WHERE initiative_id = ? ORDER BY due_on, id",
            (initiative_id,),
        )
    return [_milestone(r) for r in rows]


def history(conn: Tx, initiative_id: int) -> list[Update]:
    """An initiative's updates, oldest first, with who made each and its deliveries."""
    rows = conn.execute(
        "SELECT u.id, u.created_at, u.status, u.note, "
        "(SELECT a.actor FROM audit_log a WHERE a.object_type = 'initiative' "
        "AND a.object_id = CAST(u.initiative_id AS TEXT) AND a.action = 'initiative.update' "
        "AND a.at = u.created_at ORDER BY a.id LIMIT 1) AS by, "
        "(SELECT COUNT(*) FROM broadcasts b JOIN deliveries d ON d.broadcast_id = b.id "
        "WHERE b.dedupe_key = 'initiative-update:' || u.id AND d.state = 'sent') AS delivered "
        "FROM initiative_updates u WHERE u.initiative_id = ? ORDER BY u.id",
        (initiative_id,),
    )
    return [Update(r[0], r[1], r[2], load_texts(r[3]), r[4], int(r[5])) for r in rows]


def _milestone(r: sqlite3.Row) -> Milestone:
    return Milestone(
        r["id"],
        r["initiative_id"],
        r["title"],
        r["due_on"],
        r["owner"],
        r["done_on"],
        r["created_at"],
    )
