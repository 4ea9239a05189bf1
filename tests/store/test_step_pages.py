"""The pages a resident's step writes to the log: each is written again at every commit, so an
index that moves without reason costs every step (bench/README.md, "Pages a step writes").

Read from the log itself: checkpoints are held off, the log is emptied before the step, and
each frame's page is named by SQLite's dbstat table (which b-tree it belongs to)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.pages import Clock, empty_log, pages_written
from bot.flows.events import Choose, Text
from bot.host import steps
from bot.host.host import Host
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from bot.host.replies import Question
from bot.host.steps import Who
from bot.i18n.catalogs import Catalogs
from bot.store import db as store
from bot.store import sessions
from bot.store.db import Database, Tx

WHO = Who("console", "ann", "ann", "en")


@pytest.fixture
async def stepping(
    tmp_path: Path,
    flows: FlowLibrary,
    catalogs: Catalogs,
    hooks: Registry,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Host, Path]:
    monkeypatch.setattr(store, "CHECKPOINT_EVERY", 3600.0)
    monkeypatch.setattr(store, "CHECKPOINT_AFTER_COMMITS", 1_000_000)
    return Host(
        await Database.open(tmp_path / "cv.sqlite3"),
        flows,
        catalogs,
        hooks,
        clock=Clock(),
        organisation="Riverside Health Team",
    ), tmp_path / "cv.sqlite3"


async def test_a_step_that_stays_in_its_flow_moves_no_index_of_sessions(
    stepping: tuple[Host, Path],
) -> None:
    host, path = stepping
    try:
        await host.begin(WHO)
        await host.handle(WHO, Choose("yes", "consent"))  # on to the area, typed
        await empty_log(host.db)

        out = await host.handle(WHO, Text("Riverside"))

        assert isinstance(out.replies[-1], Question)  # still in onboarding: the session active
        written, _ = pages_written(path)
        assert written["sessions"] == 1
        # No index of sessions moves: the one active session a participant, a participant's
        # sessions and the reminder sweep's are ordered by what a step does not change.
        assert {name for name in written if name.startswith("sessions")} == {"sessions"}
        assert written["answers"] == 1  # the area, saved
        # Each index of answers is a page more in every step that saves an answer (migration
        # 0016 took two away): a new one must be worth that.
        assert {name for name in written if name.startswith("answers")} == {
            "answers",
            "answers_created",
            "answers_node",
            "answers_participant_key",
            "answers_session",
        }
    finally:
        await host.db.close()


async def test_a_session_left_active_keeps_its_status_and_moves_on(db: Database) -> None:
    def step(conn: Tx) -> sessions.StoredSession | None:
        conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, created_at) "
            "VALUES ('console', 'ann', 'ann', '2026-11-25')"
        )
        state = sessions.SessionState("onboarding", "h1", "consent", "{}", "active")
        sid = sessions.create(conn, 1, state, "2026-11-25T10:00:00")
        moved = sessions.SessionState("onboarding", "h2", "area", '{"a": 1}', "active")
        sessions.update(conn, sid, moved, "2026-11-25T10:01:00")
        return sessions.active(conn, 1)

    session = await db.write(step)
    assert session is not None
    assert (session.flow_hash, session.node_id, session.state_json, session.status) == (
        "h2",
        "area",
        '{"a": 1}',
        "active",
    )
    assert session.updated_at == "2026-11-25T10:01:00"


@pytest.mark.parametrize(("was", "now"), [("active", "finished"), ("cancelled", "active")])
async def test_a_session_whose_status_changes_gets_the_new_one(
    db: Database, was: str, now: str
) -> None:
    def step(conn: Tx) -> tuple[str, str]:
        conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, created_at) "
            "VALUES ('console', 'ann', 'ann', '2026-11-25')"
        )
        state = sessions.SessionState("onboarding", "h1", "consent", "{}", was)
        sid = sessions.create(conn, 1, state, "2026-11-25T10:00:00")
        moved = sessions.SessionState("onboarding", "h1", "end", "{}", now)
        sessions.update(conn, sid, moved, "2026-11-25T10:01:00")
        row = conn.execute("SELECT status, node_id FROM sessions WHERE id = ?", (sid,)).fetchone()
        return str(row[0]), str(row[1])

    assert await db.write(step) == (now, "end")


async def test_the_reminder_sweep_searches_its_index_not_every_session(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "plans.sqlite3")  # every migration: our schema
    await db.close()
    with sqlite3.connect(tmp_path / "plans.sqlite3") as conn:
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        sessions.due_for_reminder(Tx(conn), "2026-11-24T10:00:00", 1000)
        conn.set_trace_callback(None)
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statements[0]}")]
    assert any("sessions_to_remind (created_at<?)" in line for line in plan), plan
    assert not any(line.startswith("SCAN") for line in plan), plan


async def test_the_reminder_sweeps_index_holds_only_flows_it_may_remind(db: Database) -> None:
    def people_in_flows(conn: Tx) -> list[sessions.Due]:
        for n, (flow, opted_out) in enumerate(
            [("menu", None), ("priorities", None), ("assets", "2026-11-25T10:00:00")], start=1
        ):
            conn.execute(
                "INSERT INTO participants (channel, channel_user_id, chat_id, created_at, "
                "consent_at, opted_out_at) VALUES ('console', ?, ?, '2026-11-25', "
                "'2026-11-25', ?)",
                (str(n), str(n), opted_out),
            )
            state = sessions.SessionState(flow, "h", "pick", "{}", "active")
            sessions.create(conn, n, state, "2026-11-25T10:00:00")
        return sessions.due_for_reminder(conn, "2026-11-27T10:00:00", 10)

    def entries(conn: Tx) -> int:
        found = conn.execute(
            "SELECT SUM(ncell) FROM dbstat WHERE name = 'sessions_to_remind' AND pagetype = 'leaf'"
        ).fetchone()[0]
        return int(found or 0)

    assert sessions.MENU == steps.MENU  # the flow the host leaves residents in
    due = await db.write(people_in_flows)
    # The menu, which every resident who has done their onboarding is left in, is not there.
    assert await db.read(entries) == 2
    assert due == [sessions.Due(2, 2, reachable=True), sessions.Due(3, 3, reachable=False)]
    await db.write(sessions.mark_reminded, [2, 3], "2026-11-27T10:00:00")
    assert await db.read(entries) == 0  # reminded or passed over: gone from it
