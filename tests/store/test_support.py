"""What QS148's statement 4 report counts: check-ins answered (once per champion a month) and
support requests answered; and a champion's requests are theirs in /mydata and /delete."""

from __future__ import annotations

from bot.store import champions, participants, sessions, support
from bot.store.db import Database, Tx
from bot.store.sessions import NewAnswer


async def test_check_ins_and_answers_are_counted(db: Database) -> None:
    def setup(conn: Tx) -> int:
        person = participants.find_or_create(conn, "console", "nia", "nia", "2026-10-01")
        champion = champions.create(conn, person.id, "c-x", "2026-10-01", "active")
        for when, value in (
            ("2026-10-03T09:00:00+00:00", "ok"),
            ("2026-10-03T09:00:01+00:00", "ok"),  # a double tap: the same month's check-in
            ("2026-11-02T09:00:00+00:00", "help"),
        ):
            answer = NewAnswer(support.CHECKIN_FLOW, "champion-support", support.CHECKIN_KEY, value)
            sessions.append_answers(conn, person.id, None, [answer], when)
        first = support.create(conn, champion, person.id, "leaflets", "2026-11-02T09:01:00+00:00")
        support.create(conn, champion, person.id, {"voice": "v", "duration": 3}, "2026-11-03")
        assert support.close(conn, first, "On Monday", True, "tg:9000", "2026-11-04T10:00:00")
        assert not support.close(conn, first, "again", True, "tg:9000", "2026-11-05T10:00:00")
        return person.id

    person_id = await db.write(setup)
    assert await db.read(support.checkins_answered) == 2
    assert await db.read(support.checkins_answered, "2026-11-01", "2026-12-01") == 1
    assert await db.read(support.answered_count) == 1
    assert await db.read(support.answered_count, "2026-12-01") == 0
    assert await db.read(support.last_checkin, person_id) == ("2026-11-02T09:00:00+00:00", "help")

    exported = await db.read(participants.export, person_id)
    assert [r["request"] for r in exported["support_requests"]] == [
        '"leaflets"',
        '{"voice": "v", "duration": 3}',
    ]
    await db.write(participants.forget, person_id)
    assert await db.read(support.with_status, "open") == []
