"""What residents said, read back for staff: their own words (typed or spoken), the
"something else" of priority rounds, and evaluation ratings and comments.

Nothing here names a resident: staff see what was said, when, in which language and in
answer to which question. Counts are returned raw; whoever shows them suppresses small ones.

The language is the one the words were written in, saved with them (staff pick a translator by
it). Rows saved before migration 0014 have none and show the resident's language now.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.db import Tx

# The JSON of a voice note as saved ({"voice": file id, "duration": s}): a typed answer is a
# JSON string and starts with a quote, so it can never match.
VOICE_JSON = """value_json LIKE '{"voice":%'"""


@dataclass(frozen=True, slots=True)
class Said:
    """One answer in a resident's own words, or their voice note."""

    id: int  # the answer's id, which staff use to hear a voice note
    flow_id: str
    node_id: str
    created_at: str
    locale: str  # the language they answered in
    value: Any  # their text, or {"voice": file id, "duration": seconds}

    @property
    def voice(self) -> str | None:
        """The voice note's file id, if this is one."""
        if isinstance(self.value, dict) and isinstance(self.value.get("voice"), str):
            return str(self.value["voice"])
        return None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A "something else" answer from a priority round."""

    id: int  # the submission's id
    round_id: int
    submitted_at: str
    locale: str
    value: Any
    initiatives: tuple[int, ...]  # what staff linked it to
    voice_answer: int | None  # the answer id of their voice note, if it is one


@dataclass(frozen=True, slots=True)
class Comment:
    """A resident's comment in an evaluation: what worked, or what could be better."""

    evaluation_id: int
    period: str
    created_at: str
    locale: str
    question: str  # "worked" or "better"
    value: Any
    voice_answer: int | None  # the answer id of their voice note, if it is one


def own_words(
    conn: Tx, nodes: Sequence[tuple[str, str]], limit: int, before: int | None = None
) -> list[Said]:
    """Answers to these (flow, node) questions, newest first."""
    # One indexed read a question, merged here: asked for all of them at once, SQLite walks
    # every answer newest first looking for theirs (190 ms at a million answers).
    rows: list[Any] = []
    for flow_id, node_id in nodes:
        rows += conn.execute(
            # A question the resident skipped is saved as null: nothing they said.
            f"{_SAID} WHERE a.flow_id = ? AND a.node_id = ? AND a.id < ? "
            "AND a.value_json != 'null' ORDER BY a.id DESC LIMIT ?",
            (flow_id, node_id, before or 2**62, limit),
        ).fetchall()
    said = sorted((_said(r) for r in rows), key=lambda s: s.id, reverse=True)
    return said[:limit]


def voice_notes(conn: Tx, limit: int, before: int | None = None) -> list[Said]:
    """Voice notes residents sent, in any flow, newest first."""
    rows = conn.execute(
        f"{_SAID} WHERE a.{VOICE_JSON} AND a.id < ? ORDER BY a.id DESC LIMIT ?",
        (before or 2**62, limit),
    )
    return [_said(r) for r in rows]


def answer(conn: Tx, answer_id: int) -> Said | None:
    """One answer by id."""
    row = conn.execute(f"{_SAID} WHERE a.id = ?", (answer_id,)).fetchone()
    return _said(row) if row else None


def suggestions(conn: Tx, round_id: int | None, limit: int) -> list[Suggestion]:
    """ "Something else" answers, newest first, from one round or all."""
    where = "s.other IS NOT NULL"
    params: list[Any] = []
    if round_id is not None:
        where += " AND s.round_id = ?"
        params.append(round_id)
    rows = conn.execute(
        f"{_SUGGESTION} WHERE {where} ORDER BY s.updated_at DESC, s.id DESC LIMIT ?",
        [*params, limit],
    )
    return [_suggestion(conn, r) for r in rows]


def suggestion(conn: Tx, submission_id: int) -> Suggestion | None:
    """One "something else" answer by its submission id."""
    row = conn.execute(
        f"{_SUGGESTION} WHERE s.id = ? AND s.other IS NOT NULL",
        (submission_id,),
    ).fetchone()
    return _suggestion(conn, row) if row else None


def ratings(conn: Tx, initiative_id: int) -> list[tuple[int, str, int, int]]:
    """(measure id, period, rating, how many) for an initiative's evaluations."""
    rows = conn.execute(
        "SELECT r.measure_id, e.period, r.rating, COUNT(*) FROM evaluation_ratings r "
        "JOIN evaluations e ON e.id = r.evaluation_id WHERE e.initiative_id = ? "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        (initiative_id,),
    )
    return [(int(m), str(p), int(rating), int(n)) for m, p, rating, n in rows]


def evaluation_count(conn: Tx, initiative_id: int) -> int:
    """How many evaluations an initiative has had."""
    row = conn.execute(
        "SELECT COUNT(*) FROM evaluations WHERE initiative_id = ?", (initiative_id,)
    ).fetchone()
    return int(row[0])


def comments(conn: Tx, initiative_id: int, limit: int) -> list[Comment]:
    """Comments in an initiative's evaluations, newest first."""

    def one(column: str) -> str:
        return (
            f"SELECT e.id, e.period, e.created_at, {written('e')} AS locale, "
            f"'{column}' AS question, e.{column} AS value, "
            f"{_voice_answer('e.participant_id', 'e.' + column)} AS voice_answer "
            "FROM evaluations e JOIN participants p ON p.id = e.participant_id "
            f"WHERE e.initiative_id = ? AND e.{column} IS NOT NULL"
        )

    rows = conn.execute(
        f"SELECT * FROM ({one('worked')} UNION ALL {one('better')}) "
        "ORDER BY created_at DESC, id DESC, question DESC LIMIT ?",
        (initiative_id, initiative_id, limit),
    )
    return [
        Comment(
            int(r["id"]),
            str(r["period"]),
            str(r["created_at"]),
            str(r["locale"]),
            str(r["question"]),
            json.loads(r["value"]),
            r["voice_answer"],
        )
        for r in rows
    ]


def written(row: str) -> str:
    """SQL for the language a row's words were written in; rows from before it was kept
    fall back to the language of the resident (`p`) now. The exports show the same."""
    return f"COALESCE({row}.locale, p.locale, 'en')"


_SAID = (
    f"SELECT a.id, a.flow_id, a.node_id, a.created_at, {written('a')} AS locale, "
    "a.value_json FROM answers a JOIN participants p ON p.id = a.participant_id"
)


def _voice_answer(participant: str, value: str) -> str:
    """SQL for the id of the answer that saved a voice note stored again elsewhere (an
    evaluation comment, a "something else"), so staff can ask to hear it; NULL for text."""
    return (
        f"CASE WHEN {value} LIKE '{{\"voice\":%' THEN (SELECT a.id FROM answers a "
        f"WHERE a.participant_id = {participant} AND a.{VOICE_JSON} AND "
        f"json_extract(a.value_json, '$.voice') = json_extract({value}, '$.voice') "
        "ORDER BY a.id DESC LIMIT 1) END"
    )


_SUGGESTION = (
    f"SELECT s.id, s.round_id, s.updated_at, {written('s')} AS locale, s.other, "
    f"{_voice_answer('s.participant_id', 's.other')} AS voice_answer "
    "FROM priority_submissions s JOIN participants p ON p.id = s.participant_id"
)


def _said(r: sqlite3.Row) -> Said:
    return Said(
        int(r["id"]),
        str(r["flow_id"]),
        str(r["node_id"]),
        str(r["created_at"]),
        str(r["locale"]),
        json.loads(r["value_json"]),
    )


def _suggestion(conn: Tx, r: sqlite3.Row) -> Suggestion:
    linked = conn.execute(
        "SELECT initiative_id FROM initiative_suggestions WHERE submission_id = ? ORDER BY 1",
        (r["id"],),
    )
    return Suggestion(
        int(r["id"]),
        int(r["round_id"]),
        str(r["updated_at"]),
        str(r["locale"]),
        json.loads(r["other"]),
        tuple(int(x[0]) for x in linked),
        r["voice_answer"],
    )
