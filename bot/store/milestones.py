"""Initiatives' dated milestones (each with an owner) and the history of their updates."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

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
    sending: bool = False  # its news is still to go out (scheduled, sending or paused)


@dataclass(frozen=True, slots=True)
class Step:
    """What staff did to one of an initiative's milestones (from the audit log, so a removed
    milestone stays in the history): added, done or removed, when and by whom."""

    at: str
    by: str
    action: str  # add, done or remove
    milestone_id: int
    title: str
    due_on: str
    owner: str
    done_on: str | None  # the day given, for done


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


def remove(conn: Tx, milestone_id: int) -> None:
    """Delete a milestone (its audit entries keep what it was)."""
    conn.execute("DELETE FROM initiative_milestones WHERE id = ?", (milestone_id,))


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
        "WHERE b.dedupe_key = 'initiative-update:' || u.id AND d.state = 'sent') AS delivered, "
        "EXISTS (SELECT 1 FROM broadcasts b WHERE b.dedupe_key = 'initiative-update:' || u.id "
        "AND b.status IN ('scheduled', 'sending', 'paused')) AS sending "
        "FROM initiative_updates u WHERE u.initiative_id = ? ORDER BY u.id",
        (initiative_id,),
    )
    return [
        Update(r[0], r[1], r[2], load_texts(r[3]), r[4], int(r[5]), bool(r[6])) for r in rows
    ]


def steps(conn: Tx, initiative_id: int) -> list[Step]:
    """What staff did to an initiative's milestones, oldest first, as the audit log has it:
    every milestone's add entry names its initiative, and the others follow its id (until
    the id is added again)."""
    rows = conn.execute(
        "SELECT a.at, a.actor, a.action, a.object_id, a.after FROM audit_log a "
        "WHERE a.object_type = 'milestone' AND a.action IN "
        "('milestone.add', 'milestone.done', 'milestone.remove') AND a.object_id IN "
        "(SELECT object_id FROM audit_log WHERE object_type = 'milestone' "
        "AND action = 'milestone.add' AND json_extract(after, '$.initiative') = ?) "
        "ORDER BY a.id",
        (initiative_id,),
    )
    added: dict[int, dict[str, Any]] = {}
    found = []
    for at, by, action, object_id, after in rows:
        milestone_id = int(object_id)
        if action == "milestone.add":
            added[milestone_id] = json.loads(after)
        what = added.get(milestone_id, {})
        # A removed milestone's id is given to the next one added (no AUTOINCREMENT),
        # perhaps to another initiative: each step is of the milestone last added with it.
        if what.get("initiative") != initiative_id:
            continue
        done = json.loads(after).get("done") if action == "milestone.done" else None
        found.append(
            Step(
                at,
                by,
                action.removeprefix("milestone."),
                milestone_id,
                str(what.get("title", "")),
                str(what.get("due", "")),
                str(what.get("owner", "")),
                done,
            )
        )
    return found


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
