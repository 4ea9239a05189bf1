"""Audit entries for staff actions, written in the transaction of the action itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.staff.actor import Actor
from bot.store import audit
from bot.store.db import Tx


class Audit:
    """Writes audit entries for one action, in its transaction."""

    def __init__(self, conn: Tx, actor: Actor, now: datetime) -> None:
        self.conn = conn
        self.actor = actor
        self.stamp = now.isoformat()

    def __call__(
        self,
        action: str,
        object_type: str | None = None,
        object_id: object = None,
        *,
        before: Any = None,
        after: Any = None,
    ) -> None:
        audit.record(
            self.conn,
            at=self.stamp,
            actor=self.actor.name,
            role=self.actor.role.label,
            channel=self.actor.channel,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )
