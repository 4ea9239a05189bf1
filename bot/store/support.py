"""Support for champions (QS148 statement 4, "supported"): their requests, staff answers,
and the monthly check-in answers, countable for the report."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from bot.store.db import Tx
from bot.store.texts import dump, load

# The monthly check-in's answers are kept in the answer log under this flow id and key.
CHECKIN_FLOW = "champion-checkin"
CHECKIN_KEY = "support"


@dataclass(frozen=True, slots=True)
class Request:
    """A champion's request for support, and staff's answer once there is one."""

    id: int
    champion_id: int
    participant_id: int
    request: Any  # their words, or a voice note {"voice": file id, "duration": seconds}
    status: str
    created_at: str
    alerted_at: str | None
    answer: str | None
    answer_sent: bool
    answered_by: str | None
    answered_at: str | None
    written_in: str | None = None  # the language of the chat it came from (theirs now)


# With the language of the chat each came from, for staff to answer in it if they can.
_SELECT = (
    "SELECT s.*, p.locale AS written_in FROM support_requests s "
    "LEFT JOIN participants p ON p.id = s.participant_id"
)


def create(conn: Tx, champion_id: int, participant_id: int, request: Any, now: str) -> int:
    """Store a new, open request; returns its id."""
    cur = conn.execute(
        "INSERT INTO support_requests (champion_id, participant_id, request, created_at) "
        "VALUES (?, ?, ?, ?)",
        (champion_id, participant_id, dump(request), now),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def get(conn: Tx, request_id: int) -> Request | None:
    """A request by id."""
    row = conn.execute(f"{_SELECT} WHERE s.id = ?", (request_id,)).fetchone()
    return _request(row) if row else None


def with_status(conn: Tx, status: str, champion_id: int | None = None) -> list[Request]:
    """Requests in this state (of one champion, or all), oldest first."""
    if champion_id is None:
        rows = conn.execute(f"{_SELECT} WHERE s.status = ? ORDER BY s.id", (status,))
    else:
        rows = conn.execute(
            f"{_SELECT} WHERE s.champion_id = ? AND s.status = ? ORDER BY s.id",
            (champion_id, status),
        )
    return [_request(r) for r in rows]


def unalerted(conn: Tx) -> list[Request]:
    """Requests staff have not been told about yet, oldest first."""
    rows = conn.execute(f"{_SELECT} WHERE s.alerted_at IS NULL ORDER BY s.id")
    return [_request(r) for r in rows]


def mark_alerted(conn: Tx, request_id: int, now: str) -> None:
    """Staff have been told about this request."""
    conn.execute(
        "UPDATE support_requests SET alerted_at = ? WHERE id = ? AND alerted_at IS NULL",
        (now, request_id),
    )


def close(conn: Tx, request_id: int, answer: str | None, sent: bool, by: str, now: str) -> bool:
    """Record staff's answer (sent to the champion, or only a note) and close the request;
    False when it was not open."""
    cur = conn.execute(
        "UPDATE support_requests SET status = 'answered', answer = ?, answer_sent = ?, "
        "answered_by = ?, answered_at = ? WHERE id = ? AND status = 'open'",
        (answer, int(sent), by, now, request_id),
    )
    return cur.rowcount == 1


def answered_count(conn: Tx, since: str | None = None, until: str | None = None) -> int:
    """How many requests staff answered (in [since, until) when given): for QS148's report."""
    row = conn.execute(
        "SELECT COUNT(*) FROM support_requests WHERE status = 'answered' "
        "AND answered_at >= COALESCE(?, '') AND answered_at < COALESCE(?, '~')",
        (since, until),
    ).fetchone()
    return int(row[0])


def checkins_answered(conn: Tx, since: str | None = None, until: str | None = None) -> int:
    """How many monthly check-ins champions answered (each champion counts once a month,
    however often they tapped): for QS148's report."""
    row = conn.execute(
        "SELECT COUNT(DISTINCT participant_id || ':' || substr(created_at, 1, 7)) FROM answers "
        "WHERE flow_id = ? AND key = ? "
        "AND created_at >= COALESCE(?, '') AND created_at < COALESCE(?, '~')",
        (CHECKIN_FLOW, CHECKIN_KEY, since, until),
    ).fetchone()
    return int(row[0])


def last_checkin(conn: Tx, participant_id: int) -> tuple[str, Any] | None:
    """(when, answer) of the champion's latest check-in answer, if any."""
    row = conn.execute(
        "SELECT created_at, value_json FROM answers WHERE participant_id = ? AND flow_id = ? "
        "AND key = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        (participant_id, CHECKIN_FLOW, CHECKIN_KEY),
    ).fetchone()
    return (str(row[0]), load(row[1])) if row else None


def _request(r: sqlite3.Row) -> Request:
    return Request(
        r["id"],
        r["champion_id"],
        r["participant_id"],
        load(r["request"]),
        r["status"],
        r["created_at"],
        r["alerted_at"],
        r["answer"],
        bool(r["answer_sent"]),
        r["answered_by"],
        r["answered_at"],
        r["written_in"],
    )
