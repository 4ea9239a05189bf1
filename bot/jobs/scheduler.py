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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import aiosqlite
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.engagement.hooks import period_start
from bot.jobs.sender import BroadcastSender
from bot.store.broadcasts import REACHABLE, Audience, Broadcasts, mark_reminded
from bot.store.engagement import Engagement
from bot.store.repository import Store

log = logging.getLogger(__name__)

# Flows a resident can leave open without having "left something unfinished".
NOT_REMINDED = frozenset({"menu"})
REMINDER_BATCH = 1000


@dataclass(frozen=True, slots=True)
class JobSettings:
    """What the scheduled work needs from the settings."""

    reminder_after: timedelta = timedelta(hours=24)
    sweep_seconds: float = 60.0
    champion_checkins: bool = True
    evaluation_checkins: bool = True


@dataclass
class SweepReport:
    """What one sweep did (for logs and tests)."""

    rounds_closed: list[int]
    broadcasts_queued: list[int]
    broadcasts_started: list[int]
    reminders: int


class Jobs:
    """Runs the sweep, the exact-time jobs and the broadcast senders."""

    def __init__(
        self,
        store: Store,
        sender_for: Callable[[], BroadcastSender],
        *,
        settings: JobSettings | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.engagement = Engagement(store)
        self.broadcasts = Broadcasts(store)
        self.sender_for = sender_for
        self.settings = settings or JobSettings()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.running: dict[int, asyncio.Task[object]] = {}
        self.scheduler: AsyncIOScheduler | None = None
        self._sweeping = asyncio.Lock()

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> SweepReport:
        """Catch up on everything due, then keep sweeping on a timer."""
        report = await self.sweep()
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.add_job(
            self.sweep, "interval", seconds=self.settings.sweep_seconds, id="sweep"
        )
        self.scheduler.start()
        await self._schedule_exact()
        return report

    async def stop(self) -> None:
        """Stop the timer and the senders (deliveries in flight stay recorded as sending)."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        for task in list(self.running.values()):
            task.cancel()
        await asyncio.gather(*self.running.values(), return_exceptions=True)
        self.running.clear()

    def launch(self, broadcast_id: int) -> asyncio.Task[object]:
        """Run a broadcast's sender unless one is already running."""
        task = self.running.get(broadcast_id)
        if task is not None and not task.done():
            return task
        task = asyncio.create_task(self.sender_for().run(broadcast_id))
        self.running[broadcast_id] = task
        task.add_done_callback(partial(self._finished, broadcast_id))
        return task

    def _finished(self, broadcast_id: int, task: asyncio.Task[object]) -> None:
        if self.running.get(broadcast_id) is task:
            del self.running[broadcast_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("broadcast %s stopped with an error", broadcast_id, exc_info=task.exception())

    async def _schedule_exact(self) -> None:
        if self.scheduler is None:
            return
        now = self.clock()
        for found in await self.engagement.rounds("open"):
            closes = datetime.fromisoformat(found.closes_at)
            if closes > now:
                self.scheduler.add_job(
                    self.sweep,
                    DateTrigger(run_date=closes),
                    id=f"round-{found.id}",
                    replace_existing=True,
                )
        for broadcast in await self.broadcasts.with_status("scheduled"):
            if broadcast.send_at and datetime.fromisoformat(broadcast.send_at) > now:
                self.scheduler.add_job(
                    self.sweep,
                    DateTrigger(run_date=datetime.fromisoformat(broadcast.send_at)),
                    id=f"broadcast-{broadcast.id}",
                    replace_existing=True,
                )

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
            await self._schedule_exact()
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
        for found in await self.engagement.rounds("open"):
            if found.closes_at <= self._now() and await self.engagement.close_round(
                found.id, self._now()
            ):
                closed.append(found.id)
        return closed

    async def _results_broadcasts(self) -> list[int]:
        """Every closed round gets exactly one results broadcast to its participants."""
        queued = []
        for found in await self.engagement.rounds("closed"):
            new = await self._queue(
                "results",
                Audience("round", found.id),
                {"round_id": found.id},
                f"results:{found.id}",
                round_id=found.id,
            )
            if new is not None:
                queued.append(new)
        return queued

    async def _reminders(self) -> int:
        """One gentle reminder per unfinished flow, after `reminder_after`."""
        cutoff = (self.clock() - self.settings.reminder_after).isoformat()
        rows = await self.store.fetch_all(
            "SELECT s.id, s.participant_id FROM sessions s JOIN participants p "
            "ON p.id = s.participant_id WHERE s.status = 'active' AND s.reminded_at IS NULL "
            f"AND s.updated_at <= ? AND {REACHABLE} "
            f"AND s.flow_id NOT IN ({', '.join('?' for _ in NOT_REMINDED)}) "
            "ORDER BY s.id LIMIT ?",
            (cutoff, *sorted(NOT_REMINDED), REMINDER_BATCH),
        )
        if not rows:
            return 0
        sessions = [int(r[0]) for r in rows]
        people = sorted({int(r[1]) for r in rows})
        # The broadcast and the "reminded" marks commit together: a crash can neither lose
        # the reminder nor send it twice.
        async with self.store.transaction() as db:
            await self._queue(
                "reminder",
                Audience("participants", people),
                {},
                f"reminder:{sessions[0]}:{sessions[-1]}:{self._now()}",
                db=db,
            )
            await mark_reminded(db, sessions, self._now())
        return len(sessions)

    async def _evaluation_checkins(self) -> list[int]:
        """Each active initiative asks its people how it is going, once per check-in period."""
        queued = []
        today = self.clock().date()
        for initiative in await self.engagement.initiatives(("active",)):
            if not await self.engagement.measures(initiative.id, "adopted"):
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
        """A monthly support check-in for active champions."""
        if not await self.engagement.champions("active"):
            return []
        month = self.clock().strftime("%Y-%m")
        new = await self._queue("champion", Audience("champions"), {}, f"champion:{month}")
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
        db: aiosqlite.Connection | None = None,
    ) -> int | None:
        """A broadcast due now, made at most once per `key`."""
        return await self.broadcasts.create(
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
            db=db,
        )

    async def _start_due(self) -> list[int]:
        started = []
        for broadcast in await self.broadcasts.due(self._now()):
            await self.broadcasts.start(broadcast.id, self._now())
            started.append(broadcast.id)
        for broadcast in await self.broadcasts.with_status("sending"):
            if broadcast.id not in self.running:
                self.launch(broadcast.id)
        return started
