"""Audit entries for staff actions, written in the transaction of the action itself, and the
log as staff read it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.staff.actor import Actor, Role
from bot.staff.parsing import parse_day
from bot.staff.said import Said
from bot.store import audit
from bot.store.db import Tx

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk


class Audit:
    """Writes audit entries for one action, in its transaction."""

    def __init__(self, conn: Tx, actor: Actor, now: datetime) -> None:
        self.conn = conn
        self.actor = actor
        self.stamp = now.isoformat()
        self.written = 0  # StaffDesk.act refuses to commit an action that wrote no entry

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
        self.written += 1


async def listing(desk: StaffDesk, actor: Actor, since: str | None = None) -> str:
    """The audit log, newest first (the latest 1,000 entries from `since`, a date)."""
    actor.require(Role.VIEWER, Said("read the audit log"))
    start = parse_day(since, end_of_day=False).isoformat() if since else None
    found = await desk.db.read(audit.entries, start)
    if found:
        return "\n".join(describe(e) for e in found)
    return f"No staff actions since {since}." if since else "No staff actions recorded yet."


def describe(entry: audit.Entry) -> str:
    """One audit entry on one line."""
    what = f" {entry.object_type}" if entry.object_type else ""
    what += f" {entry.object_id}" if entry.object_id is not None else ""
    change = ""
    if entry.before is not None or entry.after is not None:
        before = "" if entry.before is None else json.dumps(entry.before, ensure_ascii=False)
        after = "" if entry.after is None else json.dumps(entry.after, ensure_ascii=False)
        change = f": {before} -> {after}" if before else f": {after}"
    return (
        f"{entry.at[:19].replace('T', ' ')} {entry.actor} ({entry.role}, {entry.channel}) "
        f"{entry.action}{what}{change}"
    )
