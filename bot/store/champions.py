"""Champions (residents in peer and lay roles), their referral codes, and who joined through
them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from bot.store.db import Tx
from bot.store.texts import dump, load

STATUSES = ("interested", "active", "paused", "ended")
# Staff call 'ended' "retired" (the stored word predates retiring; see 0008_champions.sql).
RETIRED = "ended"
# Not stored: a sign-up that ended before staff ever approved it (staff turned it down).
DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class SignUp:
    """What a resident said when offering to be a champion."""

    roles: tuple[str, ...]
    languages: tuple[str, ...]
    availability: tuple[str, ...]
    skills: Any
    may_contact: bool
    other_languages: str | None = None  # "Another language": which, in their words


@dataclass(frozen=True, slots=True)
class Champion:
    """A resident in a peer or lay role, with their referral code."""

    id: int
    participant_id: int
    code: str
    status: str
    roles: tuple[str, ...]
    languages: tuple[str, ...]
    availability: tuple[str, ...]
    skills: Any
    may_contact: bool
    created_at: str
    approved_at: str | None  # the latest approval: cleared when a retired champion offers again
    other_languages: str | None = None
    first_approved_at: str | None = None  # kept through retiring and offering again


def declined(champion: Champion) -> bool:
    """True when their sign-up ended without their ever having been approved."""
    return champion.status == RETIRED and champion.approved_at is None


def save_signup(conn: Tx, participant_id: int, code: str, signup: SignUp, now: str) -> None:
    """Sign up (or update the details of) a champion; the code stays the same once made."""
    conn.execute(
        "INSERT INTO champions (participant_id, code, status, created_at, roles, languages, "
        "availability, skills, may_contact, other_languages) "
        "VALUES (?, ?, 'interested', ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (participant_id) DO UPDATE SET roles = excluded.roles, "
        "languages = excluded.languages, availability = excluded.availability, "
        "skills = excluded.skills, may_contact = excluded.may_contact, "
        "other_languages = excluded.other_languages, "
        # A retired champion offering to help again waits for staff's yes, as anyone new
        # (first_approved_at still says when they first served).
        "approved_at = CASE WHEN status = 'ended' THEN NULL ELSE approved_at END, "
        "status = CASE WHEN status = 'ended' THEN 'interested' ELSE status END",
        (
            participant_id,
            code,
            now,
            json.dumps(list(signup.roles)),
            json.dumps(list(signup.languages)),
            json.dumps(list(signup.availability)),
            dump(signup.skills),
            int(signup.may_contact),
            signup.other_languages,
        ),
    )


def create(conn: Tx, participant_id: int, code: str, now: str, status: str = "interested") -> int:
    """Make the participant a champion with this referral code; returns the champion id."""
    # An active champion's monthly check-in counts from when they became active.
    checked = now if status == "active" else None
    cur = conn.execute(
        "INSERT INTO champions (participant_id, code, status, created_at, last_checkin_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (participant_id, code, status, now, checked),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def of_participant(conn: Tx, participant_id: int) -> Champion | None:
    """The resident's champion record, if they signed up."""
    row = conn.execute(
        "SELECT * FROM champions WHERE participant_id = ?", (participant_id,)
    ).fetchone()
    return _champion(row) if row else None


def by_code(conn: Tx, code: str) -> Champion | None:
    """The champion whose referral code this is, if any."""
    row = conn.execute("SELECT * FROM champions WHERE code = ?", (code,)).fetchone()
    return _champion(row) if row else None


def get(conn: Tx, champion_id: int) -> Champion | None:
    """A champion by id."""
    row = conn.execute("SELECT * FROM champions WHERE id = ?", (champion_id,)).fetchone()
    return _champion(row) if row else None


def all_champions(conn: Tx, status: str | None = None) -> list[Champion]:
    """Champions, oldest first."""
    if status:
        rows = conn.execute("SELECT * FROM champions WHERE status = ? ORDER BY id", (status,))
    else:
        rows = conn.execute("SELECT * FROM champions ORDER BY id")
    return [_champion(r) for r in rows]


def due_for_checkin(conn: Tx, before: str) -> list[int]:
    """Participant ids of active champions not checked in with since `before` (counting
    from when they became active)."""
    rows = conn.execute(
        "SELECT participant_id FROM champions WHERE status = 'active' "
        "AND last_checkin_at <= ? ORDER BY participant_id",
        (before,),
    )
    return [int(r[0]) for r in rows]


def mark_checked_in(conn: Tx, participant_ids: list[int], now: str) -> None:
    """Their check-in has been queued now."""
    conn.executemany(
        "UPDATE champions SET last_checkin_at = ? WHERE participant_id = ?",
        [(now, pid) for pid in participant_ids],
    )


def set_status(conn: Tx, champion_id: int, status: str, now: str) -> bool:
    """Approve (active), pause or end a champion."""
    cur = conn.execute(
        "UPDATE champions SET approved_at = CASE WHEN ? = 'active' "
        "THEN COALESCE(approved_at, ?) ELSE approved_at END, "
        "first_approved_at = CASE WHEN ? = 'active' "
        "THEN COALESCE(first_approved_at, approved_at, ?) ELSE first_approved_at END, "
        # Becoming active (approved, or back from a pause) starts the check-in month anew.
        "last_checkin_at = CASE WHEN ? = 'active' AND status != 'active' THEN ? "
        "ELSE last_checkin_at END, status = ? WHERE id = ?",
        (status, now, status, now, status, now, status, champion_id),
    )
    return cur.rowcount == 1


def record_referral(conn: Tx, participant_id: int, champion_id: int, code: str, now: str) -> bool:
    """Attribute the participant to a champion; first touch wins, never overwritten."""
    cur = conn.execute(
        "INSERT INTO referrals (participant_id, champion_id, code, created_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (participant_id) DO NOTHING",
        (participant_id, champion_id, code, now),
    )
    return cur.rowcount == 1


def attribute(conn: Tx, participant_id: int, payload: str, now: str) -> None:
    """Attribute the participant to the champion whose code `payload` is, whatever their
    status (attribution is never lost); first touch wins, and a champion's own link does not
    count. One statement, the same for any payload, known or not: an unknown code takes the
    same path as a real one, so neither the replies nor the time tell them apart."""
    conn.execute(
        "INSERT INTO referrals (participant_id, champion_id, code, created_at) "
        "SELECT ?, c.id, c.code, ? FROM champions c WHERE c.code = ? AND c.participant_id != ? "
        "ON CONFLICT (participant_id) DO NOTHING",
        (participant_id, now, payload, participant_id),
    )


def _champion(r: sqlite3.Row) -> Champion:
    return Champion(
        r["id"],
        r["participant_id"],
        r["code"],
        r["status"],
        tuple(json.loads(r["roles"] or "[]")),
        tuple(json.loads(r["languages"] or "[]")),
        tuple(json.loads(r["availability"] or "[]")),
        load(r["skills"]),
        bool(r["may_contact"]),
        r["created_at"],
        r["approved_at"],
        r["other_languages"],
        r["first_approved_at"],
    )
