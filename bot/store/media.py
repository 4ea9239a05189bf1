"""Photos uploaded once per channel and referred to by the channel's own id afterwards."""

from __future__ import annotations

from bot.store.db import Tx


def file_id(conn: Tx, key: str, channel: str) -> str | None:
    """The channel's id for the photo `key`, if it was uploaded before."""
    row = conn.execute(
        "SELECT file_id FROM media WHERE key = ? AND channel = ?", (key, channel)
    ).fetchone()
    return str(row[0]) if row else None


def remember(conn: Tx, key: str, channel: str, file_id: str, now: str) -> None:
    """Keep the channel's id for the photo `key` (the newest wins)."""
    conn.execute(
        "INSERT INTO media (key, channel, file_id, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (key, channel) DO UPDATE SET file_id = excluded.file_id",
        (key, channel, file_id, now),
    )


def forget(conn: Tx, key: str, channel: str) -> None:
    """The channel no longer knows the id (Telegram refused it): upload again next time."""
    conn.execute("DELETE FROM media WHERE key = ? AND channel = ?", (key, channel))
