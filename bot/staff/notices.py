"""Messages to one champion, queued with the staff action that makes them and sent by the
running bot in their language: an answer to their support request, a message from our team,
and a notice that their status changed (paused or retired from anywhere; approved or made
active again from the command line, which cannot send: Telegram and the dashboard tell them
at once)."""

from __future__ import annotations

from typing import Any

from bot.store import broadcasts
from bot.store.broadcasts import Audience
from bot.store.db import Tx


def to_champion(
    conn: Tx,
    participant_id: int,
    content: dict[str, Any],
    now: str,
    by: str,
    *,
    audience: str = "participants",
    dedupe_key: str | None = None,
) -> None:
    """One champion's message (`content` says which: bot/jobs/compose.py), to go now."""
    broadcasts.create(
        conn,
        "champion",
        Audience(audience, [participant_id]),
        content,
        now,
        status="scheduled",
        send_at=now,
        dedupe_key=dedupe_key,
        created_by=by,
    )


def queue(conn: Tx, participant_id: int, status: str, now: str, by: str) -> None:
    """A notice of their new status (active, paused or ended) to one champion."""
    to_champion(conn, participant_id, {"notice": status}, now, by)
