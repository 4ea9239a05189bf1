"""Rounds (priority-setting questions), their topics, and residents' priorities in them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.db import Tx
from bot.store.texts import Texts, dump, dump_texts, load_texts

# The ranking rule, in one sentence (said in README and in `admin results` too).
RANKING_RULE = (
    "Topics are ranked by how many people chose them; when two are level, the one more people "
    "put first comes first."
)


@dataclass(frozen=True, slots=True)
class Round:
    """A priority-setting question, open for a period."""

    id: int
    question: Texts
    area: str | None
    opens_at: str
    closes_at: str
    status: str
    created_at: str
    closed_at: str | None


@dataclass(frozen=True, slots=True)
class Topic:
    """A choice in a round. Built-in topics are translated through the catalogs."""

    id: int
    round_id: int
    key: str
    label: Texts  # for built-in topics {"en": msgid}
    builtin: bool
    position: int


@dataclass(frozen=True, slots=True)
class TopicResult:
    """A topic's place in a round: how many people chose it, and how many put it first."""

    topic: Topic
    people: int
    first: int


@dataclass(frozen=True, slots=True)
class Submission:
    """A resident's priorities in a round: topic ids, most important first, and anything
    else they said (text, or a voice note as {"voice": file id, "duration": s})."""

    round_id: int
    topic_ids: tuple[int, ...]
    other: Any = None


def create(
    conn: Tx,
    question: Texts,
    closes_at: str,
    now: str,
    topics: Sequence[tuple[str, Texts, bool]],
    area: str | None = None,
) -> int:
    """Open a round with its topics (key, texts, built-in); returns its id."""
    cur = conn.execute(
        "INSERT INTO rounds (question, area, opens_at, closes_at, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (dump_texts(question), area, now, closes_at, now),
    )
    round_id = _id(cur)
    conn.executemany(
        "INSERT INTO topics (round_id, key, label, builtin, position) VALUES (?, ?, ?, ?, ?)",
        [
            (round_id, key, dump_texts(label), int(builtin), position)
            for position, (key, label, builtin) in enumerate(topics, start=1)
        ],
    )
    return round_id


def add_topic(conn: Tx, round_id: int, key: str, label: Texts) -> int:
    """Add a staff-written topic at the end of a round's list."""
    row = conn.execute(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM topics WHERE round_id = ?", (round_id,)
    ).fetchone()
    cur = conn.execute(
        "INSERT INTO topics (round_id, key, label, builtin, position) VALUES (?, ?, ?, 0, ?)",
        (round_id, key, dump_texts(label), row[0]),
    )
    return _id(cur)


def close(conn: Tx, round_id: int, now: str) -> bool:
    """Close an open round; False if it was not open."""
    cur = conn.execute(
        "UPDATE rounds SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
        (now, round_id),
    )
    return cur.rowcount == 1


def get(conn: Tx, round_id: int) -> Round | None:
    """A round by id."""
    row = conn.execute("SELECT * FROM rounds WHERE id = ?", (round_id,)).fetchone()
    return _round(row) if row else None


def all_rounds(conn: Tx, status: str | None = None) -> list[Round]:
    """Rounds, newest first."""
    if status:
        rows = conn.execute("SELECT * FROM rounds WHERE status = ? ORDER BY id DESC", (status,))
    else:
        rows = conn.execute("SELECT * FROM rounds ORDER BY id DESC")
    return [_round(r) for r in rows]


def due_to_close(conn: Tx, now: str) -> list[int]:
    """Open rounds whose closing time has come."""
    rows = conn.execute(
        "SELECT id FROM rounds WHERE status = 'open' AND closes_at <= ? ORDER BY id", (now,)
    )
    return [int(r[0]) for r in rows]


def open_for(conn: Tx, area: str | None, now: str) -> Round | None:
    """The newest open round for the resident's area (or for everyone)."""
    row = conn.execute(
        "SELECT * FROM rounds WHERE status = 'open' AND opens_at <= ? AND closes_at > ? "
        "AND (area IS NULL OR lower(area) = lower(?)) ORDER BY id DESC LIMIT 1",
        (now, now, area or ""),
    ).fetchone()
    return _round(row) if row else None


def topics(conn: Tx, round_id: int) -> list[Topic]:
    """A round's topics in their order."""
    rows = conn.execute("SELECT * FROM topics WHERE round_id = ? ORDER BY position", (round_id,))
    return [_topic(r) for r in rows]


def topic(conn: Tx, topic_id: int) -> Topic | None:
    """A topic by id."""
    row = conn.execute("SELECT * FROM topics WHERE id = ?", (topic_id,)).fetchone()
    return _topic(row) if row else None


def submission(conn: Tx, participant_id: int, round_id: int) -> list[int] | None:
    """The resident's ordered topic ids in a round, or None if they have not taken part."""
    row = conn.execute(
        "SELECT id FROM priority_submissions WHERE participant_id = ? AND round_id = ?",
        (participant_id, round_id),
    ).fetchone()
    if row is None:
        return None
    return choices(conn, participant_id, round_id)


def save_submission(conn: Tx, participant_id: int, submission: Submission, now: str) -> None:
    """Write (or replace) the resident's submission in a round."""
    row = conn.execute(
        "INSERT INTO priority_submissions (participant_id, round_id, other, submitted_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (participant_id, round_id) "
        "DO UPDATE SET other = excluded.other, updated_at = excluded.updated_at RETURNING id",
        (participant_id, submission.round_id, dump(submission.other), now, now),
    ).fetchone()
    conn.execute("DELETE FROM priority_choices WHERE submission_id = ?", (row[0],))
    conn.executemany(
        "INSERT INTO priority_choices (submission_id, participant_id, round_id, topic_id, rank) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (row[0], participant_id, submission.round_id, topic_id, rank)
            for rank, topic_id in enumerate(submission.topic_ids, start=1)
        ],
    )


def results(conn: Tx, round_id: int) -> list[TopicResult]:
    """Topics ranked by RANKING_RULE (then in staff's order)."""
    rows = conn.execute(
        "SELECT t.*, COUNT(c.participant_id) AS people, "
        "COALESCE(SUM(c.rank = 1), 0) AS first "
        "FROM topics t LEFT JOIN priority_choices c ON c.topic_id = t.id AND c.round_id = ? "
        "WHERE t.round_id = ? GROUP BY t.id ORDER BY people DESC, first DESC, t.position",
        (round_id, round_id),
    )
    return [TopicResult(_topic(r), int(r["people"]), int(r["first"])) for r in rows]


def top_topic_ids(conn: Tx, per_round: int) -> set[int]:
    """The top `per_round` topics of every round (before anyone answers: the first ones)."""
    top: set[int] = set()
    for found in all_rounds(conn):
        top.update(r.topic.id for r in results(conn, found.id)[:per_round])
    return top


def participant_count(conn: Tx, round_id: int) -> int:
    """How many residents took part in a round."""
    row = conn.execute(
        "SELECT COUNT(*) FROM priority_submissions WHERE round_id = ?", (round_id,)
    ).fetchone()
    return int(row[0])


def choices(conn: Tx, participant_id: int, round_id: int) -> list[int]:
    """The topic ids a participant chose in a round, first choice first."""
    rows = conn.execute(
        "SELECT topic_id FROM priority_choices WHERE participant_id = ? AND round_id = ? "
        "ORDER BY rank",
        (participant_id, round_id),
    )
    return [int(r[0]) for r in rows]


def _id(cur: sqlite3.Cursor) -> int:
    assert cur.lastrowid is not None
    return cur.lastrowid


def _round(r: sqlite3.Row) -> Round:
    return Round(
        r["id"],
        load_texts(r["question"]),
        r["area"],
        r["opens_at"],
        r["closes_at"],
        r["status"],
        r["created_at"],
        r["closed_at"],
    )


def _topic(r: sqlite3.Row) -> Topic:
    return Topic(
        r["id"], r["round_id"], r["key"], load_texts(r["label"]), bool(r["builtin"]), r["position"]
    )
