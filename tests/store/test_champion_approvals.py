"""A retired champion who offers again waits for staff's yes as anyone new, and staff still
see when they were first approved: in their figures, the export and the migration that kept
it for those who had offered again already."""

from __future__ import annotations

import json
from pathlib import Path

from bot.staff import champions as staff_champions
from bot.staff.desk import StaffDesk
from bot.store import champions, exports, migrate, participants
from bot.store.champions import SignUp
from bot.store.db import Database, Tx, connect
from tests.conftest import CODE, STAFF

FIRST, AGAIN, RETIRED_AT, APPROVED_AGAIN = (
    "2025-03-01T10:00:00+00:00",
    "2026-09-01T10:00:00+00:00",
    "2026-06-01T10:00:00+00:00",
    "2026-09-15T10:00:00+00:00",
)
OFFER = SignUp(("connector",), ("pl",), ("weekends",), None, True)


def _approved(conn: Tx) -> int:
    """A resident offered to help and was approved at FIRST: their champion id."""
    person = participants.find_or_create(conn, "telegram", "7", "7", FIRST)
    champions.save_signup(conn, person.id, CODE, OFFER, FIRST)
    found = champions.of_participant(conn, person.id)
    assert found is not None
    champions.set_status(conn, found.id, "active", FIRST)
    return found.id


async def test_approved_again_keeps_the_first_approval(db: Database, desk: StaffDesk) -> None:
    def served_retired_and_offered_again(conn: Tx) -> int:
        champion_id = _approved(conn)
        champions.set_status(conn, champion_id, "ended", RETIRED_AT)
        found = champions.get(conn, champion_id)
        assert found is not None
        champions.save_signup(conn, found.participant_id, CODE, OFFER, AGAIN)
        return champion_id

    champion_id = await db.write(served_retired_and_offered_again)
    waiting = await db.read(champions.get, champion_id)
    assert waiting is not None
    # Waiting for staff's yes again, as anyone new; when they first served is kept.
    assert (waiting.status, waiting.approved_at) == ("interested", None)
    assert waiting.first_approved_at == FIRST
    await db.write(champions.set_status, champion_id, "active", APPROVED_AGAIN)
    found = await db.read(champions.get, champion_id)
    assert found is not None
    assert (found.approved_at, found.first_approved_at) == (APPROVED_AGAIN, FIRST)
    figures = await staff_champions.stats(desk, STAFF, champion_id)
    assert figures.splitlines()[0] == (
        "Champion 1 [active], approved 2026-09-15 (first approved 2025-03-01); roles connector"
    )

    def exported(conn: Tx) -> dict[str, object]:
        names = exports.columns(conn, "champions")
        return dict(zip(names, next(exports.rows(conn, "champions")), strict=True))

    row = await db.read(exported)
    assert (row["approved_at"], row["first_approved_at"]) == (APPROVED_AGAIN, FIRST)


async def test_first_approved_once_only_shows_one_date(db: Database, desk: StaffDesk) -> None:
    def approved(conn: Tx) -> int:
        champion_id = _approved(conn)
        champions.set_status(conn, champion_id, "paused", AGAIN)
        champions.set_status(conn, champion_id, "active", APPROVED_AGAIN)  # reactivated
        return champion_id

    champion_id = await db.write(approved)
    figures = await staff_champions.stats(desk, STAFF, champion_id)
    assert figures.splitlines()[0] == "Champion 1 [active], approved 2025-03-01; roles connector"


def test_the_migration_finds_the_first_approval_in_the_audit_log(tmp_path: Path) -> None:
    conn = connect(tmp_path / "old.sqlite3")
    try:
        migrate.upgrade(conn, [m for m in migrate.available() if m.version < 24])
        conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, created_at) "
            "VALUES ('telegram', '7', '7', ?), ('telegram', '8', '8', ?)",
            (FIRST, FIRST),
        )
        # 1 served, retired, offered again and was approved again (approved_at overwritten);
        # 2 was approved once.
        conn.execute(
            "INSERT INTO champions (participant_id, code, status, created_at, approved_at) "
            "VALUES (1, 'c-1', 'active', ?, ?), (2, 'c-2', 'active', ?, ?)",
            (FIRST, APPROVED_AGAIN, FIRST, AGAIN),
        )
        for at, object_id, after in (
            (FIRST, "1", {"status": "active"}),
            (RETIRED_AT, "1", {"status": "ended"}),
            (APPROVED_AGAIN, "1", {"status": "active"}),
        ):
            conn.execute(
                "INSERT INTO audit_log (at, actor, role, channel, action, object_type, "
                "object_id, after) VALUES (?, 'tg:1', 'admin', 'telegram', 'champion.status', "
                "'champion', ?, ?)",
                (at, object_id, json.dumps(after)),
            )
        migrate.upgrade(conn)
        rows = conn.execute("SELECT id, first_approved_at FROM champions ORDER BY id")
        assert [tuple(r) for r in rows] == [(1, FIRST), (2, AGAIN)]
    finally:
        conn.close()


def test_the_migration_ignores_the_audit_of_someone_who_had_the_id_before(
    tmp_path: Path,
) -> None:
    conn = connect(tmp_path / "old.sqlite3")
    try:
        migrate.upgrade(conn, [m for m in migrate.available() if m.version < 24])
        # Champion 1 was approved at FIRST and erased with /delete; the next to sign up got
        # id 1 again (no AUTOINCREMENT) and waits for staff's yes.
        conn.execute(
            "INSERT INTO audit_log (at, actor, role, channel, action, object_type, "
            "object_id, after) VALUES (?, 'tg:1', 'admin', 'telegram', 'champion.status', "
            "'champion', '1', ?)",
            (FIRST, json.dumps({"status": "active"})),
        )
        conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, created_at) "
            "VALUES ('telegram', '9', '9', ?)",
            (AGAIN,),
        )
        conn.execute(
            "INSERT INTO champions (id, participant_id, code, status, created_at) "
            "VALUES (1, 1, 'c-1', 'interested', ?)",
            (AGAIN,),
        )
        migrate.upgrade(conn)
        rows = conn.execute("SELECT id, first_approved_at FROM champions")
        assert [tuple(r) for r in rows] == [(1, None)]
    finally:
        conn.close()
