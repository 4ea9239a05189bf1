"""The store: migrations, write-through of a step, resume, forgetting and exporting."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import migrate
from bot.store.repository import NewAnswer, ParticipantChanges, SessionWrite, Store

NOW = "2026-11-25T10:30:00+00:00"


async def test_empty_database_is_upgraded_to_head(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "new" / "db.sqlite3")
    try:
        head = migrate.available()[-1].version
        assert await store.schema_version() == head
        assert {"participants", "sessions", "answers", "schema_version"} <= set(
            await store.tables()
        )
    finally:
        await store.close()
    # Opening again applies nothing twice.
    again = await Store.open(tmp_path / "new" / "db.sqlite3")
    try:
        assert await again.schema_version() == head
    finally:
        await again.close()


async def test_a_failing_migration_leaves_the_database_untouched(tmp_path: Path) -> None:
    import aiosqlite

    db = await aiosqlite.connect(str(tmp_path / "x.sqlite3"), isolation_level=None)
    try:
        bad = migrate.Migration(1, "0001_bad.sql", "CREATE TABLE t (a INTEGER); SELECT nonsense(;")
        with pytest.raises(sqlite3.OperationalError):
            await migrate.upgrade(db, [bad])
        assert await migrate.current_version(db) == 0
        async with db.execute("SELECT name FROM sqlite_master WHERE name = 't'") as cur:
            assert await cur.fetchone() is None
    finally:
        await db.close()


async def test_wal_and_foreign_keys_are_on(store: Store) -> None:
    async with store.transaction() as db:
        async with db.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1  # type: ignore[index]
        async with db.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"  # type: ignore[index]


async def _participant_with_step(store: Store) -> tuple[int, int]:
    p = await store.ensure_participant("console", "ann", "ann", NOW)
    changes = ParticipantChanges()
    changes.set("locale", "cy")
    sid = await store.commit_step(
        p.id,
        SessionWrite(None, "onboarding", "h1", "area", '{"answers":{"consent":"yes"}}', "active"),
        [NewAnswer("onboarding", "consent", "consent", "yes")],
        changes,
        NOW,
    )
    assert sid is not None
    return p.id, sid


async def test_a_step_is_committed_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await Store.open(path)
    pid, sid = await _participant_with_step(store)
    await store.close()

    reopened = await Store.open(path)
    try:
        session = await reopened.active_session(pid)
        assert session is not None and session.id == sid and session.node_id == "area"
        answers = await reopened.answers_for(pid)
        assert [(a.key, a.value) for a in answers] == [("consent", "yes")]
        participant = await reopened.participant(pid)
        assert participant is not None and participant.locale == "cy"
    finally:
        await reopened.close()


async def test_a_failed_step_writes_nothing(store: Store) -> None:
    p = await store.ensure_participant("console", "ann", "ann", NOW)
    changes = ParticipantChanges()
    changes.set("area", "Riverside")
    with pytest.raises(sqlite3.IntegrityError):
        await store.commit_step(
            p.id,
            # 'paused' breaks the status CHECK constraint after the answer row was inserted.
            SessionWrite(None, "onboarding", "h1", "area", "{}", "paused"),
            [NewAnswer("onboarding", "consent", "consent", "yes")],
            changes,
            NOW,
        )
    assert await store.answers_for(p.id) == []
    assert (await store.participant(p.id)).area is None  # type: ignore[union-attr]


async def test_starting_a_new_flow_closes_the_one_in_progress(store: Store) -> None:
    pid, first = await _participant_with_step(store)
    second = await store.commit_step(
        pid, SessionWrite(None, "menu", "h2", "pick", "{}", "active"), [], ParticipantChanges(), NOW
    )
    active = await store.active_session(pid)
    assert active is not None and active.id == second != first


async def test_forgetting_removes_every_row_in_every_table(store: Store) -> None:
    pid, _ = await _participant_with_step(store)
    other = await store.ensure_participant("console", "ben", "ben", NOW)
    await store.forget_participant(pid)
    assert await store.participant(pid) is None
    export = await store.export_participant(pid)
    assert all(rows == [] for rows in export.values())
    assert await store.participant(other.id) is not None


async def test_export_covers_every_table_with_participant_rows(store: Store) -> None:
    pid, _ = await _participant_with_step(store)
    export = await store.export_participant(pid)
    assert export["participants"][0]["locale"] == "cy"
    assert export["answers"][0]["key"] == "consent"
    assert export["sessions"][0]["flow_id"] == "onboarding"


def test_unknown_participant_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="not a participant field"):
        ParticipantChanges().set("id", 3)
