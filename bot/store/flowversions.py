"""The source of each flow version a session started on, so it can finish on it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.db import Tx


def remember(conn: Tx, content_hash: str, flow_id: str, file: str, source: str, now: str) -> None:
    """Keep a version's source (once per hash)."""
    conn.execute(
        "INSERT INTO flow_versions (hash, flow_id, file, source, first_seen) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING",
        (content_hash, flow_id, file, source, now),
    )


def source(conn: Tx, content_hash: str) -> tuple[str, str] | None:
    """(file, source text) of a version, if it was kept."""
    row = conn.execute(
        "SELECT file, source FROM flow_versions WHERE hash = ?", (content_hash,)
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def prune(conn: Tx, keep: Iterable[str]) -> int:
    """Forget versions that are neither current nor used by an active session."""
    kept = sorted(set(keep))
    marks = ", ".join("?" for _ in kept) or "''"
    cur = conn.execute(
        f"DELETE FROM flow_versions WHERE hash NOT IN ({marks}) AND hash NOT IN "
        "(SELECT flow_hash FROM sessions WHERE status = 'active')",
        kept,
    )
    return cur.rowcount
