"""Initiatives (what staff do about priorities), their measures, votes and evaluations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.store.db import Tx
from bot.store.texts import Texts, dump, dump_texts, load_texts


@dataclass(frozen=True, slots=True)
class Initiative:
    """What staff do about a priority."""

    id: int
    title: Texts
    description: Texts
    status: str
    round_id: int | None
    starts_on: str | None
    check_in_days: int
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class Measure:
    """An agreed (or proposed) way to judge an initiative."""

    id: int
    initiative_id: int
    text: Texts  # a resident's spoken proposal: {"voice": <json of the voice note>}
    status: str  # suggested (a resident's idea staff have not yet accepted), proposed, ...
    proposed_by: int | None
    votes: int
    created_at: str
    locale: str | None = None  # the language a resident proposed it in; None: staff's

    @property
    def residents(self) -> bool:
        """A resident proposed it (their words, though they may have deleted their data)."""
        return self.proposed_by is not None or self.locale is not None


# What residents are offered to vote for: a resident's idea is not, until staff accept it.
OFFERED = ("proposed", "adopted")


@dataclass(frozen=True, slots=True)
class Votes:
    """A resident's votes for an initiative's measures, and a measure they proposed."""

    initiative_id: int
    measure_ids: tuple[int, ...]
    proposal: Texts | None = None
    locale: str | None = None  # the language the proposal was written (or spoken) in
    # The votes question was answered (not skipped): the votes replace the resident's
    # earlier ones for this initiative, as a round answered again replaces its answer.
    answered: bool = False


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A resident's ratings (measure id -> 1..5) of an initiative in one check-in period,
    with what worked and what could be better (text or a voice note)."""

    initiative_id: int
    period: str
    ratings: Mapping[int, int]
    worked: Any = None
    better: Any = None


def period_start(initiative: Initiative, today: date) -> str:
    """The first day of the check-in period `today` falls in (periods run from the start).
    Before the start day, it is the day the initiative was recorded: ratings given before it
    started are a period of their own (`before_start`), not counted as its first period's."""
    anchor = date.fromisoformat((initiative.starts_on or initiative.created_at)[:10])
    if today < anchor:
        return initiative.created_at[:10]
    days = max(initiative.check_in_days, 1)
    elapsed = (today - anchor).days // days
    return (anchor + timedelta(days=elapsed * days)).isoformat()


def before_start(initiative: Initiative, period: str) -> bool:
    """A period of ratings given before the initiative's start day."""
    return initiative.starts_on is not None and period < initiative.starts_on[:10]


def create(
    conn: Tx,
    title: Texts,
    now: str,
    *,
    description: Texts | None = None,
    topic_ids: Iterable[int] = (),
    starts_on: str | None = None,
    round_id: int | None = None,
    status: str = "planned",
    check_in_days: int = 30,
) -> int:
    """Record an initiative and the topics it answers; returns its id."""
    cur = conn.execute(
        "INSERT INTO initiatives (title, description, status, round_id, starts_on, "
        "check_in_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            dump_texts(title),
            dump_texts(description) if description else None,
            status,
            round_id,
            starts_on,
            check_in_days,
            now,
            now,
        ),
    )
    initiative_id = _id(cur)
    conn.executemany(
        "INSERT INTO initiative_topics (initiative_id, topic_id) VALUES (?, ?)",
        [(initiative_id, t) for t in topic_ids],
    )
    return initiative_id


def record_update(
    conn: Tx,
    initiative_id: int,
    now: str,
    *,
    status: str | None = None,
    note: Texts | None = None,
) -> int:
    """Change status and/or record what was done; returns the update's id."""
    if status is not None:
        conn.execute(
            "UPDATE initiatives SET status = ?, updated_at = ? WHERE id = ?",
            (status, now, initiative_id),
        )
    cur = conn.execute(
        "INSERT INTO initiative_updates (initiative_id, status, note, created_at) "
        "VALUES (?, ?, ?, ?)",
        (initiative_id, status, dump_texts(note) if note else None, now),
    )
    return _id(cur)


def last_note(conn: Tx, initiative_id: int) -> tuple[Texts, str] | None:
    """The note of an initiative's latest update that had one, and when it was recorded."""
    row = conn.execute(
        "SELECT note, created_at FROM initiative_updates WHERE initiative_id = ? "
        "AND note IS NOT NULL ORDER BY id DESC LIMIT 1",
        (initiative_id,),
    ).fetchone()
    return (load_texts(row[0]), str(row[1])) if row else None


def set_title(conn: Tx, initiative_id: int, title: Texts, now: str) -> None:
    """Change an initiative's title (its wording or translations)."""
    conn.execute(
        "UPDATE initiatives SET title = ?, updated_at = ? WHERE id = ?",
        (dump_texts(title), now, initiative_id),
    )


def set_description(conn: Tx, initiative_id: int, description: Texts, now: str) -> None:
    """Change an initiative's description (its wording or translations)."""
    conn.execute(
        "UPDATE initiatives SET description = ?, updated_at = ? WHERE id = ?",
        (dump_texts(description) if description else None, now, initiative_id),
    )


def set_measure_text(conn: Tx, measure_id: int, text: Texts) -> None:
    """Change a measure's words (its wording or translations)."""
    conn.execute("UPDATE measures SET text = ? WHERE id = ?", (dump_texts(text), measure_id))


def get(conn: Tx, initiative_id: int) -> Initiative | None:
    """An initiative by id."""
    row = conn.execute("SELECT * FROM initiatives WHERE id = ?", (initiative_id,)).fetchone()
    return _initiative(row) if row else None


def all_initiatives(conn: Tx, statuses: Iterable[str] | None = None) -> list[Initiative]:
    """Initiatives (optionally of some statuses), oldest first."""
    wanted = list(statuses or [])
    if wanted:
        marks = ", ".join("?" for _ in wanted)
        rows = conn.execute(
            f"SELECT * FROM initiatives WHERE status IN ({marks}) ORDER BY id", wanted
        )
    else:
        rows = conn.execute("SELECT * FROM initiatives ORDER BY id")
    return [_initiative(r) for r in rows]


def topic_ids(conn: Tx, initiative_id: int) -> list[int]:
    """Topic ids an initiative answers."""
    rows = conn.execute(
        "SELECT topic_id FROM initiative_topics WHERE initiative_id = ? ORDER BY topic_id",
        (initiative_id,),
    )
    return [int(r[0]) for r in rows]


def topics_under_way(conn: Tx, round_id: int) -> frozenset[int]:
    """The round's topics an active initiative answers: work on them has started. By the
    topic's key, so the same topic in a later round ('safe-streets', asked again) counts."""
    rows = conn.execute(
        "SELECT DISTINCT t.id FROM initiatives i "
        "JOIN initiative_topics it ON it.initiative_id = i.id "
        "JOIN topics answered ON answered.id = it.topic_id "
        "JOIN topics t ON t.round_id = ? AND t.key = answered.key WHERE i.status = 'active'",
        (round_id,),
    )
    return frozenset(int(r[0]) for r in rows)


def link_suggestion(conn: Tx, initiative_id: int, submission_id: int, now: str) -> bool:
    """Say that an initiative answers a resident's "something else"; False if it already
    did."""
    cur = conn.execute(
        "INSERT INTO initiative_suggestions (initiative_id, submission_id, linked_at) "
        "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (initiative_id, submission_id, now),
    )
    return cur.rowcount == 1


def unlink_suggestion(conn: Tx, initiative_id: int, submission_id: int) -> bool:
    """Undo `link_suggestion`; False if there was no such link."""
    cur = conn.execute(
        "DELETE FROM initiative_suggestions WHERE initiative_id = ? AND submission_id = ?",
        (initiative_id, submission_id),
    )
    return cur.rowcount == 1


def add_measure(
    conn: Tx,
    initiative_id: int,
    text: Texts,
    now: str,
    *,
    status: str = "proposed",
    proposed_by: int | None = None,
) -> int:
    """Add a measure (staff: usually adopted straight away); returns its id."""
    cur = conn.execute(
        "INSERT INTO measures (initiative_id, text, proposed_by, status, created_at, adopted_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            initiative_id,
            dump_texts(text),
            proposed_by,
            status,
            now,
            now if status == "adopted" else None,
        ),
    )
    return _id(cur)


def set_measure_status(conn: Tx, measure_id: int, status: str, now: str) -> bool:
    """Accept (for votes), adopt or reject a measure; False if there is no such measure."""
    cur = conn.execute(
        "UPDATE measures SET status = ?, adopted_at = CASE WHEN ? = 'adopted' THEN ? "
        "ELSE NULL END WHERE id = ?",
        (status, status, now, measure_id),
    )
    return cur.rowcount == 1


def measures(conn: Tx, initiative_id: int, status: str | None = None) -> list[Measure]:
    """An initiative's measures with their vote counts, most voted first."""
    sql = (
        "SELECT m.*, (SELECT COUNT(*) FROM measure_votes v WHERE v.measure_id = m.id) AS votes "
        "FROM measures m WHERE m.initiative_id = ?"
    )
    params: list[Any] = [initiative_id]
    if status:
        sql += " AND m.status = ?"
        params.append(status)
    rows = conn.execute(sql + " ORDER BY votes DESC, m.id", params)
    return [_measure(r) for r in rows]


def measure(conn: Tx, measure_id: int) -> Measure | None:
    """A measure by id."""
    row = conn.execute(
        "SELECT m.*, (SELECT COUNT(*) FROM measure_votes v WHERE v.measure_id = m.id) AS votes "
        "FROM measures m WHERE m.id = ?",
        (measure_id,),
    ).fetchone()
    return _measure(row) if row else None


def rating_count(conn: Tx, measure_id: int) -> int:
    """How many ratings residents gave a measure."""
    row = conn.execute(
        "SELECT COUNT(*) FROM evaluation_ratings WHERE measure_id = ?", (measure_id,)
    ).fetchone()
    return int(row[0])


def with_adopted_measures(conn: Tx) -> set[int]:
    """Initiatives with an evaluation plan (at least one adopted measure)."""
    rows = conn.execute("SELECT DISTINCT initiative_id FROM measures WHERE status = 'adopted'")
    return {int(r[0]) for r in rows}


def save_votes(conn: Tx, participant_id: int, votes: Votes, now: str) -> None:
    """Votes for measures (of this initiative only, and only those offered: OFFERED) and an
    optional new proposal, which waits for staff ('suggested'); answered, they replace the
    resident's earlier votes for the measures they were offered (rejected measures are not
    offered, and their votes stay as they were)."""
    offered = ", ".join(f"'{s}'" for s in OFFERED)
    if votes.answered:
        kept = ",".join("?" * len(votes.measure_ids))
        conn.execute(
            "DELETE FROM measure_votes WHERE participant_id = ? AND measure_id IN "
            f"(SELECT id FROM measures WHERE initiative_id = ? AND status IN ({offered}))"
            + (f" AND measure_id NOT IN ({kept})" if votes.measure_ids else ""),
            (participant_id, votes.initiative_id, *votes.measure_ids),
        )
    conn.executemany(
        "INSERT INTO measure_votes (measure_id, participant_id, created_at) "
        "SELECT id, ?, ? FROM measures WHERE id = ? AND initiative_id = ? "
        f"AND status IN ({offered}) ON CONFLICT DO NOTHING",
        [(participant_id, now, m, votes.initiative_id) for m in votes.measure_ids],
    )
    if votes.proposal:
        conn.execute(
            "INSERT INTO measures (initiative_id, text, proposed_by, status, created_at, locale) "
            "VALUES (?, ?, ?, 'suggested', ?, ?)",
            (votes.initiative_id, dump_texts(votes.proposal), participant_id, now, votes.locale),
        )


def votes_of(conn: Tx, participant_id: int, initiative_id: int) -> set[int]:
    """The measures of an initiative the resident voted for."""
    rows = conn.execute(
        "SELECT v.measure_id FROM measure_votes v JOIN measures m ON m.id = v.measure_id "
        "WHERE v.participant_id = ? AND m.initiative_id = ?",
        (participant_id, initiative_id),
    )
    return {int(r[0]) for r in rows}


def evaluated_in(conn: Tx, participant_id: int) -> set[tuple[int, str]]:
    """(initiative id, period) of every evaluation the resident has given."""
    rows = conn.execute(
        "SELECT initiative_id, period FROM evaluations WHERE participant_id = ?",
        (participant_id,),
    )
    return {(int(r[0]), str(r[1])) for r in rows}


def save_evaluation(
    conn: Tx, participant_id: int, evaluation: Evaluation, now: str, *, locale: str | None = None
) -> None:
    """An evaluation, made in `locale` (None: not known), and its ratings against measures."""
    cur = conn.execute(
        "INSERT INTO evaluations (participant_id, initiative_id, period, worked, better, "
        "created_at, locale) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            participant_id,
            evaluation.initiative_id,
            evaluation.period,
            dump(evaluation.worked),
            dump(evaluation.better),
            now,
            locale,
        ),
    )
    evaluation_id = _id(cur)
    conn.executemany(
        "INSERT INTO evaluation_ratings (evaluation_id, participant_id, measure_id, rating) "
        "VALUES (?, ?, ?, ?)",
        [(evaluation_id, participant_id, m, r) for m, r in evaluation.ratings.items()],
    )


def _id(cur: sqlite3.Cursor) -> int:
    assert cur.lastrowid is not None
    return cur.lastrowid


def _initiative(r: sqlite3.Row) -> Initiative:
    return Initiative(
        r["id"],
        load_texts(r["title"]),
        load_texts(r["description"]),
        r["status"],
        r["round_id"],
        r["starts_on"],
        r["check_in_days"],
        r["created_at"],
        r["updated_at"],
    )


def _measure(r: sqlite3.Row) -> Measure:
    return Measure(
        r["id"],
        r["initiative_id"],
        load_texts(r["text"]),
        r["status"],
        r["proposed_by"],
        int(r["votes"]),
        r["created_at"],
        r["locale"],
    )
