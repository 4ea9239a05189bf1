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
# An answer to someone's own question (a support request) is not news: /stop does not hold
# it back, "Their answer will come here" having been promised.
ASKER = "asker"
ANSWERABLE = "p.consent_at IS NOT NULL AND p.unreachable_at IS NULL"
AUDIENCE_TYPES = (
    "everyone",
    "round",
    "topic",
    "initiative",
    "initiative_people",
    "champions",
    "area",
    "participants",
    ASKER,
)
# A round's results broadcast is made once: its dedupe_key is this and the round's id.
RESULTS_KEY = "results:"


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
    queued_upto: int = 0
    queued_all: bool = True
    summary: dict[str, int] | None = None  # the ledger's counts, once its rows were pruned


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
    members, params = members_condition(audience)
    reachable = ANSWERABLE if audience.type == ASKER else REACHABLE
    return f"SELECT p.id FROM participants p WHERE {reachable} AND {members}", params


def members_condition(audience: Audience) -> tuple[str, list[Any]]:
    """A condition on participants `p`: everyone the audience describes, whether or not
    they can be told."""
    kind, value = audience.type, audience.value
    if kind == "everyone":
        return "1", []
    if kind == "round":
        # Looked up one participant at a time (the submissions' unique index): as a list,
        # each chunk queued re-read and sorted the round's every participant (50 ms a chunk
        # of a 58,800-person round at 100,000 participants; 2 ms this way).
        return (
            "EXISTS (SELECT 1 FROM priority_submissions s "
            "WHERE s.participant_id = p.id AND s.round_id = ?)",
            [int(value)],
        )
    if kind == "topic":
        return (
            "p.id IN (SELECT participant_id FROM priority_choices WHERE topic_id = ?)",
            [int(value)],
        )
    if kind == "initiative":
        return (
            "p.id IN (SELECT participant_id FROM evaluations WHERE initiative_id = ?)",
            [int(value)],
        )
    if kind == "initiative_people":
        # Who "you said, we did" is for: everyone who chose one of its topics, evaluated it,
        # voted for or proposed one of its measures (they said how to judge it: its news is
        # how they see it judged), or whose "something else" staff linked to it.
        return (
            "p.id IN (SELECT c.participant_id FROM priority_choices c JOIN initiative_topics t "
            "ON t.topic_id = c.topic_id WHERE t.initiative_id = ? "
            "UNION SELECT participant_id FROM evaluations WHERE initiative_id = ? "
            "UNION SELECT v.participant_id FROM measure_votes v JOIN measures m "
            "ON m.id = v.measure_id WHERE m.initiative_id = ? "
            "UNION SELECT proposed_by FROM measures WHERE initiative_id = ? "
            "UNION SELECT s.participant_id FROM priority_submissions s JOIN "
            "initiative_suggestions l ON l.submission_id = s.id WHERE l.initiative_id = ?)",
            [int(value)] * 5,
        )
    if kind == "champions":
        return "p.id IN (SELECT participant_id FROM champions WHERE status = 'active')", []
    if kind == "area":
        return "area_key(p.area) = area_key(?)", [str(value)]
    if kind in ("participants", ASKER):
        return "p.id IN (SELECT value FROM json_each(?))", [json.dumps(value)]
    raise ValueError(f"unknown audience {kind!r}: use one of {', '.join(AUDIENCE_TYPES)}")


@dataclass(frozen=True, slots=True)
class Reach:
    """Who an audience describes and how many of them a message would reach."""

    locales: dict[str, int]  # who will be told, per language
    channels: dict[str, int]  # who will be told, per channel (telegram, console)
    no_consent: int  # never agreed to take part
    stopped: int  # sent /stop
    unreachable: int  # blocked the bot

    @property
    def told(self) -> int:
        """How many will be told."""
        return sum(self.locales.values())

    @property
    def members(self) -> int:
        """Everyone the audience describes."""
        return self.told + self.no_consent + self.stopped + self.unreachable


def reach(conn: Tx, audience: Audience) -> Reach:
    """How many of an audience a message would reach, and why the others would not."""
    members, params = members_condition(audience)
    rows = conn.execute(
        "SELECT COALESCE(p.locale, 'en'), p.channel, p.consent_at IS NULL, "
        "p.opted_out_at IS NOT NULL, p.unreachable_at IS NOT NULL, COUNT(*) "
        f"FROM participants p WHERE {members} GROUP BY 1, 2, 3, 4, 5",
        params,
    )
    locales: dict[str, int] = {}
    channels: dict[str, int] = {}
    no_consent = stopped = unreachable = 0
    for locale, channel, unconsented, opted_out, blocked, n in rows:
        if unconsented:
            no_consent += n
        elif opted_out:
            stopped += n
        elif blocked:
            unreachable += n
        else:
            locales[locale] = locales.get(locale, 0) + n
            channels[channel] = channels.get(channel, 0) + n
    ordered = dict(sorted(locales.items(), key=lambda kv: (-kv[1], kv[0])))
    return Reach(ordered, channels, no_consent, stopped, unreachable)


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
        # Numbered past every broadcast there has been (migration 0017), deleted drafts too.
        "INSERT INTO broadcasts (id, kind, audience, content, status, send_at, spread_hours, "
        "round_id, initiative_id, dedupe_key, created_by, created_at) "
        "VALUES ((SELECT highest_used + 1 FROM broadcast_numbers), "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
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


def awaiting_results(conn: Tx) -> list[int]:
    """Closed rounds whose results broadcast has not been made (queue_results makes it):
    the scheduler's sweep asks every minute, so it reads the rounds, not one write a round."""
    rows = conn.execute(
        "SELECT r.id FROM rounds r WHERE r.status = 'closed' AND NOT EXISTS "
        "(SELECT 1 FROM broadcasts b WHERE b.dedupe_key = ? || r.id) ORDER BY r.id",
        (RESULTS_KEY,),
    )
    return [int(r[0]) for r in rows]


def queue_results(conn: Tx, round_id: int, now: str, created_by: str) -> int | None:
    """A closed round's results, due now, to everyone who took part: made once per round
    (None if it already was). If nobody took part it is finished at once, sent to nobody:
    nobody can take part in a closed round, and staff were told "Nobody will be told" while
    their list of broadcasts said it was waiting to be sent, until a running bot found that."""
    new = create(
        conn,
        "results",
        Audience("round", round_id),
        {"round_id": round_id},
        now,
        status="scheduled",
        send_at=now,
        round_id=round_id,
        dedupe_key=f"{RESULTS_KEY}{round_id}",
        created_by=created_by,
    )
    if new is not None and not _took_part(conn, round_id):
        conn.execute(
            "UPDATE broadcasts SET status = 'done', started_at = ?, finished_at = ?, "
            "queued_all = 1 WHERE id = ?",
            (now, now, new),
        )
    return new


def _took_part(conn: Tx, round_id: int) -> bool:
    """Whether anyone is in the round's audience (told or not): from its own index, not
    a pass over every participant as the audience's condition would make."""
    found = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM priority_submissions WHERE round_id = ?)", (round_id,)
    )
    return bool(found.fetchone()[0])


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


# Recipients queued per transaction: a few milliseconds of the writer each, so queueing an
# audience of 100,000 never holds up a resident's tap for long.
QUEUE_CHUNK = 1000
# Participants looked at per transaction, at most: an audience few of them belong to takes
# several transactions of about 20 ms at 100,000 participants rather than one of 60 ms.
QUEUE_SCAN = 25_000


def start(conn: Tx, broadcast_id: int, now: str) -> int:
    """Mark the broadcast sending and queue its first recipients (all of them, for an
    audience up to QUEUE_CHUNK among the first QUEUE_SCAN participants; the sender queues
    the rest with `queue_more`).

    Returns how many were queued (0 if it was already started: starting is idempotent).
    """
    cur = conn.execute(
        "UPDATE broadcasts SET status = 'sending', started_at = COALESCE(started_at, ?), "
        "queued_upto = 0, queued_all = 0 WHERE id = ? AND status IN ('draft', 'scheduled')",
        (now, broadcast_id),
    )
    if cur.rowcount != 1:
        return 0
    return queue_more(conn, broadcast_id, now)


def queue_more(
    conn: Tx, broadcast_id: int, now: str, chunk: int = QUEUE_CHUNK, scan: int = QUEUE_SCAN
) -> int:
    """Queue the next recipients of the audience, in participant id order, up to `chunk` of
    them among the next `scan` participant ids; returns how many. `queued_all` on the
    broadcast says when the whole audience is queued (a call may queue none before that)."""
    broadcast = get(conn, broadcast_id)
    if broadcast is None or broadcast.queued_all:
        return 0
    sql, params = audience_query(broadcast.audience)
    upto = broadcast.queued_upto
    ids = [
        int(r[0])
        for r in conn.execute(
            f"SELECT id FROM ({sql}) WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
            (*params, upto, upto + scan, chunk),
        )
    ]
    if len(ids) == chunk:
        reached, finished = ids[-1], False
    else:
        reached = upto + scan
        last = conn.execute("SELECT MAX(id) FROM participants").fetchone()[0]
        finished = reached >= (last or 0)
    conn.executemany(
        "INSERT INTO deliveries (broadcast_id, participant_id, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(broadcast_id, pid, now) for pid in ids],
    )
    conn.execute(
        "UPDATE broadcasts SET queued_upto = ?, queued_all = ? WHERE id = ?",
        (reached, int(finished), broadcast_id),
    )
    return len(ids)


def claim(
    conn: Tx,
    broadcast_id: int,
    limit: int,
    now: str,
    channels: Iterable[str],
) -> list[Recipient]:
    """The next queued recipients on `channels`, marked `claimed`: taken by this sender, not
    yet tried (`attempting` marks them just before their request)."""
    marks, served = _placeholders(channels)
    rows = conn.execute(
        "SELECT d.participant_id, p.channel, p.chat_id, p.locale, p.unreachable_at IS NOT NULL "
        "OR (p.opted_out_at IS NOT NULL AND json_extract(b.audience, '$.type') != ?) AS stopped "
        "FROM deliveries d JOIN participants p ON p.id = d.participant_id "
        "JOIN broadcasts b ON b.id = d.broadcast_id "
        f"WHERE d.broadcast_id = ? AND d.state = 'queued' AND p.channel IN ({marks}) "
        "ORDER BY d.participant_id LIMIT ?",
        (ASKER, broadcast_id, *served, limit),
    ).fetchall()
    conn.executemany(
        "UPDATE deliveries SET state = 'claimed', updated_at = ? "
        "WHERE broadcast_id = ? AND participant_id = ?",
        [(now, broadcast_id, r[0]) for r in rows],
    )
    return [Recipient(int(r[0]), str(r[1]), str(r[2]), r[3], bool(r[4])) for r in rows]


def languages_to_send(conn: Tx, broadcast_id: int, channels: Iterable[str]) -> list[str]:
    """The languages of the recipients on `channels` still queued or claimed."""
    marks, served = _placeholders(channels)
    rows = conn.execute(
        "SELECT DISTINCT COALESCE(p.locale, 'en') FROM deliveries d "
        "JOIN participants p ON p.id = d.participant_id "
        f"WHERE d.broadcast_id = ? AND d.state IN ('queued', 'claimed') AND p.channel IN ({marks})",
        (broadcast_id, *served),
    )
    return sorted(str(r[0]) for r in rows)


def attempting(conn: Tx, broadcast_id: int, participant_ids: Sequence[int], now: str) -> None:
    """Mark claimed recipients `sending`: their request is about to go out, and after a crash
    they are in doubt (reported, never sent again)."""
    conn.executemany(
        "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ? "
        "WHERE broadcast_id = ? AND participant_id = ? AND state = 'claimed'",
        [(now, broadcast_id, pid) for pid in participant_ids],
    )


def settle(
    conn: Tx,
    broadcast_id: int,
    results: Sequence[tuple[int, str, str | None]],
    now: str,
) -> None:
    """Record how each delivery ended: (participant id, state, error)."""
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


def release(
    conn: Tx,
    broadcast_id: int,
    now: str,
    channels: Iterable[str],
    participant_ids: Sequence[int] | None = None,
) -> int:
    """Put claimed recipients that were never tried back in the queue (these, or every one
    on `channels`: a sender starting again after a crash or a stop)."""
    if participant_ids is not None:
        cur = conn.executemany(
            "UPDATE deliveries SET state = 'queued', updated_at = ? "
            "WHERE broadcast_id = ? AND participant_id = ? AND state = 'claimed'",
            [(now, broadcast_id, pid) for pid in participant_ids],
        )
        return cur.rowcount
    marks, served = _placeholders(channels)
    # The claimed rows first (a few), then each one's channel: as a list of the channels'
    # participants it read all 100,000 (40 ms) whenever a sender started.
    cur = conn.execute(
        "UPDATE deliveries SET state = 'queued', updated_at = ? WHERE broadcast_id = ? "
        "AND state = 'claimed' AND EXISTS (SELECT 1 FROM participants p "
        f"WHERE p.id = deliveries.participant_id AND p.channel IN ({marks}))",
        (now, broadcast_id, *served),
    )
    return cur.rowcount


def counts(conn: Tx, broadcast_id: int) -> dict[str, int]:
    """Deliveries by state (from the summary, once the ledger's rows were pruned)."""
    found = get(conn, broadcast_id)
    if found is not None and found.summary is not None:
        return dict(found.summary)
    rows = conn.execute(
        "SELECT state, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY state",
        (broadcast_id,),
    )
    return {str(r[0]): int(r[1]) for r in rows}


# Kinds the QS148 report counts by person, state, period and area (statement 2's feedback:
# news and a round's results; statement 4's check-ins): their rows outlive the ledger's
# retention, as counts alone cannot answer "how many people in this area, this year"; they
# go with the person, as all their data does. Other broadcasts keep only their counts.
REPORTED_KINDS = ("initiative", "results", "champion")


def prune(conn: Tx, finished_before: str, now: str, limit: int = QUEUE_CHUNK) -> int:
    """Summarise and delete the ledger of one broadcast finished before `finished_before`,
    up to `limit` rows a call (call again until it returns 0); the counts stay on the
    broadcast, for its progress; a kind the QS148 report counts keeps the rows of the people
    it was sent to (REPORTED_KINDS)."""
    row = conn.execute(
        "SELECT id, kind FROM broadcasts WHERE status IN ('done', 'cancelled') "
        "AND pruned_at IS NULL AND finished_at < ? ORDER BY id LIMIT 1",
        (finished_before,),
    ).fetchone()
    if row is None:
        return 0
    broadcast_id = int(row[0])
    # A reported kind loses only the rows of people it never got to (cancelled meanwhile).
    kept = " AND state IN ('queued', 'claimed')" if row[1] in REPORTED_KINDS else ""
    # On the first call the counts are taken while every row is still there; later calls
    # keep them (COALESCE).
    conn.execute(
        "UPDATE broadcasts SET sent_count = COALESCE(sent_count, ?), "
        "failed_count = COALESCE(failed_count, ?), "
        "unreachable_count = COALESCE(unreachable_count, ?) WHERE id = ?",
        (*_ledger_counts(conn, broadcast_id), broadcast_id),
    )
    deleted = conn.execute(
        "DELETE FROM deliveries WHERE broadcast_id = ? AND participant_id IN "
        f"(SELECT participant_id FROM deliveries WHERE broadcast_id = ?{kept} LIMIT ?)",
        (broadcast_id, broadcast_id, limit),
    ).rowcount
    if deleted < limit:
        conn.execute("UPDATE broadcasts SET pruned_at = ? WHERE id = ?", (now, broadcast_id))
    return max(deleted, 1)


def _ledger_counts(conn: Tx, broadcast_id: int) -> tuple[int, int, int]:
    rows = dict(
        conn.execute(
            "SELECT state, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        ).fetchall()
    )
    # "sending" rows left by a crash may have been delivered: counted as failed, as the
    # progress message reports them.
    return (
        int(rows.get("sent", 0)),
        int(rows.get("failed", 0)) + int(rows.get("sending", 0)),
        int(rows.get("unreachable", 0)),
    )


def waiting_channels(conn: Tx, broadcast_id: int) -> set[str]:
    """Channels of the recipients still waiting (queued, or claimed by another process)."""
    rows = conn.execute(
        "SELECT DISTINCT p.channel FROM deliveries d JOIN participants p ON p.id = "
        "d.participant_id WHERE d.broadcast_id = ? AND d.state IN ('queued', 'claimed')",
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


def _placeholders(channels: Iterable[str]) -> tuple[str, list[str]]:
    """SQL placeholders for `channels` in an IN (...) (none: matches nothing), and their
    values."""
    served = sorted(channels)
    return ", ".join("?" for _ in served) or "''", served


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
        queued_upto=int(r["queued_upto"]),
        queued_all=bool(r["queued_all"]),
        summary=None
        if r["pruned_at"] is None
        else {
            state: int(r[f"{state}_count"] or 0)
            for state in ("sent", "failed", "unreachable")
            if r[f"{state}_count"]
        },
    )
