"""Values the bot makes once and keeps for itself (the export pseudonym secret, the bot's
username for invitation links). Never exported."""

from __future__ import annotations

from bot.store.db import Tx


def get(conn: Tx, name: str) -> str | None:
    """The kept value, if there is one."""
    row = conn.execute("SELECT value FROM kept_values WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def ensure(conn: Tx, name: str, value: str, now: str) -> str:
    """The kept value, storing `value` first if there is none yet (the first one stays)."""
    conn.execute(
        "INSERT INTO kept_values (name, value, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO NOTHING",
        (name, value, now),
    )
    found = get(conn, name)
    assert found is not None
    return found


def put(conn: Tx, name: str, value: str, now: str) -> None:
    """Store a value, replacing any earlier one."""
    conn.execute(
        "INSERT INTO kept_values (name, value, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
        (name, value, now),
    )
