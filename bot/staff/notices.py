"""Telling a champion their status changed: queued with the change, sent by the running bot
in their language (paused or retired from anywhere; approved or made active again from the
command line, which cannot send: Telegram and the dashboard tell them at once)."""

from __future__ import annotations

from bot.store import broadcasts
from bot.store.broadcasts import Audience
from bot.store.db import Tx


def queue(conn: Tx, participant_id: int, status: str, now: str, by: str) -> None:
    """A notice of their new status (active, paused or ended) to one champion."""
    broadcasts.create(
        conn,
        "champion",
        Audience("participants", [participant_id]),
        {"notice": status},
        now,
        status="scheduled",
        send_at=now,
        created_by=by,
    )
