"""Scheduled work from the database: once on time, once after a restart, never twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.engagement.staff import Staff
from bot.jobs.outbound import OutMessage
from bot.jobs.pacing import Pacer
from bot.jobs.scheduler import Jobs, JobSettings
from bot.jobs.sender import BroadcastSender
from bot.store.broadcasts import Broadcast, Broadcasts, Recipient
from bot.store.engagement import Engagement
from bot.store.repository import ParticipantChanges, SessionWrite, Store
from tests.jobs.conftest import RecordingOutbound, VirtualClock, residents

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class KindComposer:
    async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
        return [OutMessage(broadcast.kind)]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _jobs(store: Store, clock: Clock, outbound: RecordingOutbound, vclock: VirtualClock) -> Jobs:
    def sender() -> BroadcastSender:
        pacer = Pacer(30, monotonic=vclock.monotonic, sleep=vclock.sleep)
        return BroadcastSender(
            Broadcasts(store), KindComposer(), outbound, pacer, clock=clock, sleep=vclock.sleep
        )

    return Jobs(
        store, sender, settings=JobSettings(reminder_after=timedelta(hours=24)), clock=clock
    )


async def _settle(jobs: Jobs) -> None:
    await asyncio.gather(*jobs.running.values())


async def _round_with_answers(store: Store, people: list[int], closes: datetime) -> int:
    staff = Staff(Engagement(store), lambda: T0)
    round_id = await staff.open_round(closes.isoformat())
    engagement = Engagement(store)
    topic = (await engagement.topics(round_id))[0]
    for pid in people:
        write = engagement.priorities_writer(pid, round_id, [topic.id], None, T0.isoformat())
        async with store.transaction() as db:
            await write(db)
    return round_id


async def test_a_round_closes_at_its_time_and_results_go_out_once(
    store: Store, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(store, 3)
    others = await residents(store, 2, start=50)  # did not take part: no results for them
    closes = T0 + timedelta(days=1)
    round_id = await _round_with_answers(store, people, closes)
    now = Clock(closes - timedelta(minutes=1))
    jobs = _jobs(store, now, outbound, clock)
    assert (await jobs.sweep()).rounds_closed == []
    now.now = closes + timedelta(seconds=1)
    report = await jobs.sweep()
    assert report.rounds_closed == [round_id] and len(report.broadcasts_started) == 1
    await _settle(jobs)
    assert sorted(chat for _, chat, m in outbound.sent if m.text == "results") == ["1", "2", "3"]
    assert others  # residents 50 and 51 got nothing
    again = await jobs.sweep()
    assert again.rounds_closed == [] and again.broadcasts_started == []
    # A restart: a new Jobs over the same database finds nothing more to do.
    restarted = _jobs(store, now, outbound, clock)
    assert (await restarted.sweep()).broadcasts_queued == []
    await _settle(restarted)
    assert len([1 for _, _, m in outbound.sent if m.text == "results"]) == 3


async def test_a_round_that_closed_while_the_bot_was_down_is_handled_once_on_start(
    store: Store, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(store, 2)
    closes = T0 + timedelta(hours=1)
    round_id = await _round_with_answers(store, people, closes)
    later = Clock(closes + timedelta(days=3))  # the bot was off when it closed
    jobs = _jobs(store, later, outbound, clock)
    first = await jobs.start()
    try:
        assert first.rounds_closed == [round_id]
        await _settle(jobs)
        second = await jobs.sweep()
        assert second.rounds_closed == [] and second.broadcasts_started == []
    finally:
        await jobs.stop()
    assert len(outbound.sent) == 2


async def _session(store: Store, pid: int, flow: str, updated: datetime) -> int:
    sid = await store.commit_step(
        pid,
        SessionWrite(None, flow, "h", "n", "{}", "active"),
        [],
        ParticipantChanges(),
        updated.isoformat(),
    )
    assert sid is not None
    return sid


async def test_one_reminder_per_unfinished_flow_and_never_after_stop(
    store: Store, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    a, b, c, d = await residents(store, 4)
    await _session(store, a, "priorities", T0 - timedelta(hours=30))  # due
    await _session(store, b, "assets", T0 - timedelta(hours=2))  # not yet
    await _session(store, c, "menu", T0 - timedelta(hours=30))  # the menu is not a task
    await _session(store, d, "evaluation", T0 - timedelta(hours=30))
    stop = ParticipantChanges()
    stop.set("opted_out_at", T0.isoformat())
    await store.update_participant(d, stop)  # /stop: no reminders
    now = Clock(T0)
    jobs = _jobs(store, now, outbound, clock)
    assert (await jobs.sweep()).reminders == 1
    await _settle(jobs)
    now.now = T0 + timedelta(days=3)  # b is due now; a was reminded already
    assert (await jobs.sweep()).reminders == 1
    await _settle(jobs)
    assert [chat for _, chat, m in outbound.sent] == ["1", "2"]
    assert all(m.text == "reminder" for _, _, m in outbound.sent)


async def test_evaluation_check_ins_come_once_per_period(
    store: Store, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(store, 2)
    round_id = await _round_with_answers(store, people, T0 + timedelta(days=365))
    topics = await Engagement(store).topics(round_id)
    staff = Staff(Engagement(store), lambda: T0)
    initiative = await staff.create_initiative(
        {"en": "Walks"},
        [topics[0].id],
        starts_on=T0.date().isoformat(),
        status="active",
        check_in_days=30,
    )
    await staff.add_measure(initiative, {"en": "More walkers"})
    now = Clock(T0 + timedelta(days=10))
    jobs = _jobs(store, now, outbound, clock)
    assert (await jobs.sweep()).broadcasts_queued == []  # not a full period yet
    now.now = T0 + timedelta(days=31)
    assert len((await jobs.sweep()).broadcasts_queued) == 1
    assert (await jobs.sweep()).broadcasts_queued == []  # same period
    now.now = T0 + timedelta(days=61)
    assert len((await jobs.sweep()).broadcasts_queued) == 1
    await _settle(jobs)
    assert sorted(c for _, c, m in outbound.sent if m.text == "checkin") == ["1", "1", "2", "2"]


async def test_champions_get_one_support_check_in_a_month(
    store: Store, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    [pid] = await residents(store, 1)
    champion = await store.create_champion(pid, "c-x", T0.isoformat(), status="active")
    assert champion
    now = Clock(T0)
    jobs = _jobs(store, now, outbound, clock)
    assert len((await jobs.sweep()).broadcasts_queued) == 1
    assert (await jobs.sweep()).broadcasts_queued == []
    now.now = T0 + timedelta(days=31)
    assert len((await jobs.sweep()).broadcasts_queued) == 1


async def test_an_initiative_update_tells_the_people_it_concerns(
    store: Store, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(store, 2)
    bystander = await residents(store, 1, start=9)
    round_id = await _round_with_answers(store, people, T0 + timedelta(days=60))
    topics = await Engagement(store).topics(round_id)
    staff = Staff(Engagement(store), lambda: T0)
    initiative = await staff.create_initiative({"en": "Walks"}, [topics[0].id])
    await staff.update_initiative(initiative, "active", {"en": "The first walk was on Sunday."})
    jobs = _jobs(store, Clock(T0), outbound, clock)
    await jobs.sweep()
    await _settle(jobs)
    assert sorted(c for _, c, m in outbound.sent if m.text == "initiative") == ["1", "2"]
    assert bystander
    report = await Broadcasts(store).feedback_report()
    assert report["initiatives_with_plan"] == 0  # no adopted measures yet, so no plan


async def test_exact_time_jobs_close_a_round_without_waiting_for_the_sweep(
    store: Store, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(store, 1)
    # APScheduler runs on the real clock: a round closing tomorrow, real time.
    today = Clock(datetime.now(UTC).replace(microsecond=0))
    closes = today.now + timedelta(days=1)
    round_id = await _round_with_answers(store, people, closes)
    jobs = _jobs(store, today, outbound, clock)
    jobs.settings = JobSettings(sweep_seconds=3600)  # the sweep would come an hour late
    await jobs.start()
    try:
        assert jobs.scheduler is not None
        job = jobs.scheduler.get_job(f"round-{round_id}")
        assert job is not None and job.next_run_time == closes
        # When the job fires (its time has come: the clock moves on), the round closes and
        # its results go out.
        today.now = closes + timedelta(seconds=1)
        await job.func()
        await _settle(jobs)
    finally:
        await jobs.stop()
    found = await Engagement(store).round(round_id)
    assert found is not None and found.status == "closed"
    assert [m.text for _, _, m in outbound.sent] == ["results"]
