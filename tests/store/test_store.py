"""The store: migrations, transactions, write-through of a step, forgetting and exporting."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.store import champions, exports, initiatives, migrate, participants, sessions
from bot.store.db import Database, connect
from bot.store.initiatives import Votes
from bot.store.sessions import NewAnswer, SessionState

NOW = "2026-11-25T10:30:00+00:00"


def _version(conn: sqlite3.Connection) -> int:
    return migrate.current_version(conn)


async def test_empty_database_is_upgraded_to_head(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new" / "db.sqlite3")
    try:
        head = migrate.available()[-1].version
        assert await db.read(_version) == head
        tables = set(await db.read(participants.tables))
        assert {"participants", "sessions", "answers", "schema_version", "audit_log"} <= tables
    finally:
        await db.close()
    # Opening again applies nothing twice.
    again = await Database.open(tmp_path / "new" / "db.sqlite3")
    try:
        assert await again.read(_version) == head
    finally:
        await again.close()


def test_a_failing_migration_leaves_the_database_untouched(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.sqlite3")
    try:
        bad = migrate.Migration(1, "0001_bad.sql", "CREATE TABLE t (a INTEGER); SELECT 'open;")
        with pytest.raises(ValueError, match="not complete"):
            migrate.upgrade(conn, [bad])  # a string never closed: refused before running
        broken = migrate.Migration(1, "0001_bad.sql", "CREATE TABLE t (a INTEGER); SELECT x FROM;")
        with pytest.raises(sqlite3.OperationalError):
            migrate.upgrade(conn, [broken])
        assert migrate.current_version(conn) == 0
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None
    finally:
        conn.close()


def test_statements_split_where_sqlite_says_a_statement_ends(tmp_path: Path) -> None:
    script = """\
-- A comment; with a semicolon in it.
CREATE TABLE notes (text TEXT DEFAULT 'a;b');
INSERT INTO notes VALUES ('-- not a comment;'); INSERT INTO notes VALUES ('x');
CREATE TRIGGER notes_upper AFTER INSERT ON notes BEGIN
    UPDATE notes SET text = upper(text) WHERE text = 'x;';
    DELETE FROM notes WHERE text = ';';
    UPDATE notes SET text = 'seen -- by; the trigger' WHERE text = 'fire';
END;
INSERT INTO notes VALUES ('fire');
"""
    assert len(migrate.statements(script)) == 5
    conn = connect(tmp_path / "t.sqlite3")
    try:
        assert migrate.upgrade(conn, [migrate.Migration(1, "0001_t.sql", script)]) == 1
        rows = [r[0] for r in conn.execute("SELECT text FROM notes ORDER BY rowid")]
        # The trigger was created whole: it ran on the last insert, string and all.
        assert rows == ["-- not a comment;", "x", "seen -- by; the trigger"]
        triggers = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
        assert triggers.fetchone()[0] == 1
    finally:
        conn.close()


def _pragmas(conn: sqlite3.Connection) -> tuple[int, str]:
    return (
        conn.execute("PRAGMA foreign_keys").fetchone()[0],
        conn.execute("PRAGMA journal_mode").fetchone()[0],
    )


async def test_wal_and_foreign_keys_are_on(db: Database) -> None:
    assert await db.write(_pragmas) == (1, "wal")
    assert await db.read(_pragmas) == (1, "wal")


async def test_readers_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|attempt to write"):
        await db.read(participants.find_or_create, "console", "ann", "ann", NOW)


def _step(conn: sqlite3.Connection, status: str = "active") -> tuple[int, int]:
    p = participants.find_or_create(conn, "console", "ann", "ann", NOW)
    participants.update(conn, p.id, {"locale": "cy"})
    state = SessionState("onboarding", "h1", "area", '{"answers":{"consent":"yes"}}', status)
    sid = sessions.create(conn, p.id, state, NOW)
    sessions.append_answers(
        conn, p.id, sid, [NewAnswer("onboarding", "consent", "consent", "yes")], NOW
    )
    return p.id, sid


async def test_a_step_is_committed_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    pid, sid = await db.write(_step)
    await db.close()

    reopened = await Database.open(path)
    try:
        session = await reopened.read(sessions.active, pid)
        assert session is not None and session.id == sid and session.node_id == "area"
        answers = await reopened.read(sessions.answers_for, pid)
        assert [(a.key, a.value) for a in answers] == [("consent", "yes")]
        participant = await reopened.read(participants.get, pid)
        assert participant is not None and participant.locale == "cy"
    finally:
        await reopened.close()


async def test_a_failed_step_writes_nothing(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        # 'paused' breaks the sessions status CHECK after the participant row was written.
        await db.write(_step, "paused")
    assert await db.read(participants.find, "console", "ann") is None


async def test_starting_a_new_flow_closes_the_one_in_progress(db: Database) -> None:
    pid, first = await db.write(_step)
    second = await db.write(
        sessions.create, pid, SessionState("menu", "h2", "pick", "{}", "active"), NOW
    )
    active = await db.read(sessions.active, pid)
    assert active is not None and active.id == second != first


async def test_forgetting_removes_every_row_in_every_table(db: Database) -> None:
    pid, _ = await db.write(_step)
    other = await db.write(participants.find_or_create, "console", "ben", "ben", NOW)
    await db.write(participants.forget, pid)
    assert await db.read(participants.get, pid) is None
    export = await db.read(participants.export, pid)
    assert all(rows == [] for rows in export.values())
    assert await db.read(participants.get, other.id) is not None


async def test_export_covers_every_table_with_participant_rows(db: Database) -> None:
    pid, _ = await db.write(_step)
    export = await db.read(participants.export, pid)
    assert export["participants"][0]["locale"] == "cy"
    assert export["answers"][0]["key"] == "consent"
    assert export["sessions"][0]["flow_id"] == "onboarding"


async def test_unknown_participant_fields_are_refused(db: Database) -> None:
    pid, _ = await db.write(_step)
    with pytest.raises(ValueError, match="not a participant field"):
        await db.write(participants.update, pid, {"id": 3})


async def test_the_audit_log_is_append_only(db: Database) -> None:
    from bot.store import audit

    def write(conn: sqlite3.Connection) -> None:
        audit.record(conn, at=NOW, actor="t", role="admin", channel="test", action="x")

    await db.write(write)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.write(lambda conn: conn.execute("DELETE FROM audit_log"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.write(lambda conn: conn.execute("UPDATE audit_log SET actor = 'x'"))
    assert len(await db.read(audit.entries)) == 1


def test_a_migration_numbered_below_one_already_applied_still_runs(tmp_path: Path) -> None:
    """Numbers are handed out to branches in advance: a database that had 0008 before 0006
    existed gets 0006 when it arrives."""
    conn = connect(tmp_path / "order.sqlite3")
    try:
        eight = migrate.Migration(8, "0008_b.sql", "CREATE TABLE b (x INTEGER);")
        six = migrate.Migration(6, "0006_a.sql", "CREATE TABLE a (x INTEGER);")
        assert migrate.upgrade(conn, [eight]) == 8
        assert migrate.upgrade(conn, [six, eight]) == 8
        assert migrate.applied(conn) == {6, 8}
        assert conn.execute("SELECT COUNT(*) FROM a").fetchone()[0] == 0
    finally:
        conn.close()


def _votes_after(conn: sqlite3.Connection) -> list[list[int]]:
    """A resident's votes after each of: voting for three measures (one rejected since),
    skipping the question, voting again for one, and answering with none ticked."""
    p = participants.find_or_create(conn, "console", "ann", "ann", NOW).id
    project = initiatives.create(conn, {"en": "Walks"}, NOW)
    other = initiatives.create(conn, {"en": "Warm homes"}, NOW)
    m1, m2, m3 = (initiatives.add_measure(conn, project, {"en": t}, NOW) for t in "abc")
    elsewhere = initiatives.add_measure(conn, other, {"en": "d"}, NOW)
    initiatives.save_votes(conn, p, Votes(other, (elsewhere,), answered=True), NOW)
    seen = []
    for votes in (
        Votes(project, (m1, m2, m3), answered=True),
        Votes(project, (), answered=False),  # skipped: nothing said, nothing changed
        Votes(project, (m1,), answered=True),
        Votes(project, (), answered=True),  # Done with none ticked: none now
    ):
        initiatives.save_votes(conn, p, votes, NOW)
        if votes.measure_ids == (m1, m2, m3):
            conn.execute("UPDATE measures SET status = 'rejected' WHERE id = ?", (m3,))
        seen.append(sorted(initiatives.votes_of(conn, p, project)))
    assert initiatives.votes_of(conn, p, other) == {elsewhere}  # another project's: kept
    return [[v - m1 + 1 for v in s] for s in seen]


async def test_votes_answered_again_replace_the_earlier_ones(db: Database) -> None:
    # The rejected measure (3) was not offered again: its vote stays.
    assert await db.write(_votes_after) == [[1, 2, 3], [1, 2, 3], [1, 3], [3]]


def test_a_champion_s_one_time_from_before_is_read_as_a_list(tmp_path: Path) -> None:
    """ "When could you help?" took one answer before it took several (0020): a champion who
    signed up then is read, and exported, with that one answer as their list."""
    conn = connect(tmp_path / "old.sqlite3")
    try:
        migrate.upgrade(conn, [m for m in migrate.available() if m.version < 20])
        # A list already (written by code that met 0020 late) is left as it is.
        for user, availability in (("ann", "weekends"), ("bob", None), ("cy", '["evenings"]')):
            person = participants.find_or_create(conn, "console", user, user, NOW).id
            conn.execute(
                "INSERT INTO champions (participant_id, code, status, created_at, roles, "
                "languages, availability) VALUES (?, ?, 'interested', ?, '[]', '[]', ?)",
                (person, f"c-{user}", NOW, availability),
            )
        migrate.upgrade(conn)
        assert [c.availability for c in champions.all_champions(conn)] == [
            ("weekends",),
            (),
            ("evenings",),
        ]
        at = exports.columns(conn, "champions").index("availability")
        assert [row[at] for row in exports.rows(conn, "champions")] == [
            '["weekends"]',
            None,
            '["evenings"]',
        ]
    finally:
        conn.close()


def test_whole_postcodes_kept_before_are_cut_to_their_districts(tmp_path: Path) -> None:
    """Areas typed as a whole postcode before they were kept as districts (0021): on the
    participant, in the answers staff read and in a session's answers."""
    conn = connect(tmp_path / "old.sqlite3")
    try:
        migrate.upgrade(conn, [m for m in migrate.available() if m.version < 21])
        typed = ("cf10 1aa", "M11AE", "SW1A 2AA", "Riverside", "CF10", "Block A1 2nd floor")
        for n, area in enumerate(typed):
            person = participants.find_or_create(conn, "console", f"p{n}", f"p{n}", NOW).id
            conn.execute("UPDATE participants SET area = ? WHERE id = ?", (area, person))
            answers = json.dumps({"answers": {"area": area}})
            state = SessionState("onboarding", "h", "about-you", answers, "active")
            session = sessions.create(conn, person, state, NOW)
            conn.execute(
                "INSERT INTO answers (participant_id, session_id, flow_id, node_id, key, "
                "value_json, created_at) VALUES (?, ?, 'onboarding', 'area-typed', 'area', ?, ?)",
                (person, session, json.dumps(area), NOW),
            )
        migrate.upgrade(conn)
        kept = ["CF10", "M1", "SW1A", "Riverside", "CF10", "Block A1 2nd floor"]
        assert [r[0] for r in conn.execute("SELECT area FROM participants ORDER BY id")] == kept
        assert [
            json.loads(r[0]) for r in conn.execute("SELECT value_json FROM answers ORDER BY id")
        ] == kept
        assert [
            json.loads(r[0])["answers"]["area"]
            for r in conn.execute("SELECT state_json FROM sessions ORDER BY id")
        ] == kept
    finally:
        conn.close()
