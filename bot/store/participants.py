"""Participants: residents known to the bot, one row per channel user."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.store.db import Tx

# Fields a step or a resident command may change.
CHANGEABLE = frozenset(
    {
        "locale",
        "area",
        "consent_at",
        "opted_out_at",
        "unreachable_at",
        "chat_id",
        "next_flow",
        "host_question",
        "host_question_at",
    }
)


@dataclass(frozen=True, slots=True)
class Participant:
    """A resident known to the bot on one channel."""

    id: int
    channel: str
    channel_user_id: str
    chat_id: str
    locale: str | None
    area: str | None
    consent_at: str | None
    created_at: str
    opted_out_at: str | None
    unreachable_at: str | None
    next_flow: str | None = None  # a flow a deep link asked for, opened after onboarding
    host_question: str | None = None  # a host question asked last and not yet answered
    host_question_at: str | None = None  # when it was asked

    @property
    def consented(self) -> bool:
        """True once the participant agreed to take part."""
        return self.consent_at is not None


def find(conn: Tx, channel: str, user_id: str) -> Participant | None:
    """The participant known on `channel` by that user id, if any."""
    row = conn.execute(
        "SELECT * FROM participants WHERE channel = ? AND channel_user_id = ?", (channel, user_id)
    ).fetchone()
    return _participant(row) if row else None


def get(conn: Tx, participant_id: int) -> Participant | None:
    """The participant with this id, if they still exist."""
    row = conn.execute("SELECT * FROM participants WHERE id = ?", (participant_id,)).fetchone()
    return _participant(row) if row else None


def find_or_create(conn: Tx, channel: str, user_id: str, chat_id: str, now: str) -> Participant:
    """The participant for this channel user, created on first contact."""
    found = find(conn, channel, user_id)
    if found is not None:
        return found
    row = conn.execute(
        "INSERT INTO participants (channel, channel_user_id, chat_id, created_at) "
        "VALUES (?, ?, ?, ?) RETURNING *",
        (channel, user_id, chat_id, now),
    ).fetchone()
    return _participant(row)


def update(conn: Tx, participant_id: int, changes: Mapping[str, Any]) -> None:
    """Change some fields (only those in CHANGEABLE)."""
    if not changes:
        return
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValueError(f"not a participant field: {', '.join(sorted(unknown))}")
    columns = sorted(changes)
    assignments = ", ".join(f"{c} = ?" for c in columns)
    conn.execute(
        f"UPDATE participants SET {assignments} WHERE id = ?",
        (*(changes[c] for c in columns), participant_id),
    )


def asked(conn: Tx, questions: Sequence[tuple[int, str]], now: str) -> None:
    """Host questions sent outside a step (a check-in), each (participant id, question):
    words they type in reply in the next few minutes answer it, as after a step."""
    conn.executemany(
        "UPDATE participants SET host_question = ?, host_question_at = ? WHERE id = ?",
        [(question, now, pid) for pid, question in questions],
    )


def changed(participant: Participant, changes: Mapping[str, Any]) -> Participant:
    """The participant as it is after `changes` (without reading it back)."""
    return replace(participant, **changes) if changes else participant


def forget(conn: Tx, participant_id: int) -> int:
    """Erase the participant: their row and, through ON DELETE CASCADE, every row about them,
    and wherever else they are named. Returns how many measures they proposed are kept (their
    words only, no longer linked to them), so that they can be told."""
    # A measure they proposed goes too, unless staff adopted it into an evaluation plan: then
    # other residents have rated it and it belongs to the plan, so its words stay and only
    # lose their link to them (ON DELETE SET NULL). A voice note is their own voice: it goes.
    conn.execute(
        "DELETE FROM measures WHERE proposed_by = ? AND (status != 'adopted' "
        "OR text LIKE '%\"voice\"%')",
        (participant_id,),
    )
    kept = int(
        conn.execute(
            "SELECT COUNT(*) FROM measures WHERE proposed_by = ?", (participant_id,)
        ).fetchone()[0]
    )
    # Others who joined through their champion's link stay counted, without their code.
    conn.execute(
        "UPDATE referrals SET code = '' WHERE champion_id IN "
        "(SELECT id FROM champions WHERE participant_id = ?)",
        (participant_id,),
    )
    # Broadcasts to a list of people (reminders, answers to support requests) keep the
    # others on the list.
    for broadcast_id in _listed_in(conn, participant_id):
        conn.execute(
            "UPDATE broadcasts SET audience = json_set(audience, '$.value', "
            "(SELECT json_group_array(value) FROM json_each(audience, '$.value') "
            "WHERE value != ?)) WHERE id = ?",
            (participant_id, broadcast_id),
        )
    conn.execute("DELETE FROM participants WHERE id = ?", (participant_id,))
    return kept


def _listed_in(conn: Tx, participant_id: int) -> list[int]:
    """Broadcasts whose stored audience names the participant."""
    rows = conn.execute(
        "SELECT b.id FROM broadcasts b WHERE json_extract(b.audience, '$.type') = 'participants' "
        "AND EXISTS (SELECT 1 FROM json_each(b.audience, '$.value') WHERE value = ?)",
        (participant_id,),
    )
    return [int(r[0]) for r in rows]


def inactive(conn: Tx, cutoff: str, after_id: int, limit: int) -> tuple[list[int], int]:
    """Participants (of the next `limit` by id after `after_id`) with no activity since
    `cutoff`: not created, no session touched and no answer given since. Returns their ids
    and the last id looked at (where the next call starts; 0 when all were looked at)."""
    ids = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM participants WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
    ]
    if not ids:
        return [], 0
    marks = ", ".join("?" for _ in ids)
    rows = conn.execute(
        f"SELECT p.id FROM participants p WHERE p.id IN ({marks}) AND p.created_at < ? "
        "AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.participant_id = p.id "
        "AND s.updated_at >= ?) AND NOT EXISTS (SELECT 1 FROM answers a "
        "WHERE a.participant_id = p.id AND a.created_at >= ?)",
        (*ids, cutoff, cutoff, cutoff),
    )
    return [int(r[0]) for r in rows], ids[-1] if len(ids) == limit else 0


def tables(conn: Tx) -> list[str]:
    """Every table name, for exports that must cover them all."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [str(r[0]) for r in rows]


# Columns of a resident's rows that hold JSON (their words, a voice note, lists, texts): a
# copy of their data shows these as the values they are, not as strings of JSON.
JSON_COLUMNS = frozenset(
    {
        "value_json",
        "state_json",
        "other",
        "worked",
        "better",
        "what",
        "who_for",
        "text",
        "roles",
        "languages",
        "availability",
        "skills",
        "request",
        "buttons",
    }
)
# What a resident's rows point to, and where its words are: (table, column of texts).
NAMED = {
    "round_id": ("rounds", "question"),
    "topic_id": ("topics", "label"),
    "initiative_id": ("initiatives", "title"),
    "measure_id": ("measures", "text"),
}


def texts_of(conn: Tx, column: str, ids: set[int]) -> dict[int, Any]:
    """The texts (JSON: locale -> words) that these ids of `column` (a key of NAMED) name."""
    table, text = NAMED[column]
    marks = ", ".join("?" for _ in ids)
    rows = conn.execute(f'SELECT id, "{text}" FROM "{table}" WHERE id IN ({marks})', list(ids))
    return {int(r[0]): json.loads(r[1]) for r in rows}


def export(conn: Tx, participant_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the participant, table by table (for /mydata): everything `forget`
    erases or changes."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table in tables(conn):
        columns = {str(r["name"]) for r in conn.execute(f'PRAGMA table_info("{table}")')}
        if table == "participants":
            sql = "SELECT * FROM participants WHERE id = ?"
        elif table == "measures":
            # Measures they proposed (the only rows that name them as proposed_by).
            sql = "SELECT * FROM measures WHERE proposed_by = ? ORDER BY id"
        elif "participant_id" in columns:
            sql = f'SELECT * FROM "{table}" WHERE participant_id = ? ORDER BY rowid'
        else:
            continue
        found[table] = [dict(row) for row in conn.execute(sql, (participant_id,))]
    # Where they are named outside their own rows: lists of people a broadcast went to, and
    # (for a champion) who joined through their link, without saying who those people are.
    ids = _listed_in(conn, participant_id)
    marks = ", ".join("?" for _ in ids) or "NULL"
    found["broadcasts (sent to a list that names you)"] = [
        dict(row)
        for row in conn.execute(
            f"SELECT id, kind, status, created_at FROM broadcasts WHERE id IN ({marks}) "
            "ORDER BY id",
            ids,
        )
    ]
    found["referrals (people who joined through your link)"] = [
        dict(row)
        for row in conn.execute(
            "SELECT r.code, r.created_at FROM referrals r JOIN champions c ON c.id = r.champion_id "
            "WHERE c.participant_id = ? ORDER BY r.created_at",
            (participant_id,),
        )
    ]
    return found


def _participant(row: sqlite3.Row) -> Participant:
    return Participant(
        id=row["id"],
        channel=row["channel"],
        channel_user_id=row["channel_user_id"],
        chat_id=row["chat_id"],
        locale=row["locale"],
        area=row["area"],
        consent_at=row["consent_at"],
        created_at=row["created_at"],
        opted_out_at=row["opted_out_at"],
        unreachable_at=row["unreachable_at"],
        next_flow=row["next_flow"],
        host_question=row["host_question"],
        host_question_at=row["host_question_at"],
    )
