"""Scheduled work, with the database as the source of truth.

Nothing is kept only in the scheduler: at start-up (and then every `sweep_seconds`) a sweep
reads the database and does whatever has come due: close rounds and queue their results,
start scheduled broadcasts, resume broadcasts that were sending when the bot stopped, send
one reminder per unfinished flow, and queue evaluation and champion check-ins. Every one of
these is made idempotent in the database (a round closes once; a broadcast's dedupe key is
unique; a session is reminded once), so work that came due while the bot was down runs once
on start, never twice. APScheduler adds exact-time jobs for upcoming round closings and
scheduled broadcasts (misfire policy: coalesce, run however late), so they do not wait for
the next sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.jobs.sender import BroadcastSender
from bot.store import broadcasts, champions, initiatives, participants, rounds, sessions
from bot.store.broadcasts import Audience, Broadcast
from bot.store.db import Database, Tx
from bot.store.initiatives import period_start

log = logging.getLogger(__name__)

REMINDER_BATCH = 1000
EXPIRY_SLICE = 2000  # participants looked at per sweep for the retention period


# How often a champion is asked how things are going (and when, after approval, first).
CHAMPION_CHECKIN_EVERY = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class JobSettings:
    """What the scheduled work needs from the settings."""

    reminder_after: timedelta = timedelta(hours=24)
    sweep_seconds: float = 60.0
    delivery_retention: timedelta = timedelta(days=90)
    retention: timedelta = timedelta(days=730)
    champion_checkins: bool = True
    evaluation_checkins: bool = True


@dataclass
class SweepReport:
    """What one sweep did (for logs and tests)."""

    rounds_closed: list[int]
    broadcasts_queued: list[int]
    broadcasts_started: list[int]
    reminders: int
    deliveries_pruned: int = 0
    residents_expired: int = 0


class Jobs:
    """Runs the sweep, the exact-time jobs and the broadcast senders."""

    def __init__(
        self,
        db: Database,
        sender_for: Callable[[], BroadcastSender],
        *,
        settings: JobSettings | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.sender_for = sender_for
        self.settings = settings or JobSettings()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.running: dict[int, asyncio.Task[object]] = {}
        # Broadcasts to one audience, sent one after another in the order they were made:
        # the audience -> the task sending them, and those waiting their turn in it.
        self.chains: dict[str, asyncio.Task[object]] = {}
        self.waiting: dict[str, list[int]] = {}
        # Channels' own catch-up work, run after each sweep (e.g. Telegram's staff alerts).
        self.also: list[Callable[[], Awaitable[object]]] = []
        # Work for the moment no broadcast is sending any more (the bot hands back memory).
        self.after_broadcasts: list[Callable[[], Awaitable[object]]] = []
        self._after: set[asyncio.Future[object]] = set()
        self.scheduler: AsyncIOScheduler | None = None
        self._sweeping = asyncio.Lock()
        self._stopping = False
        self._timed: set[asyncio.Future[SweepReport]] = set()
        self._expiry_cursor = 0

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> SweepReport:
        """Catch up on everything due, then keep sweeping on a timer."""
        report = await self.sweep()
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.add_job(
            self._timed_sweep, "interval", seconds=self.settings.sweep_seconds, id="sweep"
        )
        self.scheduler.start()
        await self._schedule_exact()
        return report

    async def stop(self) -> None:
        """Stop the timer and the senders (deliveries in flight stay recorded as sending)."""
        self._stopping = True
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        # A sweep under way finishes first: cancelled mid-send, it would drop what it was
        # telling (a staff alert, say).
        await asyncio.gather(*self._timed, return_exceptions=True)
        for task in list(self.running.values()):
            task.cancel()
        await asyncio.gather(*self.running.values(), return_exceptions=True)
        self.running.clear()
        self.chains.clear()
        self.waiting.clear()
        await asyncio.gather(*self._after, return_exceptions=True)

    def launch(self, broadcast_id: int) -> asyncio.Task[object]:
        """Run a broadcast's sender unless one is already running."""
        task = self.running.get(broadcast_id)
        if task is not None and not task.done():
            return task
        for queue in self.waiting.values():
            if broadcast_id in queue:  # resumed while waiting its turn: one sender, not two
                queue.remove(broadcast_id)
        task = asyncio.create_task(self.sender_for().run(broadcast_id))
        self.running[broadcast_id] = task
        task.add_done_callback(partial(self._finished, [broadcast_id]))
        return task

    def _chain(self, audience: str, broadcast_id: int) -> None:
        """Send `broadcast_id`, then every broadcast to `audience` queued behind it (in
        `waiting`), one after another in one task: so whoever awaits the running senders
        awaits these too."""
        sent = [broadcast_id]

        async def run() -> None:
            try:
                await self._send(broadcast_id)
                self._left(broadcast_id, task)
                while queue := self.waiting.get(audience):
                    after = queue.pop(0)
                    sent.append(after)
                    self.running[after] = task
                    await self._send(after)
                    self._left(after, task)
            finally:
                # No await between the empty queue and this: a broadcast queued from now on
                # starts a chain of its own. Stopped, those still waiting are sent at the
                # next sweep (still "sending" in the database).
                self.waiting.pop(audience, None)
                self.chains.pop(audience, None)

        task = asyncio.create_task(run())
        self.chains[audience] = task
        self.running[broadcast_id] = task
        task.add_done_callback(partial(self._finished, sent))

    def _left(self, broadcast_id: int, chain: asyncio.Task[None]) -> None:
        """A broadcast the chain has finished with (sent, or paused: its sender returned) is
        no longer running here, so resuming it launches it again at once, not after the
        rest of its chain."""
        if self.running.get(broadcast_id) is chain:
            del self.running[broadcast_id]

    async def _send(self, broadcast_id: int) -> None:
        try:
            await self.sender_for().run(broadcast_id)
        except Exception:
            # The next in line is sent all the same.
            log.exception("broadcast %s stopped with an error", broadcast_id)

    def _launch_in_order(self, sending: list[Broadcast]) -> None:
        """Launch the sending broadcasts not running here, oldest first; one to the same
        audience as another being sent waits its turn behind it. Each broadcast runs its own
        sender, so two to the same people at once reached each in either order: an
        initiative's "Now: Started" arrived after the notes staff sent a minute later. Only
        the same audience waits (a broadcast to everyone does not wait for a round's
        results), and a broadcast spread over hours holds nothing up: it reaches some people
        days later whatever follows it."""
        queued = {b for ids in self.waiting.values() for b in ids}
        for broadcast in sending:
            if broadcast.id in self.running or broadcast.id in queued:
                continue
            if broadcast.spread_hours:
                self.launch(broadcast.id)
                continue
            audience = broadcast.audience.to_json()
            if audience in self.chains:
                self.waiting.setdefault(audience, []).append(broadcast.id)
            else:
                self._chain(audience, broadcast.id)

    def _finished(self, broadcast_ids: list[int], task: asyncio.Task[object]) -> None:
        broadcast_id = broadcast_ids[-1]
        for one in broadcast_ids:
            if self.running.get(one) is task:
                del self.running[one]
        if not task.cancelled() and task.exception() is not None:
            log.error("broadcast %s stopped with an error", broadcast_id, exc_info=task.exception())
        if not self.running and not self._stopping:
            for work in self.after_broadcasts:
                after = asyncio.ensure_future(work())
                self._after.add(after)
                after.add_done_callback(self._after_done)

    def _after_done(self, task: asyncio.Future[object]) -> None:
        self._after.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("work after the broadcasts failed", exc_info=task.exception())

    async def _schedule_exact(self) -> None:
        if self.scheduler is None:
            return
        now = self.clock().isoformat()
        for job_id, when in await self.db.read(_upcoming, now):
            self.scheduler.add_job(
                self._timed_sweep,
                DateTrigger(run_date=datetime.fromisoformat(when)),
                id=job_id,
                replace_existing=True,
            )

    async def _timed_sweep(self) -> None:
        """A sweep the timer asked for, in a task of our own: the scheduler cancels its jobs
        when it shuts down, and stop() waits for this one to finish instead."""
        if self._stopping:
            return
        task = asyncio.ensure_future(self.sweep())
        self._timed.add(task)
        task.add_done_callback(self._timed.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            # Only the scheduler's wrapper is cancelled (it would log the cancellation as a
            # failed job); the sweep goes on and stop() waits for it.
            pass

    # -- the sweep -------------------------------------------------------------------------

    async def sweep(self) -> SweepReport:
        """Do everything that is due now. Safe to run any number of times."""
        async with self._sweeping:
            report = SweepReport([], [], [], 0)
            report.rounds_closed = await self._close_rounds()
            report.broadcasts_queued += await self._results_broadcasts()
            report.reminders = await self._reminders()
            if self.settings.evaluation_checkins:
                report.broadcasts_queued += await self._evaluation_checkins()
            if self.settings.champion_checkins:
                report.broadcasts_queued += await self._champion_checkins()
            report.broadcasts_started = await self._start_due()
            report.deliveries_pruned = await self._prune()
            report.residents_expired = await self._expire()
            await self._schedule_exact()
            for work in self.also:
                try:
                    await work()
                except Exception:
                    log.exception("sweep: %s failed", getattr(work, "__qualname__", work))
            if report.rounds_closed or report.broadcasts_started or report.reminders:
                log.info(
                    "sweep: closed rounds %s, started broadcasts %s, %s reminders",
                    report.rounds_closed,
                    report.broadcasts_started,
                    report.reminders,
                )
            return report

    def _now(self) -> str:
        return self.clock().isoformat()

    async def _close_rounds(self) -> list[int]:
        closed = []
        for round_id in await self.db.read(rounds.due_to_close, self._now()):
            if await self.db.write(rounds.close, round_id, self._now()):
                closed.append(round_id)
        return closed

    async def _results_broadcasts(self) -> list[int]:
        """Every closed round gets exactly one results broadcast to its participants."""
        queued = []
        for round_id in await self.db.read(broadcasts.awaiting_results):
            new = await self.db.write(broadcasts.queue_results, round_id, self._now(), "scheduler")
            if new is not None:
                queued.append(new)
        return queued

    async def _reminders(self) -> int:
        """One gentle reminder per unfinished flow, after `reminder_after`."""
        cutoff = (self.clock() - self.settings.reminder_after).isoformat()
        return await self.db.write(self._remind, cutoff, self._now())

    def _remind(self, conn: Tx, cutoff: str, now: str) -> int:
        due = sessions.due_for_reminder(conn, cutoff, REMINDER_BATCH)
        if not due:
            return 0
        ids = [d.session_id for d in due]
        people = sorted({d.participant_id for d in due if d.reachable})
        # The broadcast and the marks commit together: a crash can neither lose the reminder
        # nor send it twice. Flows of residents who cannot be sent news are marked too:
        # passed over, for good.
        if people:
            broadcasts.create(
                conn,
                "reminder",
                Audience("participants", people),
                {},
                now,
                status="scheduled",
                send_at=now,
                dedupe_key=f"reminder:{ids[0]}:{ids[-1]}:{now}",
                created_by="scheduler",
            )
        sessions.mark_reminded(conn, ids, now)
        return sum(1 for d in due if d.reachable)

    async def _evaluation_checkins(self) -> list[int]:
        """Each active initiative asks its people how it is going, once per check-in period."""
        queued = []
        today = self.clock().date()
        planned = await self.db.read(initiatives.with_adopted_measures)
        for initiative in await self.db.read(initiatives.all_initiatives, ("active",)):
            if initiative.id not in planned:
                continue
            anchor = (initiative.starts_on or initiative.created_at)[:10]
            if (today - datetime.fromisoformat(anchor).date()).days < initiative.check_in_days:
                continue  # the first check-in comes one period after the start
            period = period_start(initiative, today)
            new = await self._queue(
                "checkin",
                Audience("initiative_people", initiative.id),
                {"initiative_id": initiative.id},
                f"checkin:{initiative.id}:{period}",
                initiative_id=initiative.id,
            )
            if new is not None:
                queued.append(new)
        return queued

    async def _champion_checkins(self) -> list[int]:
        """A support check-in for each active champion a month after they were approved,
        then a month after the last one."""
        now = self._now()
        cutoff = (self.clock() - CHAMPION_CHECKIN_EVERY).isoformat()

        def queue(conn: Tx) -> int | None:
            due = champions.due_for_checkin(conn, cutoff)
            if not due:
                return None
            champions.mark_checked_in(conn, due, now)
            return broadcasts.create(
                conn,
                "champion",
                Audience("participants", due),
                {},
                now,
                status="scheduled",
                send_at=now,
                created_by="scheduler",
            )

        new = await self.db.write(queue)
        return [new] if new is not None else []

    async def _queue(
        self,
        kind: str,
        audience: Audience,
        content: dict[str, Any],
        key: str,
        *,
        round_id: int | None = None,
        initiative_id: int | None = None,
    ) -> int | None:
        """A broadcast due now, made at most once per `key`."""
        return await self.db.write(
            broadcasts.create,
            kind,
            audience,
            content,
            self._now(),
            status="scheduled",
            send_at=self._now(),
            round_id=round_id,
            initiative_id=initiative_id,
            dedupe_key=key,
            created_by="scheduler",
        )

    async def _prune(self) -> int:
        """Summarise and delete the ledger of broadcasts finished longer ago than the
        retention period, a few thousand rows a transaction."""
        before = (self.clock() - self.settings.delivery_retention).isoformat()
        pruned = 0
        while rows := await self.db.write(broadcasts.prune, before, self._now()):
            pruned += rows
        return pruned

    async def _expire(self) -> int:
        """Delete residents whose last answer is older than the retention period, as the
        privacy notice promises; a slice of the participants each sweep, so a full pass over
        100,000 takes about an hour of sweeps and no sweep holds the database for long."""
        cutoff = (self.clock() - self.settings.retention).isoformat()
        return int(await self.db.write(self._expire_some, cutoff))

    def _expire_some(self, conn: Tx, cutoff: str) -> int:
        expired, self._expiry_cursor = participants.inactive(
            conn, cutoff, self._expiry_cursor, EXPIRY_SLICE
        )
        for participant_id in expired:
            participants.forget(conn, participant_id)
        if expired:
            log.info("deleted %s residents inactive since %s", len(expired), cutoff[:10])
        return len(expired)

    async def _start_due(self) -> list[int]:
        started = []
        for broadcast in await self.db.read(broadcasts.due, self._now()):
            await self.db.write(broadcasts.start, broadcast.id, self._now())
            started.append(broadcast.id)
        self._launch_in_order(await self.db.read(broadcasts.with_status, "sending"))
        return started


def _upcoming(conn: Tx, now: str) -> list[tuple[str, str]]:
    """(job id, when) of the round closings and scheduled broadcasts still to come."""
    jobs = [
        (f"round-{r.id}", r.closes_at) for r in rounds.all_rounds(conn, "open") if r.closes_at > now
    ]
    jobs += [
        (f"broadcast-{b.id}", b.send_at)
        for b in broadcasts.with_status(conn, "scheduled")
        if b.send_at and b.send_at > now
    ]
    return jobs
