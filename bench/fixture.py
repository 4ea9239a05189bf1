"""A database at scale for the benchmarks: 100,000 participants, 10,000 open sessions and
1,000,000 answers, with a round most of them took part in, initiatives with measures and
evaluations, assets, champions and referrals.

    .venv/bin/python -m bench.fixture PATH [--participants 100000]

Rows are written in bulk with plain sqlite3 (one transaction per table) after the bot's own
migrations made the schema, so the figures measure the bot's queries on the bot's schema.
Deterministic: the same arguments give the same database.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.staff.demo import DEFAULT_QUESTION, DEFAULT_TOPICS
from bot.store import migrate
from bot.store.db import connect

NOW = "2026-11-25T10:00:00+00:00"
JOINED = "2026-10-01T09:00:00+00:00"
CLOSES = "2026-12-31T23:59:59+00:00"
FIRST_CHAT = 10_000_000
LOCALES = ("en", "en", "en", "en", "cy", "pl", "ro", "pa", "ur", "pt", "es", "ar", "bn")
AREAS = tuple(f"Area {n}" for n in range(1, 21))
AGE_BANDS = ("under-18", "18-24", "25-34", "35-49", "50-64", "65-79", "80-plus", "not-say")
ANSWERS_EACH = 10  # 1,000,000 answers for 100,000 participants
ROUND_SHARE = 0.588  # 58,784 of 100,000 took part in the round, as measured in issue 11
OPEN_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class Fixture:
    """What was built."""

    path: Path
    participants: int
    round_id: int
    round_participants: int
    answers: int
    open_sessions: int
    seconds: float


def build(path: Path, participants: int = 100_000, seed: int = 1) -> Fixture:
    """Make the database at `path` (which must not exist yet)."""
    started = time.monotonic()
    if path.exists():
        raise FileExistsError(f"{path} exists: the fixture is built into a new file")
    _schema(path)
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    try:
        round_id, topic_ids = _round(conn)
        took_part = _participants(conn, participants, rng)
        submissions = _priorities(conn, round_id, topic_ids, took_part, rng)
        answers = _sessions_and_answers(conn, participants, topic_ids, rng)
        _initiatives(conn, topic_ids, participants, rng)
        _assets_and_champions(conn, participants, rng)
        # No ANALYZE: the bot never runs it, so its database has no statistics and SQLite
        # plans every query from the schema alone. With them, the benchmarks measured plans
        # the bot does not get: the dashboard's round page took 42-45 ms against 78-81 without
        # (bench/dashboard.py), and the reminder sweep's walk through every session did not
        # show.
    finally:
        conn.close()
    return Fixture(
        path,
        participants,
        round_id,
        submissions,
        answers,
        min(OPEN_SESSIONS, participants),
        time.monotonic() - started,
    )


def _schema(path: Path) -> None:
    conn = connect(path)  # the bot's own connection settings and migrations
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        migrate.upgrade(conn)
    finally:
        conn.close()


def _bulk(conn: sqlite3.Connection, sql: str, rows: object) -> None:
    conn.execute("BEGIN")
    conn.executemany(sql, rows)  # type: ignore[arg-type]
    conn.execute("COMMIT")


def _round(conn: sqlite3.Connection) -> tuple[int, list[int]]:
    conn.execute("BEGIN")
    cur = conn.execute(
        "INSERT INTO rounds (question, opens_at, closes_at, created_at) VALUES (?, ?, ?, ?)",
        (json.dumps({"en": DEFAULT_QUESTION}), JOINED, CLOSES, JOINED),
    )
    round_id = int(cur.lastrowid or 0)
    topic_ids = []
    for position, (key, label) in enumerate(DEFAULT_TOPICS, start=1):
        cur = conn.execute(
            "INSERT INTO topics (round_id, key, label, builtin, position) VALUES (?, ?, ?, 1, ?)",
            (round_id, key, json.dumps({"en": label}), position),
        )
        topic_ids.append(int(cur.lastrowid or 0))
    conn.execute("COMMIT")
    return round_id, topic_ids


def _participants(conn: sqlite3.Connection, count: int, rng: random.Random) -> list[int]:
    rows = []
    for n in range(1, count + 1):
        chat = str(FIRST_CHAT + n)
        consent = JOINED if rng.random() < 0.97 else None
        rows.append((n, chat, chat, rng.choice(LOCALES), rng.choice(AREAS), consent, JOINED))
    _bulk(
        conn,
        "INSERT INTO participants (id, channel, channel_user_id, chat_id, locale, area, "
        "consent_at, created_at) VALUES (?, 'telegram', ?, ?, ?, ?, ?, ?)",
        rows,
    )
    consenting = [row[0] for row in rows if row[5] is not None]
    return [pid for pid in consenting if rng.random() < ROUND_SHARE / 0.97]


def _priorities(
    conn: sqlite3.Connection,
    round_id: int,
    topic_ids: list[int],
    took_part: list[int],
    rng: random.Random,
) -> int:
    weights = [10 - i for i in range(len(topic_ids))]  # early topics are chosen more
    submissions, choices = [], []
    for number, pid in enumerate(took_part, start=1):
        picked: list[int] = []
        while len(picked) < rng.choice((1, 2, 3, 3)):
            topic = rng.choices(topic_ids, weights)[0]
            if topic not in picked:
                picked.append(topic)
        submissions.append((number, pid, round_id, NOW, NOW))
        choices += [(number, pid, round_id, t, rank) for rank, t in enumerate(picked, start=1)]
    _bulk(
        conn,
        "INSERT INTO priority_submissions (id, participant_id, round_id, submitted_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        submissions,
    )
    _bulk(
        conn,
        "INSERT INTO priority_choices (submission_id, participant_id, round_id, topic_id, rank) "
        "VALUES (?, ?, ?, ?, ?)",
        choices,
    )
    return len(submissions)


def _sessions_and_answers(
    conn: sqlite3.Connection, participants: int, topic_ids: list[int], rng: random.Random
) -> int:
    # One finished onboarding session each; the first OPEN_SESSIONS also have priorities open.
    sessions = [
        (n, n, "onboarding", "h", None, "{}", "finished", JOINED, JOINED)
        for n in range(1, participants + 1)
    ]
    sessions += [
        (
            participants + n,
            n,
            "priorities",
            "h",
            "topics",
            '{"answers":{},"pending":[]}',
            "active",
            NOW,
            NOW,
        )
        for n in range(1, min(OPEN_SESSIONS, participants) + 1)
    ]
    _bulk(
        conn,
        "INSERT INTO sessions (id, participant_id, flow_id, flow_hash, node_id, state_json, "
        "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        sessions,
    )

    def answers() -> object:
        for n in range(1, participants + 1):
            values = (
                ("consent", "yes"),
                ("area", "Area 1"),
                ("equality_opt_in", "yes"),
                ("age_band", rng.choice(AGE_BANDS)),
                ("gender", rng.choice(("woman", "man", "other", "not-say"))),
                ("disability", rng.choice(("yes", "no", "not-say"))),
                ("carer", rng.choice(("yes", "no", "not-say"))),
                ("ethnic_group", rng.choice(("asian", "black", "mixed", "white", "other"))),
                ("menu_choice", "priorities"),
                ("topics", [f"t{rng.choice(topic_ids)}"]),
            )
            for key, value in values[:ANSWERS_EACH]:
                yield (n, n, "onboarding", key, key, json.dumps(value), JOINED)

    _bulk(
        conn,
        "INSERT INTO answers (participant_id, session_id, flow_id, node_id, key, value_json, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        answers(),
    )
    return participants * ANSWERS_EACH


def _initiatives(
    conn: sqlite3.Connection, topic_ids: list[int], participants: int, rng: random.Random
) -> None:
    conn.execute("BEGIN")
    for number in range(1, 6):
        conn.execute(
            "INSERT INTO initiatives (id, title, status, starts_on, check_in_days, created_at, "
            "updated_at) VALUES (?, ?, 'active', '2026-10-15', 30, ?, ?)",
            (number, json.dumps({"en": f"Initiative {number}"}), JOINED, JOINED),
        )
        conn.execute(
            "INSERT INTO initiative_topics (initiative_id, topic_id) VALUES (?, ?)",
            (number, topic_ids[number - 1]),
        )
        for measure in range(1, 4):
            conn.execute(
                "INSERT INTO measures (id, initiative_id, text, status, created_at, adopted_at) "
                "VALUES (?, ?, ?, 'adopted', ?, ?)",
                (
                    number * 10 + measure,
                    number,
                    json.dumps({"en": f"Measure {measure}"}),
                    JOINED,
                    JOINED,
                ),
            )
    conn.execute("COMMIT")
    evaluations, ratings = [], []
    for number, pid in enumerate(rng.sample(range(1, participants + 1), participants // 20), 1):
        initiative = rng.randint(1, 5)
        evaluations.append((number, pid, initiative, "2026-10-15", json.dumps("Good"), NOW))
        ratings += [(number, pid, initiative * 10 + m, rng.randint(1, 5)) for m in range(1, 4)]
    _bulk(
        conn,
        "INSERT INTO evaluations (id, participant_id, initiative_id, period, worked, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        evaluations,
    )
    _bulk(
        conn,
        "INSERT INTO evaluation_ratings (evaluation_id, participant_id, measure_id, rating) "
        "VALUES (?, ?, ?, ?)",
        ratings,
    )


def _assets_and_champions(conn: sqlite3.Connection, participants: int, rng: random.Random) -> None:
    categories = ("skills", "knowledge", "networks", "relationships", "facilities")
    _bulk(
        conn,
        "INSERT INTO assets (participant_id, category, what, latitude, longitude, may_contact, "
        "status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                pid,
                rng.choice(categories),
                json.dumps(f"Asset {pid}"),
                51.48 + rng.random() / 10,
                -3.18 + rng.random() / 10,
                rng.random() < 0.5,
                rng.choice(("new", "verified")),
                NOW,
            )
            for pid in rng.sample(range(1, participants + 1), participants // 50)
        ],
    )
    champions = rng.sample(range(1, participants + 1), 50)
    _bulk(
        conn,
        "INSERT INTO champions (id, participant_id, code, status, created_at, approved_at) "
        "VALUES (?, ?, ?, 'active', ?, ?)",
        [(n, pid, f"c-bench{n:04d}", JOINED, JOINED) for n, pid in enumerate(champions, 1)],
    )
    referred = rng.sample(range(1, participants + 1), participants // 20)
    _bulk(
        conn,
        "INSERT INTO referrals (participant_id, champion_id, code, created_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(pid, (pid % 50) + 1, f"c-bench{(pid % 50) + 1:04d}", JOINED) for pid in referred],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--participants", type=int, default=100_000)
    args = parser.parse_args()
    made = build(args.path, args.participants)
    print(
        f"{made.path}: {made.participants:,} participants, {made.round_participants:,} in round "
        f"{made.round_id}, {made.answers:,} answers, {made.open_sessions:,} open sessions, "
        f"built in {made.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
