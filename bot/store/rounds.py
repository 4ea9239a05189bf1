"""Rounds (priority-setting questions), their topics, and residents' priorities in them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.store import places
from bot.store.db import Tx
from bot.store.texts import Texts, dump, dump_texts, load_texts

# The ranking rule, in one sentence (said in README and in `admin results` too).
RANKING_RULE = (
    "Topics are ranked by how many people chose them; when two are level, the one more people "
    "put first comes first."
)
# The rule staff's results follow when they hide every first choice (see `firsts_hidden`),
# so that the order does not say which hidden first is bigger.
RANKING_RULE_HIDDEN = (
    "Topics are ranked by how many people chose them; when two are level, they are in the "
    "round's own order, since first choices are all hidden when showing them would give a "
    "small number away."
)
# Residents' results hide counts from 1 to 4 whatever SUPPRESS_BELOW says: their texts are
# translated with the 5 in them.
SMALLEST_SHOWN = 5


# A round with the areas it is for (a JSON list; empty: everyone), in the order staff gave.
_ROUNDS = (
    "SELECT r.*, (SELECT json_group_array(a.area) FROM (SELECT area FROM round_areas "
    "WHERE round_id = r.id ORDER BY rowid) a) AS areas FROM rounds r"
)


@dataclass(frozen=True, slots=True)
class Round:
    """A priority-setting question, open for a period, for everyone or for some areas."""

    id: int
    question: Texts
    areas: tuple[str, ...]
    opens_at: str
    closes_at: str
    status: str
    created_at: str
    closed_at: str | None

    @property
    def area(self) -> str | None:
        """The areas it is for, as one line (None: everyone)."""
        return ", ".join(self.areas) or None

    def shares_residents_with(self, other: Round) -> bool:
        """True when somebody could be asked both: one is for everyone, or an area is in both."""
        if not self.areas or not other.areas:
            return True
        return bool(
            {places.area_key(a) for a in self.areas} & {places.area_key(a) for a in other.areas}
        )


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
    areas: Sequence[str] = (),
) -> int:
    """Open a round with its topics (key, texts, built-in), for these areas (none: for
    everyone); returns its id."""
    cur = conn.execute(
        "INSERT INTO rounds (question, area, opens_at, closes_at, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (dump_texts(question), ", ".join(areas) or None, now, closes_at, now),
    )
    round_id = _id(cur)
    conn.executemany(
        "INSERT OR IGNORE INTO round_areas (round_id, area, area_key) VALUES (?, ?, ?)",
        [(round_id, area, places.area_key(area)) for area in areas],
    )
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


def set_question(conn: Tx, round_id: int, question: Texts) -> None:
    """Change a round's question (its wording or translations)."""
    conn.execute("UPDATE rounds SET question = ? WHERE id = ?", (dump_texts(question), round_id))


def set_topic_label(conn: Tx, topic_id: int, label: Texts, builtin: bool) -> None:
    """Change a topic's label; a built-in topic given new English words becomes staff text."""
    conn.execute(
        "UPDATE topics SET label = ?, builtin = ? WHERE id = ?",
        (dump_texts(label), int(builtin), topic_id),
    )


def close(conn: Tx, round_id: int, now: str) -> bool:
    """Close an open round; False if it was not open."""
    cur = conn.execute(
        "UPDATE rounds SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
        (now, round_id),
    )
    return cur.rowcount == 1


def get(conn: Tx, round_id: int) -> Round | None:
    """A round by id."""
    row = conn.execute(f"{_ROUNDS} WHERE r.id = ?", (round_id,)).fetchone()
    return _round(row) if row else None


def all_rounds(conn: Tx, status: str | None = None) -> list[Round]:
    """Rounds, newest first."""
    if status:
        rows = conn.execute(f"{_ROUNDS} WHERE r.status = ? ORDER BY r.id DESC", (status,))
    else:
        rows = conn.execute(f"{_ROUNDS} ORDER BY r.id DESC")
    return [_round(r) for r in rows]


def due_to_close(conn: Tx, now: str) -> list[int]:
    """Open rounds whose closing time has come."""
    rows = conn.execute(
        "SELECT id FROM rounds WHERE status = 'open' AND closes_at <= ? ORDER BY id", (now,)
    )
    return [int(r[0]) for r in rows]


def open_for(conn: Tx, area: str | None, now: str) -> list[Round]:
    """Every round open now to a resident of `area`: those for everyone and those for their
    area; the one closing first comes first."""
    rows = conn.execute(
        f"{_ROUNDS} WHERE r.status = 'open' AND r.opens_at <= ? AND r.closes_at > ? "
        "AND (NOT EXISTS (SELECT 1 FROM round_areas a WHERE a.round_id = r.id) "
        "OR EXISTS (SELECT 1 FROM round_areas a WHERE a.round_id = r.id AND a.area_key = ?)) "
        "ORDER BY r.closes_at, r.id",
        (now, now, places.area_key(area or "")),
    )
    return [_round(r) for r in rows]


def uses_area(conn: Tx, area: str, status: str = "open") -> list[int]:
    """Rounds (with this status) that are for an area."""
    rows = conn.execute(
        "SELECT r.id FROM rounds r JOIN round_areas a ON a.round_id = r.id "
        "WHERE a.area_key = ? AND r.status = ? ORDER BY r.id",
        (places.area_key(area), status),
    )
    return [int(r[0]) for r in rows]


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


def save_submission(
    conn: Tx, participant_id: int, submission: Submission, now: str, *, locale: str | None = None
) -> None:
    """Write (or replace) the resident's submission in a round, made in `locale` (None: not
    known)."""
    row = conn.execute(
        "INSERT INTO priority_submissions (participant_id, round_id, other, submitted_at, "
        "updated_at, locale) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (participant_id, round_id) "
        "DO UPDATE SET other = excluded.other, updated_at = excluded.updated_at, "
        "locale = excluded.locale RETURNING id",
        (participant_id, submission.round_id, dump(submission.other), now, now, locale),
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


def small_any(counts: Iterable[int], threshold: int) -> bool:
    """Whether any of `counts` is from 1 to `threshold - 1` (one that must be hidden)."""
    return threshold > 1 and any(0 < n < threshold for n in counts)


def firsts_hidden(topics: Iterable[Sequence[int]], threshold: int) -> bool:
    """Whether a round's first choices are all hidden, from each topic's (how many chose it,
    how many put it first): when some first is from 1 to `threshold - 1`, or so is what it
    leaves of those who chose the topic where that number is shown (they put it second or
    third: "12 chose it, 8 put it first" says 4 did; beside "<5 chose it" a first says
    nothing exact)."""
    return small_any(
        (n for chose, first in topics for n in (first, chose - first if chose >= threshold else 0)),
        threshold,
    )


def in_order(results: Sequence[TopicResult], threshold: int) -> list[TopicResult]:
    """`results` (ranked by RANKING_RULE) in the order they are shown, to staff and residents
    alike: where first choices are hidden, topics that are level keep the round's order, so
    that the order does not say which hidden first is bigger (residents see no firsts, but
    4 of 9 putting B first, level with A on 5, would follow from B listed second)."""
    if not firsts_hidden(((r.people, r.first) for r in results), threshold):
        return list(results)
    return sorted(results, key=lambda r: (-r.people, r.topic.position))


def top_topic_ids(conn: Tx, per_round: int) -> set[int]:
    """The top `per_round` topics of every round (before anyone answers: the first ones), in
    the order residents see them (which topic makes the top would otherwise say whose first
    choices were more, where those are hidden)."""
    top: set[int] = set()
    for found in all_rounds(conn):
        ranked = in_order(results(conn, found.id), SMALLEST_SHOWN)
        top.update(r.topic.id for r in ranked[:per_round])
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


def choices_of(conn: Tx, participant_ids: list[int], round_id: int) -> dict[int, list[int]]:
    """`choices` for many participants at once (those without any are left out)."""
    found: dict[int, list[int]] = {}
    for start in range(0, len(participant_ids), 500):
        chunk = participant_ids[start : start + 500]
        rows = conn.execute(
            "SELECT participant_id, topic_id FROM priority_choices "
            f"WHERE participant_id IN ({','.join('?' * len(chunk))}) AND round_id = ? "
            "ORDER BY participant_id, rank",
            (*chunk, round_id),
        )
        for pid, topic in rows:
            found.setdefault(int(pid), []).append(int(topic))
    return found


def _id(cur: sqlite3.Cursor) -> int:
    assert cur.lastrowid is not None
    return cur.lastrowid


def _round(r: sqlite3.Row) -> Round:
    return Round(
        r["id"],
        load_texts(r["question"]),
        tuple(json.loads(r["areas"])),
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
