"""Residents' own ideas for measures wait for staff (migration 0022): kept as 'suggested', not
offered to vote for, and measures kept before the migration stay as they were, with their
votes and ratings."""

from __future__ import annotations

from pathlib import Path

from bot.store import initiatives, migrate
from bot.store.db import connect
from bot.store.initiatives import Votes

NOW = "2026-11-25T10:30:00+00:00"


def _resident(conn, n: int) -> int:  # type: ignore[no-untyped-def]
    cur = conn.execute(
        "INSERT INTO participants (channel, channel_user_id, chat_id, created_at) "
        "VALUES ('telegram', ?, ?, ?)",
        (str(n), str(n), NOW),
    )
    return int(cur.lastrowid)


def test_measures_from_before_keep_their_status_votes_and_ratings(tmp_path: Path) -> None:
    conn = connect(tmp_path / "old.sqlite3")
    try:
        migrate.upgrade(conn, [m for m in migrate.available() if m.version < 22])
        one, two = _resident(conn, 1), _resident(conn, 2)
        conn.execute(
            "INSERT INTO initiatives (title, created_at, updated_at) VALUES (?, ?, ?)",
            ('{"en": "W"}', NOW, NOW),
        )
        conn.executemany(
            "INSERT INTO measures (id, initiative_id, text, proposed_by, status, created_at, "
            "adopted_at) VALUES (?, 1, ?, ?, ?, ?, ?)",
            [
                (1, '{"en": "More walkers"}', None, "adopted", NOW, NOW),
                (2, '{"cy": "Mwy o bobl"}', one, "proposed", NOW, None),
                (3, '{"voice": "{}"}', two, "proposed", NOW, None),
            ],
        )
        conn.execute(
            "INSERT INTO measure_votes (measure_id, participant_id, created_at) "
            "VALUES (2, ?, ?), (1, ?, ?)",
            (two, NOW, one, NOW),
        )
        conn.execute(
            "INSERT INTO evaluations (id, participant_id, initiative_id, period, created_at) "
            "VALUES (1, ?, 1, '2026-11-01', ?)",
            (one, NOW),
        )
        conn.execute(
            "INSERT INTO evaluation_ratings (evaluation_id, participant_id, measure_id, rating) "
            "VALUES (1, ?, 1, 4)",
            (one,),
        )
        migrate.upgrade(conn)
        rows = conn.execute(
            "SELECT id, status, proposed_by, locale FROM measures ORDER BY id"
        ).fetchall()
        assert [tuple(r) for r in rows] == [
            (1, "adopted", None, None),
            (2, "proposed", one, "cy"),
            (3, "proposed", two, None),
        ]
        votes = conn.execute("SELECT measure_id, participant_id FROM measure_votes ORDER BY 1")
        assert [tuple(r) for r in votes] == [(1, one), (2, two)]
        ratings = conn.execute("SELECT measure_id, rating FROM evaluation_ratings")
        assert [tuple(r) for r in ratings] == [(1, 4)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # The cascade still works on the table made again.
        conn.execute("DELETE FROM measures WHERE id = 1")
        assert conn.execute("SELECT COUNT(*) FROM evaluation_ratings").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_residents_idea_waits_and_votes_count_only_for_measures_offered(
    tmp_path: Path,
) -> None:
    conn = connect(tmp_path / "new.sqlite3")
    try:
        migrate.upgrade(conn)
        one, two = _resident(conn, 1), _resident(conn, 2)
        initiative = initiatives.create(conn, {"en": "Walks"}, NOW)
        offered = initiatives.add_measure(conn, initiative, {"en": "More walkers"}, NOW)
        initiatives.save_votes(
            conn,
            one,
            Votes(initiative, (offered,), {"cy": "Fy nghymydog"}, answered=True, locale="cy"),
            NOW,
        )
        idea = next(m for m in initiatives.measures(conn, initiative) if m.id != offered)
        assert (idea.status, idea.text, idea.locale, idea.proposed_by) == (
            "suggested",
            {"cy": "Fy nghymydog"},
            "cy",
            one,
        )
        # A vote for an idea not shown (a forged or stale button) is not counted.
        initiatives.save_votes(conn, two, Votes(initiative, (offered, idea.id), answered=True), NOW)
        assert initiatives.votes_of(conn, two, initiative) == {offered}
    finally:
        conn.close()
