"""The audit log: an entry for every staff action (or the action is undone), listable, with no
resident's personal data in it, and still whole after a resident's /delete."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.host.host import Host
from bot.host.steps import Who
from bot.staff import auditing, milestones
from bot.staff import broadcasts as drafts
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.desk import StaffDesk
from bot.staff.staffing import StaffRoster
from bot.store import participants, rounds
from bot.store.db import Database, Tx
from tests.conftest import STAFF
from tests.staff.test_report_measures import T0, insert

RESIDENT = Who("telegram", "7301234567", "7301234567", "en")
PRIVATE = ("Flat 3, 12 Elm Street", "my neighbour Mrs Jones", "7301234567", "Riverside Road")


def _resident_things(conn: Tx) -> None:
    p = conn.execute("SELECT id FROM participants").fetchone()[0]
    conn.execute("UPDATE participants SET area = ? WHERE id = ?", (PRIVATE[3], p))
    insert(
        conn,
        "assets",
        participant_id=p,
        category="relationships",
        what=f'"{PRIVATE[1]}"',
        place=PRIVATE[0],
        created_at=T0,
    )
    insert(conn, "champions", participant_id=p, code="c-abc", created_at=T0)
    insert(conn, "initiatives", title='{"en": "Walks"}', created_at=T0, updated_at=T0)
    insert(
        conn,
        "measures",
        initiative_id=1,
        text=f'{{"en": "{PRIVATE[1]} is happier"}}',
        proposed_by=p,
        created_at=T0,
    )


async def test_staff_actions_are_audited_without_personal_data_and_survive_delete(
    db: Database, desk: StaffDesk, host: Host, tmp_path: Path
) -> None:
    await host.start(RESIDENT)
    await db.write(_resident_things)
    await desk.set_asset(STAFF, 1, "verified")
    await desk.set_champion(STAFF, 1, "active")
    await desk.set_measure(STAFF, 1, "adopted")
    await desk.update_initiative(STAFF, 1, "active", {"en": "We started"})
    await milestones.add(desk, STAFF, 1, "2027-01-31", "Amina", "First walk")
    new = await drafts.draft(desk, STAFF, drafts.parse_request("everyone\nHi", "UTC", desk.now()))
    await drafts.discard(desk, STAFF, new)
    entries = (await auditing.listing(desk, STAFF)).splitlines()
    assert len(entries) == 7
    assert entries[-1].startswith(
        "2026-11-25 10:30:00 test:staff (admin, test) asset.status asset 1: "
        '{"status": "new"} -> {"status": "verified"}'
    )
    log = "\n".join(entries)
    for private in PRIVATE:
        assert private not in log

    await host.forget(RESIDENT)  # /delete, confirmed
    assert (await auditing.listing(desk, STAFF)).splitlines() == entries
    with sqlite3.connect(db.path) as conn, pytest.raises(sqlite3.DatabaseError, match="append"):
        conn.execute("DELETE FROM audit_log")


async def test_a_broadcast_is_audited_with_everyone_it_goes_to(
    db: Database, desk: StaffDesk
) -> None:
    """It said how many the first transaction queued: 1,000 (a chunk) for any audience larger."""

    def people(conn: Tx) -> None:
        conn.executemany(
            "INSERT INTO participants (channel, channel_user_id, chat_id, consent_at, created_at)"
            " VALUES ('telegram', ?, ?, ?, ?)",
            [(str(n), str(n), T0, T0) for n in range(1, 1206)],
        )

    await db.write(people)
    new = await drafts.draft(desk, STAFF, drafts.parse_request("everyone\nHi", "UTC", desk.now()))
    assert await drafts.confirm(desk, STAFF, new, threshold=5) == "sending"
    [sent] = [
        e for e in (await auditing.listing(desk, STAFF)).splitlines() if "broadcast.send" in e
    ]
    assert sent.endswith('{"recipients": "1205"}'), sent


async def test_a_broadcast_to_a_few_is_audited_as_its_preview_said_it(
    db: Database, desk: StaffDesk
) -> None:
    def people(conn: Tx) -> None:
        conn.executemany(
            "INSERT INTO participants (channel, channel_user_id, chat_id, consent_at, created_at)"
            " VALUES ('telegram', ?, ?, ?, ?)",
            [(str(n), str(n), T0, T0) for n in range(1, 4)],
        )

    await db.write(people)
    new = await drafts.draft(desk, STAFF, drafts.parse_request("everyone\nHi", "UTC", desk.now()))
    assert (await drafts.preview(desk, new, "UTC", threshold=5)).startswith(
        "<5 people will be told"
    )
    assert await drafts.confirm(desk, STAFF, new, threshold=5) == "sending"
    [sent] = [
        e for e in (await auditing.listing(desk, STAFF)).splitlines() if "broadcast.send" in e
    ]
    assert sent.endswith('{"recipients": "<5"}'), sent


async def test_an_action_that_writes_no_audit_entry_is_undone(
    db: Database, desk: StaffDesk
) -> None:
    def sneaky(conn: Tx, log: Audit) -> None:
        insert(conn, "initiatives", title='{"en": "x"}', created_at=T0, updated_at=T0)

    with pytest.raises(RuntimeError, match="wrote no audit entry"):
        await desk.act(STAFF, Role.STAFF, "sneak", sneaky)
    assert await db.read(lambda c: c.execute("SELECT COUNT(*) FROM initiatives").fetchone()[0]) == 0


async def test_the_audit_log_lists_from_a_date(desk: StaffDesk) -> None:
    await desk.open_round(STAFF, "2027-01-01")
    assert "round.open round 1" in await auditing.listing(desk, STAFF, "2026-11-25")
    # Actions there are, none since then: not "none recorded yet", which reads as an empty log.
    assert await auditing.listing(desk, STAFF, "2026-11-26") == "No staff actions since 2026-11-26."


async def test_staff_admins_come_from_the_setting_once(desk: StaffDesk) -> None:
    roster = StaffRoster(desk)
    assert await roster.seed_admins([9000, 9001]) == [1, 2]
    assert await roster.seed_admins([9000, 9001]) == []
    await roster.remove(STAFF, 2)
    assert await roster.seed_admins([9000, 9001]) == []  # removed stays removed
    assert await roster.telegram_actor(9001) is None
    actor = await roster.telegram_actor(9000, "Amina")
    assert actor is not None and (actor.name, actor.role) == ("tg:Amina#1", Role.ADMIN)


async def test_history_says_news_still_being_sent_is_not_yet_delivered(desk: StaffDesk) -> None:
    """Read just after an update, "news delivered to 0 people" said nobody was told."""
    round_id = await desk.open_round(STAFF, "2027-01-01")

    def chose(conn: Tx) -> int:
        topic = rounds.topics(conn, round_id)[0]
        for n in range(6):
            person = participants.find_or_create(conn, "telegram", str(n), str(n), T0).id
            conn.execute("UPDATE participants SET consent_at = ? WHERE id = ?", (T0, person))
            rounds.save_submission(conn, person, rounds.Submission(round_id, (topic.id,)), T0)
        return topic.id

    topic = await desk.db.write(chose)
    initiative = await desk.create_initiative(STAFF, {"en": "Walks"}, [topic])
    await desk.update_initiative(STAFF, initiative, "active", {"en": "Walks started"})
    line = (await milestones.history(desk, STAFF, initiative)).splitlines()[-1]
    assert line.endswith("Walks started (news delivered to 0 people so far: still being sent)")

    def sent(conn: Tx) -> None:
        conn.execute("UPDATE broadcasts SET status = 'done' WHERE kind = 'initiative'")

    await desk.db.write(sent)
    line = (await milestones.history(desk, STAFF, initiative)).splitlines()[-1]
    assert line.endswith("Walks started (news delivered to 0 people)")


async def test_milestones_and_history_are_listed(desk: StaffDesk) -> None:
    round_id = await desk.open_round(STAFF, "2027-01-01")
    initiative = await desk.create_initiative(STAFF, {"en": "Walks"}, [round_id])
    await milestones.add(desk, STAFF, initiative, "2026-11-01", "Amina", "Find a leader")
    await milestones.add(desk, STAFF, initiative, "2027-03-01", "Bo", "First walk")
    await milestones.done(desk, STAFF, 1)
    # Marked again: said, not done twice; another day given corrects it.
    with pytest.raises(StaffError, match="Milestone 1 was already done on 2026-11-25"):
        await milestones.done(desk, STAFF, 1)
    await milestones.done(desk, STAFF, 1, "2026-11-24")
    await milestones.done(desk, STAFF, 1, "2026-11-25")
    await desk.update_initiative(STAFF, initiative, "active", {"en": "Walks started"})
    assert (await milestones.listing(desk, STAFF, initiative)).splitlines() == [
        "milestone 1 [done 2026-11-25] initiative 1, due 2026-11-01, owner Amina: Find a leader",
        "milestone 2 [to do] initiative 1, due 2027-03-01, owner Bo: First walk",
    ]
    assert (await milestones.history(desk, STAFF, initiative)).splitlines() == [
        "Initiative 1 [active]: Walks",
        "Recorded 2026-11-25.",
        "2026-11-25 10:30 by test:staff: status active; Walks started (news delivered to 0 people "
        "so far: still being sent)",
        "2026-11-25 10:30 by test:staff: milestone 1 added, due 2026-11-01, owner Amina: "
        "Find a leader",
        "2026-11-25 10:30 by test:staff: milestone 2 added, due 2027-03-01, owner Bo: First walk",
        "2026-11-25 10:30 by test:staff: milestone 1 done on 2026-11-25: Find a leader",
        "2026-11-25 10:30 by test:staff: milestone 1 done on 2026-11-24: Find a leader",
        "2026-11-25 10:30 by test:staff: milestone 1 done on 2026-11-25: Find a leader",
    ]


async def test_a_milestone_is_added_once_removed_when_asked_and_kept_in_the_history(
    db: Database,
) -> None:
    now = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC)]
    desk = StaffDesk(db, lambda: now[0])
    initiative = await desk.create_initiative(STAFF, {"en": "Walks"}, [])
    await milestones.add(desk, STAFF, initiative, "2027-01-31", "Amina", "First walk")
    # The same again (a second tap, a command run twice), spaced and cased differently.
    with pytest.raises(StaffError) as refused:
        await milestones.add(desk, STAFF, initiative, "2027-01-31", " amina", "first  Walk ")
    assert str(refused.value) == (
        "Initiative 1 already has that milestone: milestone 1, due 2027-01-31, owner Amina: "
        "First walk. Nothing was added."
    )
    # Another day, owner or title is another milestone.
    await milestones.add(desk, STAFF, initiative, "2027-02-28", "Amina", "First walk")
    now[0] = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    await desk.update_initiative(STAFF, initiative, "active", {"en": "Walks started"})
    now[0] = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    removed = await milestones.remove(desk, STAFF, 2)
    assert milestones.said_removed(removed) == (
        "Removed milestone 2 of initiative 1 (due 2027-02-28, owner Amina: First walk)."
    )
    with pytest.raises(StaffError, match="There is no milestone 2"):
        await milestones.remove(desk, STAFF, 2)
    viewer = Actor("test:vera", Role.VIEWER, "test")
    with pytest.raises(StaffError, match="remove a milestone"):
        await milestones.remove(desk, viewer, 1)
    assert (await milestones.listing(desk, STAFF, initiative)).splitlines() == [
        "milestone 1 [to do] initiative 1, due 2027-01-31, owner Amina: First walk",
    ]
    assert (await milestones.history(desk, STAFF, initiative)).splitlines()[2:] == [
        "2026-11-20 09:00 by test:staff: milestone 1 added, due 2027-01-31, owner Amina: "
        "First walk",
        "2026-11-20 09:00 by test:staff: milestone 2 added, due 2027-02-28, owner Amina: "
        "First walk",
        "2026-11-21 09:00 by test:staff: status active; Walks started (news delivered to 0 people "
        "so far: still being sent)",
        "2026-11-22 09:00 by test:staff: milestone 2 removed, due 2027-02-28, owner Amina: "
        "First walk",
    ]
    log = (await auditing.listing(desk, STAFF)).splitlines()
    [entry] = [line for line in log if "milestone.remove" in line]
    assert entry.startswith("2026-11-22 09:00:00 test:staff (admin, test) milestone.remove")


async def test_a_removed_milestones_id_used_again_stays_out_of_its_initiatives_history(
    db: Database,
) -> None:
    now = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC)]
    desk = StaffDesk(db, lambda: now[0])
    walks = await desk.create_initiative(STAFF, {"en": "Walks"}, [])
    lights = await desk.create_initiative(STAFF, {"en": "Street lights"}, [])
    await milestones.add(desk, STAFF, walks, "2027-01-31", "Amina", "Lamp survey")
    now[0] = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    # Added to the wrong initiative: removed, and added to the right one, which gets the
    # removed milestone's id again (the newest row's id is free once it is deleted).
    await milestones.remove(desk, STAFF, 1)
    assert await milestones.add(desk, STAFF, lights, "2027-01-31", "Amina", "Lamp survey") == 1
    assert (await milestones.history(desk, STAFF, walks)).splitlines()[2:] == [
        "2026-11-20 09:00 by test:staff: milestone 1 added, due 2027-01-31, owner Amina: "
        "Lamp survey",
        "2026-11-21 09:00 by test:staff: milestone 1 removed, due 2027-01-31, owner Amina: "
        "Lamp survey",
        "No updates yet.",
    ]
    assert (await milestones.history(desk, STAFF, lights)).splitlines()[2:] == [
        "2026-11-21 09:00 by test:staff: milestone 1 added, due 2027-01-31, owner Amina: "
        "Lamp survey",
        "No updates yet.",
    ]
