"""/delete (and expiry after the retention period) erase a resident wherever they are named,
and /mydata shows every place /delete touches."""

from __future__ import annotations

import json

from bot.host.host import Host
from bot.host.steps import Who
from bot.host.texts import DELETED_BUT_MEASURES
from bot.store import broadcasts, champions, initiatives, participants
from bot.store.broadcasts import Audience
from bot.store.db import Database, Tx

NOW = "2026-11-25T10:30:00+00:00"


def _people(conn: Tx) -> tuple[int, int, int]:
    """A champion (amina), someone who joined through her link (ben), and carol."""
    amina, ben, carol = (
        participants.find_or_create(conn, "console", name, name, NOW).id
        for name in ("amina", "ben", "carol")
    )
    champion = champions.create(conn, amina, "c-amina-secret", NOW, status="active")
    champions.record_referral(conn, ben, champion, "c-amina-secret", NOW)
    return amina, ben, carol


def _audiences(conn: Tx) -> list[dict[str, object]]:
    return [json.loads(r[0]) for r in conn.execute("SELECT audience FROM broadcasts ORDER BY id")]


async def test_a_reminder_list_keeps_the_others_and_loses_the_deleted(db: Database) -> None:
    amina, ben, carol = await db.write(_people)
    listed = Audience("participants", [amina, ben, carol])
    await db.write(broadcasts.create, "reminder", listed, {}, NOW, status="done")
    assert (await db.read(participants.export, amina))[
        "broadcasts (sent to a list that names you)"
    ][0]["kind"] == "reminder"
    await db.write(participants.forget, amina)
    assert await db.read(_audiences) == [{"type": "participants", "value": [ben, carol]}]


async def test_a_champions_code_leaves_the_referrals_of_people_they_brought(
    db: Database,
) -> None:
    amina, ben, _ = await db.write(_people)
    through = (await db.read(participants.export, amina))[
        "referrals (people who joined through your link)"
    ]
    assert through == [{"code": "c-amina-secret", "created_at": NOW}]
    await db.write(participants.forget, amina)

    def referral(conn: Tx) -> list[tuple[object, ...]]:
        return [tuple(r) for r in conn.execute("SELECT participant_id, code FROM referrals")]

    # Ben still counts as someone a champion brought in; nothing says who any more.
    assert await db.read(referral) == [(ben, "")]


async def test_an_adopted_measure_keeps_its_words_without_its_author(
    db: Database, host: Host
) -> None:
    who = Who("console", "amina", "amina", "en")
    await host.start(who)

    def propose(conn: Tx) -> tuple[int, int]:
        pid = participants.find(conn, "console", "amina")
        assert pid is not None
        plan = initiatives.create(conn, {"en": "Walking group"}, NOW)
        adopted = initiatives.add_measure(
            conn, plan, {"en": "People walk more"}, NOW, proposed_by=pid.id
        )
        initiatives.set_measure_status(conn, adopted, "adopted", NOW)
        initiatives.add_measure(conn, plan, {"en": "My other idea"}, NOW, proposed_by=pid.id)
        return pid.id, adopted

    pid, adopted = await db.write(propose)
    assert len((await db.read(participants.export, pid))["measures"]) == 2
    outcome = await host.forget(who)
    # The reply says what stays, as the notice must.
    assert [r.text for r in outcome.replies] == [DELETED_BUT_MEASURES]  # type: ignore[union-attr]

    def left(conn: Tx) -> list[tuple[object, ...]]:
        return [tuple(r) for r in conn.execute("SELECT id, text, proposed_by FROM measures")]

    assert await db.read(left) == [(adopted, '{"en": "People walk more"}', None)]


async def test_with_nothing_kept_the_reply_says_everything_went(host: Host) -> None:
    who = Who("console", "ben", "ben", "en")
    await host.start(who)
    outcome = await host.forget(who)
    assert [r.text for r in outcome.replies] == [  # type: ignore[union-attr]
        "Done. We have deleted everything we kept about you. "
        "If you send another message, we will start again as if we had never met."
    ]
