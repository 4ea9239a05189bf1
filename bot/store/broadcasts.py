"""Broadcasts and their delivery ledger.

One `deliveries` row per (broadcast, participant) moves queued → sending → sent / failed /
unreachable. A row is marked `sending` in its own commit before the message goes out, so
after a crash nothing marked sent is sent again and rows left in `sending` are reported,
not retried (at-most-once). Recipients are read in small batches, so memory does not grow
with the audience. Each process sends to the channels it can reach (Telegram with a token,
the terminal simulator's inbox always); the others' rows wait for a process that can.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.db import Tx

# Who can be sent news at all: consented, not stopped, not known to have blocked the bot.
REACHABLE = "p.consent_at IS NOT NULL AND p.opted_out_at IS NULL AND p.unreachable_at IS NULL"
AUDIENCE_TYPES = (
    "everyone",
    "round",
    "topic",
    "initiative",
    "initiative_people",
    "champions",
    "area",
    "participants",
)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a broadcast goes to: a type and, for most types, a value (an id or an area)."""

    type: str
    value: Any = None

    def to_json(self) -> str:
        """As stored."""
        return json.dumps({"type": self.type, "value": self.value})

    @classmethod
    def from_json(cls, text: str) -> Audience:
        """From the stored form."""
        data = json.loads(text)
        return cls(data["type"], data.get("value"))


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A message to many, and where it has got to."""

    id: int
    kind: str
    audience: Audience
    content: dict[str, Any]
    status: str
    send_at: str | None
    spread_hours: float | None
    round_id: int | None
    initiative_id: int | None
    created_by: str | None
    status_chat_id: str | None
    status_message_id: int | None
    created_at: str
    started_at: str | None


@dataclass(frozen=True, slots=True)
class Recipient:
    """One participant to send a broadcast to."""

    participant_id: int
    channel: str
    chat_id: str
    locale: str | None
    stopped: bool  # opted out or unreachable since the broadcast was queued


def audience_query(audience: Audience) -> tuple[str, list[Any]]:
    """SQL selecting the participant ids of an audience (reachable, consenting, not stopped)."""
    kind, value = audience.type, audience.value
    base = f"SELECT p.id FROM participants p WHERE {REACHABLE}"
    if kind == "everyone":
        return base, []
    if kind == "round":
        return (
            base + " AND p.id IN (SELECT participant_id FROM priority_submissions "
            "WHERE round_id = ?)",
            [int(value)],
        )
    if kind == "topic":
        return (
            base + " AND p.id IN (SELECT participant_id FROM priority_choices WHERE topic_id = ?)",
            [int(value)],
        )
    if kind == "initiative":
        return (
            base + " AND p.id IN (SELECT participant_id FROM evaluations WHERE initiative_id = ?)",
            [int(value)],
        )
    if kind == "initiative_people":
        # Everyone who chose one of its topics or evaluated it: who "you said, we did" is for.
        return (
            base + " AND p.id IN (SELECT c.participant_id FROM priority_choices c "
            "JOIN initiative_topics t ON t.topic_id = c.topic_id WHERE t.initiative_id = ? "
            "UNION SELECT participant_id FROM evaluations WHERE initiative_id = ?)",
            [int(value), int(value)],
        )
    if kind == "champions":
        return (
            base + " AND p.id IN (SELECT participant_id FROM champions WHERE status = 'active')",
            [],
        )
    if kind == "area":
        return base + " AND lower(trim(p.area)) = lower(trim(?))", [str(value)]
    if kind == "participants":
        return base + " AND p.id IN (SELECT value FROM json_each(?))", [json.dumps(value)]
    raise ValueError(f"unknown audience {kind!r}: use one of {', '.join(AUDIENCE_TYPES)}")


def create(
    conn: Tx,
    kind: str,
    audience: Audience,
    content: dict[str, Any],
    now: str,
    *,
    status: str = "draft",
    send_at: str | None = None,
    spread_hours: float | None = None,
    round_id: int | None = None,
    initiative_id: int | None = None,
    dedupe_key: str | None = None,
    created_by: str | None = None,
) -> int | None:
    """A new broadcast; None when one with the same dedupe key already exists."""
    audience_query(audience)  # refuse an unknown audience before writing anything
    cur = conn.execute(
        "INSERT INTO broadcasts (kind, audience, content, status, send_at, spread_hours, "
        "round_id, initiative_id, dedupe_key, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        (
            kind,
            audience.to_json(),
            json.dumps(content, ensure_ascii=False),
            status,
            send_at,
            spread_hours,
            round_id,
            initiative_id,
            dedupe_key,
            created_by,
            now,
        ),
    )
    return cur.lastrowid if cur.rowcount == 1 else None


def get(conn: Tx, broadcast_id: int) -> Broadcast | None:
    """A broadcast by id."""
    row = conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()
    return _broadcast(row) if row else None


def with_status(conn: Tx, *statuses: str) -> list[Broadcast]:
    """Broadcasts in these states, oldest first."""
    marks = ", ".join("?" for _ in statuses)
    rows = conn.execute(f"SELECT * FROM broadcasts WHERE status IN ({marks}) ORDER BY id", statuses)
    return [_broadcast(r) for r in rows]


def due(conn: Tx, now: str) -> list[Broadcast]:
    """Scheduled broadcasts whose time has come."""
    rows = conn.execute(
        "SELECT * FROM broadcasts WHERE status = 'scheduled' AND "
        "(send_at IS NULL OR send_at <= ?) ORDER BY id",
        (now,),
    )
    return [_broadcast(r) for r in rows]


def preview(conn: Tx, audience: Audience) -> dict[str, int]:
    """How many would receive it, per language (before anything is queued)."""
    sql, params = audience_query(audience)
    rows = conn.execute(
        "SELECT COALESCE(p.locale, 'en') AS locale, COUNT(*) FROM participants p "
        f"WHERE p.id IN ({sql}) GROUP BY 1 ORDER BY 2 DESC, 1",
        params,
    )
    return {str(r[0]): int(r[1]) for r in rows}


def set_status(conn: Tx, broadcast_id: int, status: str, now: str) -> None:
    """Pause, resume (sending), cancel, schedule or finish a broadcast."""
    conn.execute(
        "UPDATE broadcasts SET status = ?, finished_at = CASE WHEN ? IN "
        "('done', 'cancelled') THEN ? ELSE finished_at END WHERE id = ?",
        (status, status, now, broadcast_id),
    )


def schedule(conn: Tx, broadcast_id: int, send_at: str) -> None:
    """Confirm a draft for sending at `send_at` (a running bot starts it then)."""
    conn.execute(
        "UPDATE broadcasts SET status = 'scheduled', send_at = ? WHERE id = ?",
        (send_at, broadcast_id),
    )


def delete_draft(conn: Tx, broadcast_id: int) -> None:
    """Forget a draft that was only previewed."""
    conn.execute("DELETE FROM broadcasts WHERE id = ? AND status = 'draft'", (broadcast_id,))


def set_status_message(conn: Tx, broadcast_id: int, chat_id: str, message_id: int) -> None:
    """Remember the staff member's progress message, to edit it as sending goes on."""
    conn.execute(
        "UPDATE broadcasts SET status_chat_id = ?, status_message_id = ? WHERE id = ?",
        (chat_id, message_id, broadcast_id),
    )


def start(conn: Tx, broadcast_id: int, now: str) -> int:
    """Queue one delivery row per recipient and mark the broadcast sending.

    Returns how many were queued (0 if it was already started: starting is idempotent).
    """
    broadcast = get(conn, broadcast_id)
    if broadcast is None:
        return 0
    sql, params = audience_query(broadcast.audience)
    cur = conn.execute(
        "UPDATE broadcasts SET status = 'sending', started_at = COALESCE(started_at, ?) "
        "WHERE id = ? AND status IN ('draft', 'scheduled')",
        (now, broadcast_id),
    )
    if cur.rowcount != 1:
        return 0
    inserted = conn.execute(
        "INSERT INTO deliveries (broadcast_id, participant_id, updated_at) "
        # "WHERE true" keeps SQLite from reading ON CONFLICT as part of a join.
        f"SELECT ?, id, ? FROM ({sql}) WHERE true ON CONFLICT DO NOTHING",
        (broadcast_id, now, *params),
    )
    return inserted.rowcount


def claim(
    conn: Tx,
    broadcast_id: int,
    limit: int,
    now: str,
    channels: Iterable[str],
) -> list[Recipient]:
    """The next queued recipients on `channels`, marked `sending` (committed) before anything
    is sent."""
    served = sorted(channels)
    marks = ", ".join("?" for _ in served) or "''"
    rows = conn.execute(
        "SELECT d.participant_id, p.channel, p.chat_id, p.locale, "
        "(p.opted_out_at IS NOT NULL OR p.unreachable_at IS NOT NULL) AS stopped "
        "FROM deliveries d JOIN participants p ON p.id = d.participant_id "
        f"WHERE d.broadcast_id = ? AND d.state = 'queued' AND p.channel IN ({marks}) "
        "ORDER BY d.participant_id LIMIT ?",
        (broadcast_id, *served, limit),
    ).fetchall()
    if rows:
        conn.executemany(
            "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, "
            "updated_at = ? WHERE broadcast_id = ? AND participant_id = ?",
            [(now, broadcast_id, r[0]) for r in rows],
        )
    return [Recipient(int(r[0]), str(r[1]), str(r[2]), r[3], bool(r[4])) for r in rows]


def settle(
    conn: Tx,
    broadcast_id: int,
    results: Sequence[tuple[int, str, str | None]],
    now: str,
) -> None:
    """Record how each claimed delivery ended: (participant id, state, error)."""
    conn.executemany(
        "UPDATE deliveries SET state = ?, error = ?, updated_at = ? "
        "WHERE broadcast_id = ? AND participant_id = ?",
        [(state, error, now, broadcast_id, pid) for pid, state, error in results],
    )
    unreachable = [pid for pid, state, _ in results if state == "unreachable"]
    conn.executemany(
        "UPDATE participants SET unreachable_at = COALESCE(unreachable_at, ?) WHERE id = ?",
        [(now, pid) for pid in unreachable],
    )


def requeue(conn: Tx, broadcast_id: int, participant_ids: Sequence[int], now: str) -> None:
    """Put claimed deliveries that were never attempted back in the queue."""
    conn.executemany(
        "UPDATE deliveries SET state = 'queued', attempts = attempts - 1, updated_at = ? "
        "WHERE broadcast_id = ? AND participant_id = ? AND state = 'sending'",
        [(now, broadcast_id, pid) for pid in participant_ids],
    )


def counts(conn: Tx, broadcast_id: int) -> dict[str, int]:
    """Deliveries by state."""
    rows = conn.execute(
        "SELECT state, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY state",
        (broadcast_id,),
    )
    return {str(r[0]): int(r[1]) for r in rows}


def waiting_channels(conn: Tx, broadcast_id: int) -> set[str]:
    """Channels of the recipients still queued."""
    rows = conn.execute(
        "SELECT DISTINCT p.channel FROM deliveries d JOIN participants p "
        "ON p.id = d.participant_id WHERE d.broadcast_id = ? AND d.state = 'queued'",
        (broadcast_id,),
    )
    return {str(r[0]) for r in rows}


def locales(conn: Tx, broadcast_id: int) -> dict[str, int]:
    """Recipients of a started broadcast per language."""
    rows = conn.execute(
        "SELECT COALESCE(p.locale, 'en'), COUNT(*) FROM deliveries d "
        "JOIN participants p ON p.id = d.participant_id WHERE d.broadcast_id = ? GROUP BY 1",
        (broadcast_id,),
    )
    return {str(r[0]): int(r[1]) for r in rows}


def _broadcast(r: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=r["id"],
        kind=r["kind"],
        audience=Audience.from_json(r["audience"]),
        content=json.loads(r["content"]),
        status=r["status"],
        send_at=r["send_at"],
        spread_hours=r["spread_hours"],
        round_id=r["round_id"],
        initiative_id=r["initiative_id"],
        created_by=r["created_by"],
        status_chat_id=r["status_chat_id"],
        status_message_id=r["status_message_id"],
        created_at=r["created_at"],
        started_at=r["started_at"],
    )
