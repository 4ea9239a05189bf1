"""News waiting for residents of the terminal simulator."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.db import Tx


@dataclass(frozen=True, slots=True)
class Note:
    """One message for a simulator resident."""

    id: int
    text: str
    image_path: str | None
    buttons: tuple[tuple[str, str], ...]  # (label, callback data)


def deliver(
    conn: Tx,
    user_id: str,
    text: str,
    image_path: str | None,
    buttons: Sequence[tuple[str, str]],
    now: str,
) -> bool:
    """Leave a message for the simulator resident `user_id`; False if there is none."""
    row = conn.execute(
        "SELECT id FROM participants WHERE channel = 'console' AND channel_user_id = ?",
        (user_id,),
    ).fetchone()
    if row is None:
        return False
    conn.execute(
        "INSERT INTO inbox (participant_id, text, image_path, buttons, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            row[0],
            text,
            image_path,
            json.dumps([list(b) for b in buttons]) if buttons else None,
            now,
        ),
    )
    return True


def take(conn: Tx, user_id: str, now: str) -> list[Note]:
    """The resident's unseen messages, oldest first, marked seen."""
    rows = conn.execute(
        "SELECT i.* FROM inbox i JOIN participants p ON p.id = i.participant_id "
        "WHERE p.channel = 'console' AND p.channel_user_id = ? AND i.shown_at IS NULL "
        "ORDER BY i.id",
        (user_id,),
    ).fetchall()
    conn.executemany("UPDATE inbox SET shown_at = ? WHERE id = ?", [(now, r["id"]) for r in rows])
    return [
        Note(
            r["id"],
            r["text"],
            r["image_path"],
            tuple((str(b[0]), str(b[1])) for b in json.loads(r["buttons"] or "[]")),
        )
        for r in rows
    ]
