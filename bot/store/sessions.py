"""Sessions (a participant's place in a flow) and the append-only answer log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.db import Tx


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session row: its id binds callback data to it."""

    id: int
    participant_id: int
    flow_id: str
    flow_hash: str
    node_id: str | None
    state_json: str
    status: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class SessionState:
    """What a step leaves a session as."""

    flow_id: str
    flow_hash: str
    node_id: str | None
    state_json: str
    status: str


@dataclass(frozen=True, slots=True)
class NewAnswer:
    """An answer to append to the log."""

    flow_id: str
    node_id: str
    key: str
    value: Any


@dataclass(frozen=True, slots=True)
class Answer:
    """One saved reply from the append-only log."""

    id: int
    participant_id: int
    session_id: int | None
    flow_id: str
    node_id: str
    key: str
    value: Any
    created_at: str


def active(conn: Tx, participant_id: int) -> StoredSession | None:
    """The session the participant is in the middle of, if any."""
    row = conn.execute(
        "SELECT * FROM sessions WHERE participant_id = ? AND status = 'active'", (participant_id,)
    ).fetchone()
    return _session(row) if row else None


def create(conn: Tx, participant_id: int, state: SessionState, now: str) -> int:
    """A new session; whatever was in progress is cancelled (its answers are kept)."""
    conn.execute(
        "UPDATE sessions SET status = 'cancelled', updated_at = ? "
        "WHERE participant_id = ? AND status = 'active'",
        (now, participant_id),
    )
    cur = conn.execute(
        "INSERT INTO sessions (participant_id, flow_id, flow_hash, node_id, state_json, status, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            participant_id,
            state.flow_id,
            state.flow_hash,
            state.node_id,
            state.state_json,
            state.status,
            now,
            now,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def update(conn: Tx, session_id: int, state: SessionState, now: str) -> None:
    """Save where a session has got to."""
    if state.status == "active":
        # Most steps leave an active session active. Naming status in SET would rewrite the
        # entry of every index whose WHERE names it (the one active session a participant,
        # the reminder sweep's), unchanged: a page or two more in each step's commit, of
        # about a dozen (bench/README.md, "Pages a step writes").
        kept = conn.execute(
            "UPDATE sessions SET flow_hash = ?, node_id = ?, state_json = ?, updated_at = ? "
            "WHERE id = ? AND status = 'active'",
            (state.flow_hash, state.node_id, state.state_json, now, session_id),
        )
        if kept.rowcount:
            return
    conn.execute(
        "UPDATE sessions SET flow_hash = ?, node_id = ?, state_json = ?, status = ?, "
        "updated_at = ? WHERE id = ?",
        (state.flow_hash, state.node_id, state.state_json, state.status, now, session_id),
    )


def keep_final_answers(conn: Tx, session_id: int, taken_back: Sequence[str]) -> None:
    """Of a finished session's answers, leave out those the resident did not finish with: to
    the questions in `taken_back` (gone back past, not answered again), and every answer to
    a question but its last. Staff read them as if the resident had said them."""
    marks = ",".join("?" * len(taken_back))
    conn.execute(
        f"DELETE FROM answers WHERE session_id = ? AND (node_id IN ({marks}) OR id NOT IN "
        "(SELECT MAX(id) FROM answers WHERE session_id = ? GROUP BY node_id))",
        (session_id, *taken_back, session_id),
    )


def append_answers(
    conn: Tx,
    participant_id: int,
    session_id: int | None,
    answers: Sequence[NewAnswer],
    now: str,
    *,
    locale: str | None = None,
) -> None:
    """Append answers to the log, given in `locale` (None: not known)."""
    if not answers:
        return
    conn.executemany(
        "INSERT INTO answers (participant_id, session_id, flow_id, node_id, key, value_json, "
        "created_at, locale) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                participant_id,
                session_id,
                a.flow_id,
                a.node_id,
                a.key,
                json.dumps(a.value, ensure_ascii=False),
                now,
                locale,
            )
            for a in answers
        ],
    )


def answers_for(conn: Tx, participant_id: int, flow_id: str | None = None) -> list[Answer]:
    """The participant's answer log, oldest first."""
    sql = "SELECT * FROM answers WHERE participant_id = ?"
    params: list[Any] = [participant_id]
    if flow_id is not None:
        sql += " AND flow_id = ?"
        params.append(flow_id)
    return [_answer(r) for r in conn.execute(sql + " ORDER BY id", params)]


# The flow residents are left in between tasks (bot.host.steps.MENU): never "left
# unfinished", never reminded, and not in the reminder sweep's index (sessions_to_remind,
# whose WHERE names it as written here, in migration 0015).
MENU = "menu"


@dataclass(frozen=True, slots=True)
class Due:
    """An unfinished flow left untouched since the cutoff, and whether its resident can be
    sent news (consented, not opted out, reachable)."""

    session_id: int
    participant_id: int
    reachable: bool


def due_for_reminder(conn: Tx, cutoff: str, limit: int) -> list[Due]:
    """Unfinished flows (the menu aside) untouched since `cutoff` and not yet reminded, the
    longest begun first, `limit` at most.

    Searched through sessions_to_remind, by when each was begun (a session untouched since the
    cutoff was begun before it), in its order: ordered by id, SQLite walked every session
    there ever was instead, in the sweep's write transaction, every minute. Those of residents
    who cannot be sent news are found too, so that the sweep passes them over for good
    (mark_reminded) instead of finding them again every minute."""
    rows = conn.execute(
        "SELECT s.id, s.participant_id, p.consent_at IS NOT NULL AND p.opted_out_at IS NULL "
        "AND p.unreachable_at IS NULL FROM sessions s JOIN participants p "
        "ON p.id = s.participant_id WHERE s.status = 'active' AND s.reminded_at IS NULL "
        f"AND s.flow_id <> '{MENU}' AND s.created_at <= ? AND s.updated_at <= ? "
        "ORDER BY s.created_at, s.id LIMIT ?",
        (cutoff, cutoff, limit),
    ).fetchall()
    return [Due(int(r[0]), int(r[1]), bool(r[2])) for r in rows]


def mark_reminded(conn: Tx, session_ids: Sequence[int], now: str) -> None:
    """Record that the sweep is done with these sessions: reminded, or passed over (their
    resident could not be sent news then). Either way, never again."""
    conn.executemany(
        "UPDATE sessions SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
        [(now, s) for s in session_ids],
    )


def _session(row: sqlite3.Row) -> StoredSession:
    return StoredSession(
        id=row["id"],
        participant_id=row["participant_id"],
        flow_id=row["flow_id"],
        flow_hash=row["flow_hash"],
        node_id=row["node_id"],
        state_json=row["state_json"],
        status=row["status"],
        updated_at=row["updated_at"],
    )


def _answer(row: sqlite3.Row) -> Answer:
    return Answer(
        id=row["id"],
        participant_id=row["participant_id"],
        session_id=row["session_id"],
        flow_id=row["flow_id"],
        node_id=row["node_id"],
        key=row["key"],
        value=json.loads(row["value_json"]),
        created_at=row["created_at"],
    )
