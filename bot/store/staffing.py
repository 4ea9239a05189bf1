"""Staff members, their roles, and one-time invitations (only a hash of each token is kept)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.store.db import Tx

ROLES = ("admin", "staff", "viewer")


@dataclass(frozen=True, slots=True)
class Member:
    """A staff member; `removed_at` is set once an admin removed them."""

    id: int
    name: str
    telegram_user_id: int | None
    role: str
    added_at: str
    added_by: str
    removed_at: str | None


@dataclass(frozen=True, slots=True)
class Invite:
    """A one-time invitation to join as staff in a role."""

    id: int
    role: str
    name: str | None
    created_by: str
    created_at: str
    expires_at: str
    used_at: str | None
    member_id: int | None


def add(
    conn: Tx, name: str, role: str, now: str, added_by: str, telegram_user_id: int | None = None
) -> int:
    """A new staff member; returns their id."""
    cur = conn.execute(
        "INSERT INTO staff_members (name, telegram_user_id, role, added_at, added_by) "
        "VALUES (?, ?, ?, ?, ?)",
        (name, telegram_user_id, role, now, added_by),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def get(conn: Tx, member_id: int) -> Member | None:
    """A staff member by id (removed or not)."""
    row = conn.execute("SELECT * FROM staff_members WHERE id = ?", (member_id,)).fetchone()
    return _member(row) if row else None


def by_telegram(conn: Tx, telegram_user_id: int) -> Member | None:
    """The staff member with this Telegram user id (removed or not), if any."""
    row = conn.execute(
        "SELECT * FROM staff_members WHERE telegram_user_id = ?", (telegram_user_id,)
    ).fetchone()
    return _member(row) if row else None


def members(conn: Tx, *, include_removed: bool = False) -> list[Member]:
    """Staff members, oldest first."""
    sql = "SELECT * FROM staff_members"
    if not include_removed:
        sql += " WHERE removed_at IS NULL"
    return [_member(r) for r in conn.execute(sql + " ORDER BY id")]


def set_role(conn: Tx, member_id: int, role: str) -> None:
    """Change a member's role."""
    conn.execute("UPDATE staff_members SET role = ? WHERE id = ?", (role, member_id))


def set_name(conn: Tx, member_id: int, name: str) -> None:
    """Change the name a member is known by."""
    conn.execute("UPDATE staff_members SET name = ? WHERE id = ?", (name, member_id))


def remove(conn: Tx, member_id: int, now: str, removed_by: str) -> None:
    """Mark a member removed (the row stays, so STAFF_TELEGRAM_IDS does not add them back)."""
    conn.execute(
        "UPDATE staff_members SET removed_at = ?, removed_by = ? WHERE id = ?",
        (now, removed_by, member_id),
    )


def rejoin(conn: Tx, member_id: int, role: str, now: str, added_by: str) -> None:
    """A removed member invited again: active once more, in the invitation's role."""
    conn.execute(
        "UPDATE staff_members SET role = ?, added_at = ?, added_by = ?, removed_at = NULL, "
        "removed_by = NULL WHERE id = ?",
        (role, now, added_by, member_id),
    )


def create_invite(
    conn: Tx,
    token_hash: str,
    role: str,
    name: str | None,
    created_by: str,
    now: str,
    expires_at: str,
) -> int:
    """Store an invitation (by the hash of its token); returns its id."""
    cur = conn.execute(
        "INSERT INTO staff_invites (token_hash, role, name, created_by, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash, role, name, created_by, now, expires_at),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def invite_by_hash(conn: Tx, token_hash: str) -> Invite | None:
    """The invitation whose token has this hash, if any."""
    row = conn.execute("SELECT * FROM staff_invites WHERE token_hash = ?", (token_hash,)).fetchone()
    return _invite(row) if row else None


def use_invite(conn: Tx, invite_id: int, member_id: int, now: str) -> bool:
    """Mark an invitation used; False if it already was (single use, even under a race)."""
    cur = conn.execute(
        "UPDATE staff_invites SET used_at = ?, member_id = ? WHERE id = ? AND used_at IS NULL",
        (now, member_id, invite_id),
    )
    return cur.rowcount == 1


def _member(r: sqlite3.Row) -> Member:
    return Member(
        r["id"],
        r["name"],
        r["telegram_user_id"],
        r["role"],
        r["added_at"],
        r["added_by"],
        r["removed_at"],
    )


def _invite(r: sqlite3.Row) -> Invite:
    return Invite(
        r["id"],
        r["role"],
        r["name"],
        r["created_by"],
        r["created_at"],
        r["expires_at"],
        r["used_at"],
        r["member_id"],
    )
