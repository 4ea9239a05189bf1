"""A referral code cannot be told from a guess: a real code (even a retired champion's), an
unknown one and garbage take the same path and get the same replies; only the real one is
counted, and it is counted whatever the champion's status."""

from __future__ import annotations

import re

from bot.host.deeplinks import new_referral_code
from bot.host.host import Host
from bot.host.replies import Message, Question, Reply
from bot.host.steps import Who
from bot.staff.desk import StaffDesk
from bot.store import champions, participants
from bot.store.db import Database, Tx
from tests.conftest import STAFF

REAL = "c-RealCodeOf16ch"


def _shown(replies: list[Reply]) -> list[object]:
    return [
        (r.text, [b.label for b in r.buttons]) if isinstance(r, Question) else r
        for r in replies
        if isinstance(r, Message | Question)
    ]


async def _champion(db: Database, status: str) -> int:
    def make(conn: Tx) -> int:
        person = participants.find_or_create(conn, "console", "champ", "champ", "2026-11-01")
        return champions.create(conn, person.id, REAL, "2026-11-01", status)

    return await db.write(make)


async def test_real_unknown_and_garbage_codes_look_the_same(
    db: Database, host: Host, desk: StaffDesk
) -> None:
    champion_id = await _champion(db, "active")
    await desk.set_champion(STAFF, champion_id, "ended")  # retired: the code still counts
    writer = db._writer
    assert writer is not None
    statements: dict[str, list[str]] = {}
    replies = {}
    for user, payload in (
        ("real", REAL),
        ("unknown", new_referral_code()),
        ("garbage", "bad!code%20<script>" * 5),
    ):
        seen: list[str] = []
        writer.set_trace_callback(seen.append)
        outcome = await host.start(Who("console", user, user, "en"), payload)
        writer.set_trace_callback(None)
        replies[user] = _shown(outcome.replies)
        # The statements run, with the values they were given left out.
        statements[user] = [re.sub(r"'[^']*'|\b\d+\b", "?", s) for s in seen]
    assert replies["real"] == replies["unknown"] == replies["garbage"]
    assert statements["real"] == statements["unknown"] == statements["garbage"]
    assert any("INSERT INTO referrals" in s for s in statements["unknown"])

    def referred(conn: Tx) -> list[tuple[str, int]]:
        rows = conn.execute(
            "SELECT p.channel_user_id, r.champion_id FROM referrals r "
            "JOIN participants p ON p.id = r.participant_id"
        )
        return [(str(a), int(b)) for a, b in rows]

    assert await db.read(referred) == [("real", champion_id)]


async def test_codes_have_96_bits_and_a_champion_opening_their_own_link_is_not_counted(
    db: Database, host: Host
) -> None:
    code = new_referral_code()
    assert code.startswith("c-") and len(code) == 18  # 16 base64 characters: 96 bits
    await _champion(db, "active")
    await host.start(Who("console", "champ", "champ", "en"), REAL)

    def count(conn: Tx) -> int:
        return int(conn.execute("SELECT COUNT(*) FROM referrals").fetchone()[0])

    assert await db.read(count) == 0
