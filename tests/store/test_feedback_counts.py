"""The QS148 report's feedback figures count people given feedback, not messages: seven
people sent six updates are seven people, not 42."""

from __future__ import annotations

from bot.store import broadcasts, initiatives, participants, report
from bot.store.broadcasts import Audience
from bot.store.db import Database, Tx
from bot.store.report import Scope

NOW = "2026-11-25T10:00:00+00:00"


async def test_feedback_counts_each_person_told_once_however_many_updates(db: Database) -> None:
    def work(conn: Tx) -> int:
        initiative = initiatives.create(conn, {"en": "Crossing"}, NOW)
        people = [
            participants.find_or_create(conn, "telegram", str(n), str(n), NOW).id for n in range(3)
        ]
        for n in range(4):  # four updates, each delivered to the same three people
            new = broadcasts.create(
                conn,
                "initiative",
                Audience("participants", people),
                {"initiative_id": initiative},
                NOW,
                initiative_id=initiative,
                dedupe_key=f"u{n}",
            )
            conn.executemany(
                "INSERT INTO deliveries (broadcast_id, participant_id, state, updated_at) "
                "VALUES (?, ?, 'sent', ?)",
                [(new, p, NOW) for p in people],
            )
        return initiative

    initiative = await db.write(work)
    sent = await db.read(report.feedback_sent, Scope())
    assert sent == {(initiative, "initiative"): 3}
