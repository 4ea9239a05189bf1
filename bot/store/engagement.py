"""Reads and writes for the four engagement statements: rounds, initiatives, assets, champions.

Writers that belong to a resident's step take the open transaction's connection, so the
domain rows are committed together with the answers that produced them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.store.repository import Store

Texts = dict[str, str]
Writer = Callable[[aiosqlite.Connection], Awaitable[None]]

RANK_POINTS = {1: 3, 2: 2, 3: 1}  # first choice counts most; see round_results


def texts_json(texts: Texts) -> str:
    """Staff texts by locale, as stored."""
    return json.dumps(texts, ensure_ascii=False, sort_keys=True)


def pick_text(stored: str | None, locale: str, fallback: str = "en") -> str:
    """The text for `locale` from a stored JSON object, else the fallback language's."""
    if not stored:
        return ""
    texts = json.loads(stored)
    if not isinstance(texts, dict):
        return str(texts)
    found = texts.get(locale) or texts.get(fallback)
    if not found and "voice" in texts:
        return "🎤"  # a resident's spoken proposal: staff listen to it; others see a mic
    return str(found or next(iter(texts.values()), ""))


@dataclass(frozen=True, slots=True)
class Round:
    """A priority-setting question, open for a period."""

    id: int
    question: str  # JSON texts
    area: str | None
    opens_at: str
    closes_at: str
    status: str


@dataclass(frozen=True, slots=True)
class Topic:
    """A choice in a round. Builtin topics are translated through the catalogs."""

    id: int
    round_id: int
    key: str
    label: str  # JSON texts; for builtin topics {"en": msgid}
    builtin: bool
    position: int


@dataclass(frozen=True, slots=True)
class Initiative:
    """What staff do about a priority."""

    id: int
    title: str  # JSON texts
    description: str | None
    status: str
    round_id: int | None
    starts_on: str | None
    check_in_days: int
    created_at: str


@dataclass(frozen=True, slots=True)
class Measure:
    """An agreed (or proposed) way to judge an initiative."""

    id: int
    initiative_id: int
    text: str  # JSON texts
    status: str
    proposed_by: int | None
    votes: int = 0


@dataclass(frozen=True, slots=True)
class Asset:
    """A community strength a resident told us about."""

    id: int
    participant_id: int
    category: str
    what: Any
    latitude: float | None
    longitude: float | None
    place: str | None
    who_for: Any
    may_contact: bool
    status: str
    created_at: str


@dataclass(frozen=True, slots=True)
class ChampionRecord:
    """A resident in a peer or lay role."""

    id: int
    participant_id: int
    code: str
    status: str
    roles: list[str]
    languages: list[str]
    availability: str | None
    may_contact: bool


class Engagement:
    """Queries and staff writes over the engagement tables."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- rounds and topics -----------------------------------------------------------------

    async def open_round(
        self,
        question: Texts,
        closes_at: str,
        now: str,
        topics: Sequence[tuple[str, Texts, bool]],
        area: str | None = None,
    ) -> int:
        """Open a round with its topics (key, texts, builtin); returns its id."""
        async with self.store.transaction() as db:
            cur = await db.execute(
                "INSERT INTO rounds (question, area, opens_at, closes_at, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (texts_json(question), area, now, closes_at, now),
            )
            round_id = _id(cur)
            for position, (key, label, builtin) in enumerate(topics, start=1):
                await db.execute(
                    "INSERT INTO topics (round_id, key, label, builtin, position) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (round_id, key, texts_json(label), int(builtin), position),
                )
        return round_id

    async def add_topic(self, round_id: int, key: str, label: Texts) -> int:
        """Add a staff-written topic at the end of a round's list."""
        async with self.store.transaction() as db:
            async with db.execute(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM topics WHERE round_id = ?",
                (round_id,),
            ) as cur:
                row = await cur.fetchone()
            cur2 = await db.execute(
                "INSERT INTO topics (round_id, key, label, builtin, position) "
                "VALUES (?, ?, ?, 0, ?)",
                (round_id, key, texts_json(label), row[0] if row else 1),
            )
        return _id(cur2)

    async def close_round(self, round_id: int, now: str) -> bool:
        """Close an open round; False if it was not open."""
        async with self.store.transaction() as db:
            cur = await db.execute(
                "UPDATE rounds SET status = 'closed', closed_at = ? "
                "WHERE id = ? AND status = 'open'",
                (now, round_id),
            )
        return cur.rowcount == 1

    async def round(self, round_id: int) -> Round | None:
        """A round by id."""
        row = await self.store.fetch_one("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def rounds(self, status: str | None = None) -> list[Round]:
        """Rounds, newest first."""
        if status:
            rows = await self.store.fetch_all(
                "SELECT * FROM rounds WHERE status = ? ORDER BY id DESC", (status,)
            )
        else:
            rows = await self.store.fetch_all("SELECT * FROM rounds ORDER BY id DESC")
        return [_round(r) for r in rows]

    async def open_round_for(self, area: str | None, now: str) -> Round | None:
        """The newest open round for the resident's area (or for everyone)."""
        row = await self.store.fetch_one(
            "SELECT * FROM rounds WHERE status = 'open' AND opens_at <= ? AND closes_at > ? "
            "AND (area IS NULL OR lower(area) = lower(?)) ORDER BY id DESC LIMIT 1",
            (now, now, area or ""),
        )
        return _round(row) if row else None

    async def topics(self, round_id: int) -> list[Topic]:
        """A round's topics in their order."""
        rows = await self.store.fetch_all(
            "SELECT * FROM topics WHERE round_id = ? ORDER BY position", (round_id,)
        )
        return [_topic(r) for r in rows]

    async def topic(self, topic_id: int) -> Topic | None:
        """A topic by id."""
        row = await self.store.fetch_one("SELECT * FROM topics WHERE id = ?", (topic_id,))
        return _topic(row) if row else None

    async def submission(self, participant_id: int, round_id: int) -> list[int] | None:
        """The resident's ordered topic ids in a round, or None if they have not taken part."""
        row = await self.store.fetch_one(
            "SELECT id FROM priority_submissions WHERE participant_id = ? AND round_id = ?",
            (participant_id, round_id),
        )
        if row is None:
            return None
        rows = await self.store.fetch_all(
            "SELECT topic_id FROM priority_choices WHERE submission_id = ? ORDER BY rank",
            (row[0],),
        )
        return [int(r[0]) for r in rows]

    def priorities_writer(
        self, participant_id: int, round_id: int, topic_ids: Sequence[int], other: Any, now: str
    ) -> Writer:
        """Write (or replace) the resident's submission in a round, inside the step."""

        async def write(db: aiosqlite.Connection) -> None:
            await db.execute(
                "INSERT INTO priority_submissions (participant_id, round_id, other, submitted_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (participant_id, round_id) "
                "DO UPDATE SET other = excluded.other, updated_at = excluded.updated_at",
                (participant_id, round_id, _json(other), now, now),
            )
            async with db.execute(
                "SELECT id FROM priority_submissions WHERE participant_id = ? AND round_id = ?",
                (participant_id, round_id),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            await db.execute("DELETE FROM priority_choices WHERE submission_id = ?", (row[0],))
            await db.executemany(
                "INSERT INTO priority_choices (submission_id, participant_id, round_id, "
                "topic_id, rank) VALUES (?, ?, ?, ?, ?)",
                [
                    (row[0], participant_id, round_id, topic_id, rank)
                    for rank, topic_id in enumerate(topic_ids, start=1)
                ],
            )

        return write

    async def who_chose(self, round_id: int, topic_id: int) -> list[int]:
        """Participants who chose topic T in round R (uses priority_choices_topic)."""
        rows = await self.store.fetch_all(
            "SELECT participant_id FROM priority_choices WHERE round_id = ? AND topic_id = ? "
            "ORDER BY participant_id",
            (round_id, topic_id),
        )
        return [int(r[0]) for r in rows]

    async def round_results(self, round_id: int) -> list[tuple[Topic, int, int]]:
        """Topics ranked by points (first choice 3, second 2, third 1), with voter counts."""
        rows = await self.store.fetch_all(
            "SELECT t.*, COALESCE(SUM(CASE c.rank WHEN 1 THEN 3 WHEN 2 THEN 2 WHEN 3 THEN 1 "
            "ELSE 0 END), 0) AS points, COUNT(c.participant_id) AS voters "
            "FROM topics t LEFT JOIN priority_choices c ON c.topic_id = t.id "
            "WHERE t.round_id = ? GROUP BY t.id ORDER BY points DESC, voters DESC, t.position",
            (round_id,),
        )
        return [(_topic(r), int(r["points"]), int(r["voters"])) for r in rows]

    async def round_participants(self, round_id: int) -> int:
        """How many residents took part in a round."""
        row = await self.store.fetch_one(
            "SELECT COUNT(*) FROM priority_submissions WHERE round_id = ?", (round_id,)
        )
        return int(row[0]) if row else 0

    # -- initiatives and measures ----------------------------------------------------------

    async def create_initiative(
        self,
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
        async with self.store.transaction() as db:
            cur = await db.execute(
                "INSERT INTO initiatives (title, description, status, round_id, starts_on, "
                "check_in_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    texts_json(title),
                    texts_json(description) if description else None,
                    status,
                    round_id,
                    starts_on,
                    check_in_days,
                    now,
                    now,
                ),
            )
            initiative_id = _id(cur)
            await db.executemany(
                "INSERT INTO initiative_topics (initiative_id, topic_id) VALUES (?, ?)",
                [(initiative_id, t) for t in topic_ids],
            )
        return initiative_id

    async def update_initiative(
        self,
        initiative_id: int,
        now: str,
        *,
        status: str | None = None,
        note: Texts | None = None,
        then: Callable[[aiosqlite.Connection, int], Awaitable[None]] | None = None,
    ) -> int:
        """Change status and/or record what was done; returns the update's id.

        `then(db, update_id)` runs in the same transaction (to queue the news of it).
        """
        async with self.store.transaction() as db:
            if status is not None:
                await db.execute(
                    "UPDATE initiatives SET status = ?, updated_at = ? WHERE id = ?",
                    (status, now, initiative_id),
                )
            cur = await db.execute(
                "INSERT INTO initiative_updates (initiative_id, status, note, created_at) "
                "VALUES (?, ?, ?, ?)",
                (initiative_id, status, texts_json(note) if note else None, now),
            )
            if then is not None:
                await then(db, _id(cur))
        return _id(cur)

    async def initiative(self, initiative_id: int) -> Initiative | None:
        """An initiative by id."""
        row = await self.store.fetch_one("SELECT * FROM initiatives WHERE id = ?", (initiative_id,))
        return _initiative(row) if row else None

    async def initiatives(self, statuses: Iterable[str] | None = None) -> list[Initiative]:
        """Initiatives (optionally of some statuses), oldest first."""
        wanted = list(statuses or [])
        if wanted:
            marks = ", ".join("?" for _ in wanted)
            rows = await self.store.fetch_all(
                f"SELECT * FROM initiatives WHERE status IN ({marks}) ORDER BY id",
                wanted,
            )
        else:
            rows = await self.store.fetch_all("SELECT * FROM initiatives ORDER BY id")
        return [_initiative(r) for r in rows]

    async def initiative_topics(self, initiative_id: int) -> list[int]:
        """Topic ids an initiative answers."""
        rows = await self.store.fetch_all(
            "SELECT topic_id FROM initiative_topics WHERE initiative_id = ?", (initiative_id,)
        )
        return [int(r[0]) for r in rows]

    async def add_measure(
        self,
        initiative_id: int,
        text: Texts,
        now: str,
        *,
        status: str = "proposed",
        proposed_by: int | None = None,
    ) -> int:
        """Add a measure (staff: usually adopted straight away); returns its id."""
        async with self.store.transaction() as db:
            cur = await db.execute(
                "INSERT INTO measures (initiative_id, text, proposed_by, status, created_at, "
                "adopted_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    initiative_id,
                    texts_json(text),
                    proposed_by,
                    status,
                    now,
                    now if status == "adopted" else None,
                ),
            )
        return _id(cur)

    async def set_measure_status(self, measure_id: int, status: str, now: str) -> bool:
        """Adopt or reject a measure; False if there is no such measure."""
        async with self.store.transaction() as db:
            cur = await db.execute(
                "UPDATE measures SET status = ?, adopted_at = CASE WHEN ? = 'adopted' THEN ? "
                "ELSE NULL END WHERE id = ?",
                (status, status, now, measure_id),
            )
        return cur.rowcount == 1

    async def measures(self, initiative_id: int, status: str | None = None) -> list[Measure]:
        """An initiative's measures with their vote counts, most voted first."""
        sql = (
            "SELECT m.*, COUNT(v.participant_id) AS votes FROM measures m "
            "LEFT JOIN measure_votes v ON v.measure_id = m.id WHERE m.initiative_id = ?"
        )
        params: list[Any] = [initiative_id]
        if status:
            sql += " AND m.status = ?"
            params.append(status)
        rows = await self.store.fetch_all(sql + " GROUP BY m.id ORDER BY votes DESC, m.id", params)
        return [_measure(r) for r in rows]

    async def measure(self, measure_id: int) -> Measure | None:
        """A measure by id."""
        row = await self.store.fetch_one(
            "SELECT m.*, (SELECT COUNT(*) FROM measure_votes v WHERE v.measure_id = m.id) "
            "AS votes FROM measures m WHERE m.id = ?",
            (measure_id,),
        )
        return _measure(row) if row else None

    def measures_writer(
        self,
        participant_id: int,
        initiative_id: int,
        votes: Sequence[int],
        proposal: Texts | None,
        now: str,
    ) -> Writer:
        """Votes for measures and an optional new proposal, inside the step."""

        async def write(db: aiosqlite.Connection) -> None:
            await db.executemany(
                "INSERT INTO measure_votes (measure_id, participant_id, created_at) "
                "SELECT id, ?, ? FROM measures WHERE id = ? AND initiative_id = ? "
                "ON CONFLICT DO NOTHING",
                [(participant_id, now, m, initiative_id) for m in votes],
            )
            if proposal:
                await db.execute(
                    "INSERT INTO measures (initiative_id, text, proposed_by, status, created_at) "
                    "VALUES (?, ?, ?, 'proposed', ?)",
                    (initiative_id, texts_json(proposal), participant_id, now),
                )

        return write

    async def evaluated(self, participant_id: int, initiative_id: int, period: str) -> bool:
        """Has the resident evaluated this initiative in this check-in period?"""
        row = await self.store.fetch_one(
            "SELECT 1 FROM evaluations WHERE participant_id = ? AND initiative_id = ? "
            "AND period = ?",
            (participant_id, initiative_id, period),
        )
        return row is not None

    def evaluation_writer(
        self,
        participant_id: int,
        initiative_id: int,
        period: str,
        ratings: dict[int, int],
        worked: Any,
        better: Any,
        now: str,
    ) -> Writer:
        """An evaluation and its ratings against measures, inside the step."""

        async def write(db: aiosqlite.Connection) -> None:
            cur = await db.execute(
                "INSERT INTO evaluations (participant_id, initiative_id, period, worked, better, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (participant_id, initiative_id, period, _json(worked), _json(better), now),
            )
            evaluation_id = _id(cur)
            await db.executemany(
                "INSERT INTO evaluation_ratings (evaluation_id, participant_id, measure_id, "
                "rating) VALUES (?, ?, ?, ?)",
                [(evaluation_id, participant_id, m, r) for m, r in ratings.items()],
            )

        return write

    async def who_evaluated(self, initiative_id: int) -> list[int]:
        """Participants who evaluated initiative I (uses evaluations_initiative)."""
        rows = await self.store.fetch_all(
            "SELECT DISTINCT participant_id FROM evaluations WHERE initiative_id = ? "
            "ORDER BY participant_id",
            (initiative_id,),
        )
        return [int(r[0]) for r in rows]

    async def average_ratings(self, initiative_id: int) -> list[tuple[Measure, float, int]]:
        """Each adopted measure with its average rating and how many rated it."""
        rows = await self.store.fetch_all(
            "SELECT m.*, 0 AS votes, AVG(r.rating) AS average, COUNT(r.rating) AS raters "
            "FROM measures m LEFT JOIN evaluation_ratings r ON r.measure_id = m.id "
            "WHERE m.initiative_id = ? AND m.status = 'adopted' GROUP BY m.id ORDER BY m.id",
            (initiative_id,),
        )
        return [(_measure(r), float(r["average"] or 0), int(r["raters"])) for r in rows]

    # -- assets ----------------------------------------------------------------------------

    def asset_writer(
        self,
        participant_id: int,
        category: str,
        what: Any,
        where: Any,
        who_for: Any,
        may_contact: bool,
        now: str,
    ) -> Writer:
        """A nominated asset, keeping coordinates for a map, inside the step."""
        where = where if isinstance(where, dict) else {}

        async def write(db: aiosqlite.Connection) -> None:
            await db.execute(
                "INSERT INTO assets (participant_id, category, what, latitude, longitude, place, "
                "who_for, may_contact, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    participant_id,
                    category,
                    _json(what),
                    where.get("latitude"),
                    where.get("longitude"),
                    where.get("place"),
                    _json(who_for),
                    int(may_contact),
                    now,
                ),
            )

        return write

    async def set_asset_status(self, asset_id: int, status: str, now: str) -> bool:
        """Mark an asset verified or hidden (or new again)."""
        async with self.store.transaction() as db:
            cur = await db.execute(
                "UPDATE assets SET status = ?, reviewed_at = ? WHERE id = ?",
                (status, now, asset_id),
            )
        return cur.rowcount == 1

    async def assets(self, status: str | None = None) -> list[Asset]:
        """Assets, newest first."""
        if status:
            rows = await self.store.fetch_all(
                "SELECT * FROM assets WHERE status = ? ORDER BY id DESC", (status,)
            )
        else:
            rows = await self.store.fetch_all("SELECT * FROM assets ORDER BY id DESC")
        return [_asset(r) for r in rows]

    # -- champions -------------------------------------------------------------------------

    def champion_writer(
        self,
        participant_id: int,
        code: str,
        roles: Sequence[str],
        languages: Sequence[str],
        availability: str | None,
        skills: Any,
        may_contact: bool,
        now: str,
    ) -> Writer:
        """Sign up (or update) as a champion; the code stays the same once made."""

        async def write(db: aiosqlite.Connection) -> None:
            await db.execute(
                "INSERT INTO champions (participant_id, code, status, created_at, roles, "
                "languages, availability, skills, may_contact) "
                "VALUES (?, ?, 'interested', ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (participant_id) DO UPDATE SET roles = excluded.roles, "
                "languages = excluded.languages, availability = excluded.availability, "
                "skills = excluded.skills, may_contact = excluded.may_contact",
                (
                    participant_id,
                    code,
                    now,
                    json.dumps(list(roles)),
                    json.dumps(list(languages)),
                    availability,
                    _json(skills),
                    int(may_contact),
                ),
            )

        return write

    async def champion_of(self, participant_id: int) -> ChampionRecord | None:
        """The resident's champion record, if they signed up."""
        row = await self.store.fetch_one(
            "SELECT * FROM champions WHERE participant_id = ?", (participant_id,)
        )
        return _champion(row) if row else None

    async def champion(self, champion_id: int) -> ChampionRecord | None:
        """A champion by id."""
        row = await self.store.fetch_one("SELECT * FROM champions WHERE id = ?", (champion_id,))
        return _champion(row) if row else None

    async def champions(self, status: str | None = None) -> list[ChampionRecord]:
        """Champions, oldest first."""
        if status:
            rows = await self.store.fetch_all(
                "SELECT * FROM champions WHERE status = ? ORDER BY id", (status,)
            )
        else:
            rows = await self.store.fetch_all("SELECT * FROM champions ORDER BY id")
        return [_champion(r) for r in rows]

    async def set_champion_status(self, champion_id: int, status: str, now: str) -> bool:
        """Approve (active), pause or end a champion."""
        async with self.store.transaction() as db:
            cur = await db.execute(
                "UPDATE champions SET status = ?, approved_at = CASE WHEN ? = 'active' "
                "THEN COALESCE(approved_at, ?) ELSE approved_at END WHERE id = ?",
                (status, status, now, champion_id),
            )
        return cur.rowcount == 1


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _load(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _id(cur: aiosqlite.Cursor) -> int:
    assert cur.lastrowid is not None
    return cur.lastrowid


def _round(r: aiosqlite.Row) -> Round:
    return Round(r["id"], r["question"], r["area"], r["opens_at"], r["closes_at"], r["status"])


def _topic(r: aiosqlite.Row) -> Topic:
    return Topic(r["id"], r["round_id"], r["key"], r["label"], bool(r["builtin"]), r["position"])


def _initiative(r: aiosqlite.Row) -> Initiative:
    return Initiative(
        r["id"],
        r["title"],
        r["description"],
        r["status"],
        r["round_id"],
        r["starts_on"],
        r["check_in_days"],
        r["created_at"],
    )


def _measure(r: aiosqlite.Row) -> Measure:
    return Measure(
        r["id"], r["initiative_id"], r["text"], r["status"], r["proposed_by"], int(r["votes"])
    )


def _asset(r: aiosqlite.Row) -> Asset:
    return Asset(
        r["id"],
        r["participant_id"],
        r["category"],
        _load(r["what"]),
        r["latitude"],
        r["longitude"],
        r["place"],
        _load(r["who_for"]),
        bool(r["may_contact"]),
        r["status"],
        r["created_at"],
    )


def _champion(r: aiosqlite.Row) -> ChampionRecord:
    return ChampionRecord(
        r["id"],
        r["participant_id"],
        r["code"],
        r["status"],
        json.loads(r["roles"] or "[]"),
        json.loads(r["languages"] or "[]"),
        r["availability"],
        bool(r["may_contact"]),
    )
