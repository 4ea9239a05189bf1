"""Scheduled work from the database: once on time, once after a restart, never twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot import logs
from bot.config import Settings
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from bot.i18n.catalogs import Catalogs
from bot.jobs.outbound import OutMessage
from bot.jobs.pacing import Pacer
from bot.jobs.scheduler import Jobs, JobSettings
from bot.jobs.sender import BroadcastSender
from bot.staff.desk import StaffDesk
from bot.store import broadcasts, champions, initiatives, participants, rounds, sessions
from bot.store.broadcasts import Audience, Broadcast, Recipient
from bot.store.db import Database, Tx
from bot.store.rounds import Submission
from bot.store.sessions import NewAnswer, SessionState
from tests.conftest import STAFF
from tests.jobs.conftest import RecordingOutbound, VirtualClock, residents

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class KindComposer:
    async def prepare(self, broadcast: Broadcast, channels: Sequence[str]) -> None:
        pass

    async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
        return [OutMessage(broadcast.kind)]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _jobs(db: Database, clock: Clock, outbound: RecordingOutbound, vclock: VirtualClock) -> Jobs:
    def sender() -> BroadcastSender:
        pacer = Pacer(30, monotonic=vclock.monotonic, sleep=vclock.sleep)
        return BroadcastSender(
            db, KindComposer(), {"telegram": outbound}, pacer, clock=clock, sleep=vclock.sleep
        )

    return Jobs(db, sender, settings=JobSettings(reminder_after=timedelta(hours=24)), clock=clock)


async def _settle(jobs: Jobs) -> None:
    await asyncio.gather(*jobs.running.values())


async def _round_with_answers(db: Database, people: list[int], closes: datetime) -> int:
    round_id = await StaffDesk(db, lambda: T0).open_round(STAFF, closes.isoformat())
    topic = (await db.read(rounds.topics, round_id))[0]
    for pid in people:
        submission = Submission(round_id, (topic.id,), None)
        await db.write(rounds.save_submission, pid, submission, T0.isoformat())
    return round_id


async def test_a_round_closes_at_its_time_and_results_go_out_once(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(db, 3)
    others = await residents(db, 2, start=50)  # did not take part: no results for them
    closes = T0 + timedelta(days=1)
    round_id = await _round_with_answers(db, people, closes)
    now = Clock(closes - timedelta(minutes=1))
    jobs = _jobs(db, now, outbound, clock)
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
    restarted = _jobs(db, now, outbound, clock)
    assert (await restarted.sweep()).broadcasts_queued == []
    await _settle(restarted)
    assert len([1 for _, _, m in outbound.sent if m.text == "results"]) == 3


async def test_results_of_a_round_nobody_took_part_in_are_done_when_it_closes(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 2)  # known to the bot, but they did not take part
    closes = T0 + timedelta(days=1)
    round_id = await _round_with_answers(db, [], closes)
    now = Clock(closes + timedelta(seconds=1))
    jobs = _jobs(db, now, outbound, clock)
    report = await jobs.sweep()
    await _settle(jobs)
    assert report.rounds_closed == [round_id] and report.broadcasts_started == []
    [results] = await db.read(broadcasts.with_status, "done")
    assert (results.kind, results.round_id) == ("results", round_id)
    assert await db.read(broadcasts.counts, results.id) == {}
    assert outbound.sent == []


async def test_only_closed_rounds_without_results_are_sent_to_the_writer(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await residents(db, 2)
    closes = T0 + timedelta(days=1)
    done = await _round_with_answers(db, people, closes)
    waiting = await _round_with_answers(db, people, closes)
    still_open = await _round_with_answers(db, people, closes + timedelta(days=7))
    for round_id in (done, waiting):
        assert await db.write(rounds.close, round_id, T0.isoformat())
    now = T0.isoformat()
    assert await db.write(broadcasts.queue_results, done, now, STAFF.name) is not None
    assert await db.read(broadcasts.awaiting_results) == [waiting]
    written: list[object] = []
    real_write = db.write

    async def write(fn: object, *args: object, **kwargs: object) -> object:
        written.append(args[0] if fn is broadcasts.queue_results else None)
        return await real_write(fn, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(db, "write", write)
    jobs = _jobs(db, Clock(closes + timedelta(seconds=1)), outbound, clock)
    report = await jobs.sweep()
    await _settle(jobs)
    # One write for the round still waiting; none for the round whose results exist.
    assert [round_id for round_id in written if round_id is not None] == [waiting]
    assert len(report.broadcasts_queued) == 1 and still_open not in report.rounds_closed
    assert await db.read(broadcasts.awaiting_results) == []
    written.clear()
    await jobs.sweep()
    await _settle(jobs)
    assert [round_id for round_id in written if round_id is not None] == []


async def test_a_round_that_closed_while_the_bot_was_down_is_handled_once_on_start(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(db, 2)
    closes = T0 + timedelta(hours=1)
    round_id = await _round_with_answers(db, people, closes)
    later = Clock(closes + timedelta(days=3))  # the bot was off when it closed
    jobs = _jobs(db, later, outbound, clock)
    first = await jobs.start()
    try:
        assert first.rounds_closed == [round_id]
        await _settle(jobs)
        second = await jobs.sweep()
        assert second.rounds_closed == [] and second.broadcasts_started == []
    finally:
        await jobs.stop()
    assert len(outbound.sent) == 2


async def _session(db: Database, pid: int, flow: str, updated: datetime) -> int:
    state = SessionState(flow, "h", "n", "{}", "active")
    return await db.write(sessions.create, pid, state, updated.isoformat())


async def test_one_reminder_per_unfinished_flow_and_never_after_stop(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    a, b, c, d = await residents(db, 4)
    await _session(db, a, "priorities", T0 - timedelta(hours=30))  # due
    await _session(db, b, "assets", T0 - timedelta(hours=2))  # not yet
    await _session(db, c, "menu", T0 - timedelta(hours=30))  # the menu is not a task
    await _session(db, d, "evaluation", T0 - timedelta(hours=30))
    # /stop: no reminders
    await db.write(participants.update, d, {"opted_out_at": T0.isoformat()})
    now = Clock(T0)
    jobs = _jobs(db, now, outbound, clock)
    assert (await jobs.sweep()).reminders == 1
    await _settle(jobs)
    now.now = T0 + timedelta(days=3)  # b is due now; a was reminded already
    assert (await jobs.sweep()).reminders == 1
    await _settle(jobs)
    assert [chat for _, chat, m in outbound.sent] == ["1", "2"]
    assert all(m.text == "reminder" for _, _, m in outbound.sent)


async def test_a_flow_begun_long_ago_is_reminded_only_once_it_is_left_untouched(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    (a,) = await residents(db, 1)
    sid = await _session(db, a, "priorities", T0 - timedelta(hours=50))
    moved = SessionState("priorities", "h", "next", "{}", "active")
    await db.write(sessions.update, sid, moved, (T0 - timedelta(hours=2)).isoformat())
    now = Clock(T0)
    jobs = _jobs(db, now, outbound, clock)
    assert (await jobs.sweep()).reminders == 0  # still going: answered two hours ago
    now.now = T0 + timedelta(hours=23)  # untouched for 25 hours now
    assert (await jobs.sweep()).reminders == 1
    await _settle(jobs)
    assert [chat for _, chat, m in outbound.sent] == ["1"]


async def test_flows_of_residents_who_cannot_be_told_are_passed_over_once(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    told, stopped, gone = await residents(db, 3)
    ids = [
        await _session(db, pid, "priorities", T0 - timedelta(hours=30))
        for pid in (told, stopped, gone)
    ]
    await db.write(participants.update, stopped, {"opted_out_at": T0.isoformat()})
    await db.write(participants.update, gone, {"unreachable_at": T0.isoformat()})
    now = Clock(T0)
    jobs = _jobs(db, now, outbound, clock)
    assert (await jobs.sweep()).reminders == 1
    await _settle(jobs)
    assert [chat for _, chat, _ in outbound.sent] == ["1"]

    def marks(conn: Tx) -> list[str | None]:
        query = "SELECT reminded_at FROM sessions WHERE id = ?"
        return [conn.execute(query, (sid,)).fetchone()[0] for sid in ids]

    # Done with all three: the sweep does not find the other two again every minute.
    assert await db.read(marks) == [T0.isoformat()] * 3
    assert await db.read(sessions.due_for_reminder, T0.isoformat(), 10) == []


async def test_evaluation_check_ins_come_once_per_period(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(db, 2)
    round_id = await _round_with_answers(db, people, T0 + timedelta(days=365))
    topics = await db.read(rounds.topics, round_id)
    desk = StaffDesk(db, lambda: T0)
    initiative = await desk.create_initiative(
        STAFF,
        {"en": "Walks"},
        [topics[0].id],
        starts_on=T0.date().isoformat(),
        status="active",
        check_in_days=30,
    )
    await desk.add_measure(STAFF, initiative, {"en": "More walkers"})
    now = Clock(T0 + timedelta(days=10))
    jobs = _jobs(db, now, outbound, clock)
    assert (await jobs.sweep()).broadcasts_queued == []  # not a full period yet
    now.now = T0 + timedelta(days=31)
    assert len((await jobs.sweep()).broadcasts_queued) == 1
    assert (await jobs.sweep()).broadcasts_queued == []  # same period
    now.now = T0 + timedelta(days=61)
    assert len((await jobs.sweep()).broadcasts_queued) == 1
    await _settle(jobs)
    assert sorted(c for _, c, m in outbound.sent if m.text == "checkin") == ["1", "1", "2", "2"]


async def test_champions_get_a_support_check_in_a_month_after_approval_then_monthly(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    first, second = await residents(db, 2)
    one = await db.write(champions.create, first, "c-x", T0.isoformat())
    await db.write(champions.set_status, one, "active", T0.isoformat())
    now = Clock(T0)
    jobs = _jobs(db, now, outbound, clock)
    assert (await jobs.sweep()).broadcasts_queued == []  # just approved: not at once
    now.now = T0 + timedelta(days=12)
    two = await db.write(champions.create, second, "c-y", now.now.isoformat())
    await db.write(champions.set_status, two, "active", now.now.isoformat())
    now.now = T0 + timedelta(days=31)
    assert len((await jobs.sweep()).broadcasts_queued) == 1  # the first, a month on
    assert (await jobs.sweep()).broadcasts_queued == []  # once
    now.now = T0 + timedelta(days=43)
    assert len((await jobs.sweep()).broadcasts_queued) == 1  # the second's own month
    now.now = T0 + timedelta(days=62)
    assert len((await jobs.sweep()).broadcasts_queued) == 1  # the first's second month
    await _settle(jobs)
    assert [c for _, c, m in outbound.sent if m.text == "champion"] == ["1", "2", "1"]


async def test_an_initiative_update_tells_the_people_it_concerns(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(db, 2)
    bystander = await residents(db, 1, start=9)
    round_id = await _round_with_answers(db, people, T0 + timedelta(days=60))
    topics = await db.read(rounds.topics, round_id)
    desk = StaffDesk(db, lambda: T0)
    initiative = await desk.create_initiative(STAFF, {"en": "Walks"}, [topics[0].id])
    note = {"en": "The first walk was on Sunday."}
    await desk.update_initiative(STAFF, initiative, "active", note)
    jobs = _jobs(db, Clock(T0), outbound, clock)
    await jobs.sweep()
    await _settle(jobs)
    assert sorted(c for _, c, m in outbound.sent if m.text == "initiative") == ["1", "2"]
    assert bystander
    with_plan = await db.read(initiatives.with_adopted_measures)
    assert with_plan == set()  # no adopted measures yet, so no plan


async def test_exact_time_jobs_close_a_round_without_waiting_for_the_sweep(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    people = await residents(db, 1)
    # APScheduler runs on the real clock: a round closing tomorrow, real time.
    today = Clock(datetime.now(UTC).replace(microsecond=0))
    closes = today.now + timedelta(days=1)
    round_id = await _round_with_answers(db, people, closes)
    jobs = _jobs(db, today, outbound, clock)
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
    found = await db.read(rounds.get, round_id)
    assert found is not None and found.status == "closed"
    assert [m.text for _, _, m in outbound.sent] == ["results"]


async def test_residents_are_deleted_two_years_after_their_last_answer(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    joined = "2024-01-10T09:00:00+00:00"
    old, returned, recent = await residents(db, 3)

    def history(conn: Tx) -> None:
        conn.execute("UPDATE participants SET created_at = ?", (joined,))
        # "returned" answered a question last spring; "recent" has a flow open since last week.
        sessions.append_answers(
            conn, returned, None, [NewAnswer("menu", "pick", "menu_choice", "x")], joined
        )
        conn.execute(
            "UPDATE answers SET created_at = '2025-04-01T10:00:00+00:00' WHERE participant_id = ?",
            (returned,),
        )
        state = SessionState("assets", "h", "what", "{}", "active")
        sessions.create(conn, recent, state, (T0 - timedelta(days=7)).isoformat())

    await db.write(history)
    now = Clock(T0)  # 2026-11-25: "old" has done nothing since January 2024
    jobs = _jobs(db, now, outbound, clock)
    assert (await jobs.sweep()).residents_expired == 1
    assert await db.read(participants.get, old) is None
    assert await db.read(participants.get, returned) is not None
    assert await db.read(participants.get, recent) is not None
    now.now = datetime(2027, 4, 2, tzinfo=UTC)  # two years after "returned" last answered
    assert (await jobs.sweep()).residents_expired == 1
    assert await db.read(participants.get, returned) is None
    assert await db.read(participants.get, recent) is not None


async def test_the_privacy_notice_says_the_retention_period_in_each_language(
    db: Database, flows: FlowLibrary, catalogs: Catalogs, hooks: Registry
) -> None:
    from bot.host.host import Host
    from bot.host.steps import Who

    for retention, locale, said in (
        ("2y", "en", "delete them 2 years after your last answer"),
        ("18mo", "en", "delete them 18 months after your last answer"),
        ("2y", "cy", "ac yn eu dileu 2 flynedd ar ôl eich ateb olaf"),
    ):
        length = Settings.from_env({"RETENTION": retention}, dotenv=False).retention
        host = Host(db, flows, catalogs, hooks, retention=length)
        out = await host.info(Who("telegram", "1", "1", locale), "privacy")
        assert said in out.replies[0].text, out.replies[0].text  # type: ignore[union-attr]


async def test_a_running_scheduler_says_nothing_at_info_on_each_sweep(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    before = logging.getLogger("apscheduler").level
    logs.quiet_libraries()
    caplog.set_level(logging.INFO)
    jobs = Jobs(db, lambda: None, settings=JobSettings(sweep_seconds=0.05))  # type: ignore[arg-type, return-value]
    try:
        await jobs.start()
        await asyncio.sleep(0.4)  # several sweeps
    finally:
        await jobs.stop()
        logging.getLogger("apscheduler").setLevel(before)
    assert [r for r in caplog.records if r.name.startswith("apscheduler")] == []


async def test_stopping_lets_a_timed_sweep_under_way_finish_without_a_traceback(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    class SlowJobs(Jobs):
        async def _close_rounds(self) -> list[int]:
            started.set()
            await asyncio.sleep(0.2)  # a database read, a message to staff...
            finished.set()
            return []

    caplog.set_level(logging.DEBUG)
    jobs = SlowJobs(db, lambda: None, settings=JobSettings(sweep_seconds=0.05))  # type: ignore[arg-type, return-value]
    await jobs.start()
    finished.clear()  # the sweep at start-up ran to the end; now one on the timer
    started.clear()
    await asyncio.wait_for(started.wait(), 5)
    await jobs.stop()
    assert finished.is_set()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    started.clear()
    await asyncio.sleep(0.2)
    assert not started.is_set()  # no sweep after the stop


async def test_work_after_the_broadcasts_waits_for_the_last_of_them(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    await residents(db, 40)
    jobs = _jobs(db, Clock(T0), outbound, clock)
    sent_when_called: list[int] = []

    async def after() -> None:
        sent_when_called.append(len(outbound.sent))

    jobs.after_broadcasts.append(after)
    ids = []
    for text in ("first", "second"):
        content = {"texts": {"en": text}}
        new = await db.write(broadcasts.create, "staff", Audience("everyone"), content, "x")
        assert new is not None
        await db.write(broadcasts.start, new, T0.isoformat())
        ids.append(new)
    first, second = jobs.launch(ids[0]), jobs.launch(ids[1])
    await first
    await asyncio.sleep(0)
    await second
    # A task's own callbacks (Jobs._finished, which starts the work after) run a turn of the
    # loop after it ends: if `second` ended in the turn before this test resumed, stop() came
    # first and nothing was started (a fresh-clone CI run failed so once, 2026-12-05).
    await asyncio.sleep(0)
    await jobs.stop()
    # Once, when both had sent everything (40 each), not when the first ended.
    assert sent_when_called == [80]


class SlowFirstComposer:
    """Each broadcast's own words; the first broadcast's take a while to compose (a chart
    being drawn, say)."""

    def __init__(self, slow: int) -> None:
        self.slow = slow

    async def prepare(self, broadcast: Broadcast, channels: Sequence[str]) -> None:
        pass

    async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
        if broadcast.id == self.slow:
            await asyncio.sleep(0.05)
        return [OutMessage(str(broadcast.content["texts"]["en"]))]


async def _scheduled(db: Database, kind: str, audience: Audience, text: str) -> int:
    """A broadcast of `text`, due now."""
    new = await db.write(
        broadcasts.create,
        kind,
        audience,
        {"texts": {"en": text}},
        T0.isoformat(),
        status="scheduled",
        send_at=T0.isoformat(),
    )
    assert new is not None
    return int(new)


def _slow_sender(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock, slow: int
) -> Callable[[], BroadcastSender]:
    """Senders whose broadcast `slow` takes a while to compose."""

    def sender() -> BroadcastSender:
        pacer = Pacer(30, monotonic=clock.monotonic, sleep=clock.sleep)
        return BroadcastSender(
            db, SlowFirstComposer(slow), {"telegram": outbound}, pacer, clock=Clock(T0)
        )

    return sender


async def test_news_to_the_same_people_reaches_each_in_the_order_it_was_made(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    # An initiative's status, then two notes a minute apart: each resident reads them in
    # that order, though the first took longest to compose.
    people = await residents(db, 3)
    audience = Audience("initiative_people", 1)
    ids = [
        await _scheduled(db, "initiative", audience, text)
        for text in ("Now: Started", "The crossing is painted", "The lights work")
    ]
    # Everyone else's broadcast is not held up by them.
    other = await _scheduled(db, "staff", Audience("participants", people), "Hello")
    jobs = Jobs(db, _slow_sender(db, outbound, clock, ids[0]), clock=Clock(T0))
    await db.write(_people_of_initiative, people)
    report = await jobs.sweep()
    assert report.broadcasts_started == [*ids, other]
    await asyncio.gather(*jobs.running.values())  # those waiting their turn too
    for chat in ("1", "2", "3"):
        read = [m.text for _, c, m in outbound.sent if c == chat and m.text != "Hello"]
        assert read == ["Now: Started", "The crossing is painted", "The lights work"], chat
    assert [b.status for b in await db.read(broadcasts.with_status, "done")] == ["done"] * 4
    await jobs.stop()


def _people_of_initiative(conn: Tx, people: list[int]) -> None:
    """Initiative 1, answering a topic the residents chose (so its news reaches them)."""
    round_id = rounds.create(conn, {"en": "Q"}, "2099-01-01", T0.isoformat(), [], [])
    topic = rounds.add_topic(conn, round_id, "streets", {"en": "Safe streets"})
    initiatives.create(conn, {"en": "Crossing"}, T0.isoformat(), topic_ids=[topic])
    for pid in people:
        rounds.save_submission(conn, pid, Submission(round_id, (topic,), None), T0.isoformat())


async def test_a_broadcast_its_chain_has_finished_with_can_be_launched_again_at_once(
    db: Database, outbound: RecordingOutbound, clock: VirtualClock
) -> None:
    # Paused (its sender returned) while first in its audience's line, then resumed: it was
    # still "running" as the chain that went on to the next, and waited for the whole line.
    people = await residents(db, 2)
    audience = Audience("participants", people)
    ids = [await _scheduled(db, "staff", audience, text) for text in ("first", "second")]
    jobs = Jobs(db, _slow_sender(db, outbound, clock, ids[1]), clock=Clock(T0))
    await jobs.sweep()
    chain = jobs.running[ids[0]]
    while not any(m.text == "second" for _, _, m in outbound.sent) and not chain.done():
        await asyncio.sleep(0.005)
        if ids[0] not in jobs.running:
            break
    assert ids[0] not in jobs.running  # the chain is on the second now
    again = jobs.launch(ids[0])
    assert again is not chain
    await asyncio.gather(again, chain)
    await jobs.stop()
