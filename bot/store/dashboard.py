"""The staff dashboard's own rows (one-time login links, sessions) and the overview's counts.

Tokens are never stored: a link or a session is found by the SHA-256 of its token.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.store.db import Tx


@dataclass(frozen=True, slots=True)
class Link:
    """A one-time login link."""

    id: int
    name: str
    member_id: int | None
    role: str
    expires_at: str
    used_at: str | None


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser."""

    id: int
    name: str
    member_id: int | None
    role: str
    created_at: str
    last_seen_at: str
    ended_at: str | None


def create_link(
    conn: Tx,
    token_hash: str,
    name: str,
    member_id: int | None,
    role: str,
    now: str,
    expires_at: str,
) -> int:
    """Store a login link by the hash of its token; returns its id."""
    cur = conn.execute(
        "INSERT INTO dashboard_links (token_hash, name, member_id, role, created_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash, name, member_id, role, now, expires_at),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def link(conn: Tx, token_hash: str) -> Link | None:
    """The link whose token has this hash, if any."""
    row = conn.execute(
        "SELECT * FROM dashboard_links WHERE token_hash = ?", (token_hash,)
    ).fetchone()
    return _link(row) if row else None


def use_link(conn: Tx, link_id: int, now: str) -> bool:
    """Mark a link used; False if it already was (single use, even under a race)."""
    cur = conn.execute(
        "UPDATE dashboard_links SET used_at = ? WHERE id = ? AND used_at IS NULL",
        (now, link_id),
    )
    return cur.rowcount == 1


def create_session(
    conn: Tx, token_hash: str, name: str, member_id: int | None, role: str, now: str
) -> int:
    """A new signed-in session; returns its id."""
    cur = conn.execute(
        "INSERT INTO dashboard_sessions (token_hash, name, member_id, role, created_at, "
        "last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash, name, member_id, role, now, now),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def session(conn: Tx, token_hash: str) -> Session | None:
    """The session whose cookie has this hash, if any (ended or not)."""
    row = conn.execute(
        "SELECT * FROM dashboard_sessions WHERE token_hash = ?", (token_hash,)
    ).fetchone()
    return _session(row) if row else None


def touch(conn: Tx, session_id: int, now: str) -> None:
    """The session was used now (its idle time starts again)."""
    conn.execute(
        "UPDATE dashboard_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL",
        (now, session_id),
    )


def end_session(conn: Tx, session_id: int, now: str) -> None:
    """Sign out (or time out): the cookie no longer opens anything."""
    conn.execute(
        "UPDATE dashboard_sessions SET ended_at = COALESCE(ended_at, ?) WHERE id = ?",
        (now, session_id),
    )


# -- the overview ----------------------------------------------------------------------------


def participants_by_language_and_area(conn: Tx) -> list[tuple[str | None, str | None, int]]:
    """(language, area as typed, how many) of residents who agreed to take part (grouped in
    the order of their index, so no sort of every resident is needed)."""
    rows = conn.execute(
        "SELECT locale, area, COUNT(*) FROM participants WHERE consent_at IS NOT NULL "
        "GROUP BY locale, area"
    )
    return [(r[0], r[1], int(r[2])) for r in rows]


def joined_between(conn: Tx, start: str, end: str) -> int:
    """Residents first seen from `start` up to (not including) `end`."""
    row = conn.execute(
        "SELECT COUNT(*) FROM participants WHERE created_at >= ? AND created_at < ?",
        (start, end),
    ).fetchone()
    return int(row[0])


def answers_between(conn: Tx, start: str, end: str) -> int:
    """Answers given from `start` up to (not including) `end`."""
    row = conn.execute(
        "SELECT COUNT(*) FROM answers WHERE created_at >= ? AND created_at < ?", (start, end)
    ).fetchone()
    return int(row[0])


def _link(r: sqlite3.Row) -> Link:
    return Link(r["id"], r["name"], r["member_id"], r["role"], r["expires_at"], r["used_at"])


def _session(r: sqlite3.Row) -> Session:
    return Session(
        r["id"],
        r["name"],
        r["member_id"],
        r["role"],
        r["created_at"],
        r["last_seen_at"],
        r["ended_at"],
    )


def waiting(conn: Tx) -> dict[str, int]:
    """What waits for staff: new assets to review, champions to approve, measures to decide
    (residents' ideas to accept or reject, and measures open for votes), and scheduled
    broadcasts."""
    row = conn.execute(
        "SELECT (SELECT COUNT(*) FROM assets WHERE status = 'new'), "
        "(SELECT COUNT(*) FROM champions WHERE status = 'interested'), "
        "(SELECT COUNT(*) FROM measures WHERE status IN ('suggested', 'proposed')), "
        "(SELECT COUNT(*) FROM broadcasts WHERE status = 'scheduled' AND kind = 'staff')"
    ).fetchone()
    return {"assets": row[0], "champions": row[1], "measures": row[2], "broadcasts": row[3]}


def referrals_by_champion(conn: Tx) -> dict[int, int]:
    """Champion id -> how many who joined through their link agreed to take part."""
    rows = conn.execute(
        "SELECT r.champion_id, COUNT(*) FROM referrals r JOIN participants p "
        "ON p.id = r.participant_id WHERE p.consent_at IS NOT NULL AND r.champion_id IS NOT NULL "
        "GROUP BY r.champion_id"
    )
    return {int(r[0]): int(r[1]) for r in rows}


def evaluations_by_initiative(conn: Tx) -> dict[int, int]:
    """Initiative id -> how many evaluations residents gave it."""
    rows = conn.execute("SELECT initiative_id, COUNT(*) FROM evaluations GROUP BY initiative_id")
    return {int(r[0]): int(r[1]) for r in rows}


def recent_broadcasts(conn: Tx, limit: int) -> list[int]:
    """Ids of the newest broadcasts staff made (not residents' reminders or check-ins)."""
    rows = conn.execute(
        "SELECT id FROM broadcasts WHERE kind IN ('staff', 'results', 'initiative') "
        "ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [int(r[0]) for r in rows]
