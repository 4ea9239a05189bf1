"""The audit log: every staff action, append-only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.store.db import Tx


@dataclass(frozen=True, slots=True)
class Entry:
    """One staff action."""

    id: int
    at: str
    actor: str
    role: str
    channel: str
    action: str
    object_type: str | None
    object_id: str | None
    before: Any
    after: Any


def record(
    conn: Tx,
    *,
    at: str,
    actor: str,
    role: str,
    channel: str,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry (inside the transaction of the action it records)."""
    conn.execute(
        "INSERT INTO audit_log (at, actor, role, channel, action, object_type, object_id, "
        "before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            at,
            actor,
            role,
            channel,
            action,
            object_type,
            None if object_id is None else str(object_id),
            None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
            None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True),
        ),
    )


def entries(conn: Tx, since: str | None = None, limit: int = 1000) -> list[Entry]:
    """Entries, newest first."""
    rows = conn.execute(
        "SELECT * FROM audit_log WHERE at >= ? ORDER BY id DESC LIMIT ?", (since or "", limit)
    )
    return [
        Entry(
            r["id"],
            r["at"],
            r["actor"],
            r["role"],
            r["channel"],
            r["action"],
            r["object_type"],
            r["object_id"],
            None if r["before"] is None else json.loads(r["before"]),
            None if r["after"] is None else json.loads(r["after"]),
        )
        for r in rows
    ]
