"""Sends a broadcast from its delivery ledger, paced, resumable after a crash.

Recipients are claimed a little ahead of sending, half a second's worth (two seconds' up to
a hundred; claimed rows are not in doubt: a stop or a crash puts them back in the queue),
each is marked "sending" just before its request goes out (bot.jobs.ledger), and as many
requests are kept in flight as the measured latency needs to reach the rate
(bot.jobs.gate). A recipient waiting its second in their own chat holds no request slot, nor
a place among those claimed ahead, so a long text sent as several messages keeps the rate
too.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.host.textsplit import MESSAGE_LIMIT, split_text, units
from bot.jobs import drawing_wait
from bot.jobs.gate import Gate
from bot.jobs.ledger import GATHER_SECONDS, Ledger
from bot.jobs.outbound import (
    InDoubt,
    Outbound,
    OutMessage,
    RateLimited,
    SendFailed,
    Unreachable,
)
from bot.jobs.pacing import Pacer
from bot.store import broadcasts
from bot.store.broadcasts import Broadcast, Recipient
from bot.store.db import Database

log = logging.getLogger(__name__)

Result = tuple[int, str, str | None]

# Recipients claimed at once, at most (see `_Run.send_all`).
CLAIM_AT_MOST = 50
# Recipients claimed ahead, at least (if two seconds of sending come to as many).
AHEAD_FLOOR = 100
# Deliveries waiting for their chart to be drawn are not counted among those claimed ahead,
# up to this many times as many (bot/jobs/drawing_wait.py). At 1000/s, results alternated:
# 0 (counted) 0.931-0.948 of the rate; 1: 0.943-0.952; 2: 0.948-0.957; 4: 0.952-0.956, but
# each waits in memory, and the bot stayed 19 MB over idle after the broadcast (2: 15.6).
DRAWING_AHEAD = 2
# The error of a delivery left unsent on purpose: the ledger's states have no "skipped" (its
# CHECK would mean remaking the table), and "sent" would count a message nobody got.
SKIPPED = "skipped: nothing to send"


class Composer(Protocol):
    """Builds what one recipient receives (in their language)."""

    async def prepare(self, broadcast: Broadcast, channels: Sequence[str]) -> None:
        """Make ready what many recipients' messages share, before the first is composed
        (for those still to be sent to on `channels`)."""
        ...

    async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
        """The messages for this recipient."""
        ...


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a broadcast has got to, for the staff member's status message."""

    broadcast_id: int
    status: str
    total: int
    sent: int
    failed: int
    unreachable: int
    sending: int
    queued: int
    eta_seconds: float | None

    @classmethod
    def from_counts(
        cls, broadcast_id: int, status: str, counts: dict[str, int], eta: float | None
    ) -> Progress:
        """Progress from the ledger's counts by state."""
        return cls(
            broadcast_id=broadcast_id,
            status=status,
            total=sum(counts.values()),
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            unreachable=counts.get("unreachable", 0),
            sending=counts.get("sending", 0),
            # Claimed recipients have not been tried yet: still queued, as staff see it.
            queued=counts.get("queued", 0) + counts.get("claimed", 0),
            eta_seconds=eta,
        )

    @property
    def done(self) -> int:
        """Deliveries that have ended, one way or another."""
        return self.sent + self.failed + self.unreachable


ProgressHook = Callable[[Broadcast, Progress], Awaitable[None]]


class BroadcastSender:
    """Runs one broadcast to its end (or until paused or cancelled)."""

    def __init__(
        self,
        db: Database,
        composer: Composer,
        outbounds: Mapping[str, Outbound],
        pacer: Pacer,
        *,
        clock: Callable[[], datetime],
        batch_size: int | None = None,
        ahead_seconds: float = 0.5,
        max_attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_progress: ProgressHook | None = None,
        progress_every: float = 3.0,
        gather: float = GATHER_SECONDS,
    ) -> None:
        self.db = db
        self.composer = composer
        # One port per channel this process can reach; recipients on other channels wait in
        # the ledger for a process that can.
        self.outbounds = dict(outbounds)
        self.pacer = pacer
        self.clock = clock
        self.rate = 1.0 / pacer.interval
        self.batch_size = batch_size or max(10, int(0.5 * self.rate))
        # Claimed and not yet settled, at most: enough for every request in flight and those
        # next in line. Each one's messages are composed and wait in memory, so more is worse:
        # two seconds of them at 1000/s left the bot 8 MB bigger after a broadcast than half
        # a second (bench/broadcast.py). But never under two seconds' worth up to AHEAD_FLOOR:
        # at 30/s, 15 claimed (in claims of 3) sent results at 0.947 of the rate, 60 at 0.952.
        self.ahead = max(
            self.batch_size,
            int(self.rate * ahead_seconds),
            min(int(self.rate * 2), AHEAD_FLOOR),
        )
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.on_progress = on_progress
        self.progress_every = progress_every
        self.gather = gather
        # The pacer is shared by every sender, so together they keep the overall rate; a
        # broadcast spread over hours also waits for its own, slower pacer.
        self.spread: Pacer | None = None

    def _now(self) -> str:
        return self.clock().isoformat()

    async def run(self, broadcast_id: int) -> Progress | None:
        """Send every queued delivery; returns the final progress (None if not sending)."""
        broadcast = await self.db.read(broadcasts.get, broadcast_id)
        if broadcast is None or broadcast.status != "sending":
            return None
        counts = await self.db.read(broadcasts.counts, broadcast_id)
        if counts.get("sending", 0):
            # Left by a crash while their request was out: we cannot know whether Telegram
            # got them, and sending twice is worse than once too few.
            log.warning(
                "broadcast %s: %s deliveries were in flight when the bot stopped; "
                "they are not sent again",
                broadcast_id,
                counts["sending"],
            )
        # Claimed by a sender that stopped before trying them: they go out now.
        await self.db.write(broadcasts.release, broadcast_id, self._now(), tuple(self.outbounds))
        self._apply_spread(broadcast, counts)
        try:
            await self.composer.prepare(broadcast, tuple(self.outbounds))
        except Exception:
            # Whatever was not made ready is made as recipients need it.
            log.warning("broadcast %s: could not prepare its messages", broadcast_id, exc_info=True)
        run = _Run(self, broadcast_id)
        try:
            await run.send_all()
        finally:
            await run.wind_down()
        return await self._report(broadcast_id)

    async def _finish(self, broadcast_id: int) -> None:
        """Nothing left to send from here: done, unless recipients on a channel this process
        cannot reach are still queued (a process that can will send them)."""
        waiting = await self.db.read(broadcasts.waiting_channels, broadcast_id)
        if waiting:
            log.info(
                "broadcast %s: the rest waits for a bot that can reach %s",
                broadcast_id,
                ", ".join(sorted(waiting)),
            )
            return
        await self.db.write(broadcasts.set_status, broadcast_id, "done", self._now())

    def _batch(self) -> int:
        if self.spread is not None:
            # Spread thin, one recipient is minutes of sending: claim one at a time.
            return max(1, min(self.batch_size, int(0.5 / self.spread.interval)))
        return self.batch_size

    def _apply_spread(self, broadcast: Broadcast, counts: dict[str, int]) -> None:
        remaining = counts.get("queued", 0) + counts.get("claimed", 0)
        if broadcast.spread_hours and remaining:
            rate = max(remaining / (broadcast.spread_hours * 3600), 1e-4)
            self.spread = Pacer(
                rate, per_chat=0.0, monotonic=self.pacer.monotonic, sleep=self.pacer.sleep
            )

    async def _report(self, broadcast_id: int) -> Progress | None:
        broadcast = await self.db.read(broadcasts.get, broadcast_id)
        if broadcast is None:
            return None
        counts = await self.db.read(broadcasts.counts, broadcast_id)
        waiting = counts.get("queued", 0) + counts.get("claimed", 0)
        rate = 1.0 / max(self.pacer.interval, self.spread.interval if self.spread else 0.0)
        progress = Progress.from_counts(
            broadcast_id, broadcast.status, counts, waiting / rate if waiting else 0.0
        )
        if self.on_progress is not None:
            try:
                await self.on_progress(broadcast, progress)
            except Exception:
                log.warning("broadcast %s: progress report failed", broadcast_id, exc_info=True)
        return progress


class _Run:
    """One run of a sender over one broadcast: claims, delivers, and cleans up."""

    def __init__(self, sender: BroadcastSender, broadcast_id: int) -> None:
        self.s = sender
        self.broadcast_id = broadcast_id
        self.ledger = Ledger(sender.db, broadcast_id, sender.clock, sender.gather)
        self.gate = Gate(sender.rate)
        self.tasks: dict[asyncio.Task[None], int] = {}
        # Deliveries waiting on their own chat (their second before the next message, or a
        # resident talking to the bot to pause): not counted among those claimed ahead, or a
        # text in two messages would halve the rate, and residents talking hold up the rest.
        self.resting = 0
        # Deliveries waiting for their chart to be drawn: not counted either, up to a bound.
        self.drawing = 0
        self.telling: drawing_wait.Telling | None = None
        # Of the deliveries under way only: a set of everyone tried (100,000 ids at 1000/s)
        # left the allocator holding megabytes after the broadcast.
        self.attempted: set[int] = set()  # their request may have gone out
        self.untried: set[int] = set()  # claimed, neither tried nor settled
        self.last_report = time.monotonic()
        # Claimed in chunks, not one recipient as each one ends: a claim is a read and a
        # write transaction, and at 1000/s one per message cost a fifth of the loop. Not big
        # ones either: the recipients claimed together start together, and their messages
        # are composed back to back on the event loop (200 results messages held it 30-80 ms,
        # every 0.2 s).
        self.chunk = min(sender._batch(), max(1, sender.ahead // 5), CLAIM_AT_MOST)
        # The claimer sleeps until no more than this many deliveries are under way.
        self._wake_at = 0
        self._wake_resting = False  # resting deliveries counted too
        self._woken: asyncio.Future[None] | None = None

    async def send_all(self) -> None:
        s = self.s
        # The deliveries started below inherit it (stopped by wind_down).
        self.telling = drawing_wait.telling(self._drawing)
        while True:
            # Quiet hours are waited out before anything more is claimed, and a pause or
            # cancel is seen between claims.
            await s.pacer.until_allowed()
            current = await s.db.read(broadcasts.get, self.broadcast_id)
            if current is None or current.status != "sending":
                return
            if not current.queued_all:
                await s.db.write(broadcasts.queue_more, self.broadcast_id, s._now())
            room = s.ahead - self._under_way()
            chunk = self.chunk
            if room < chunk:
                await self._until_at_most(s.ahead - chunk)
                continue
            batch = await s.db.write(
                broadcasts.claim,
                self.broadcast_id,
                min(room, chunk),
                s._now(),
                tuple(s.outbounds),
            )
            if not batch:
                if self.tasks:
                    # Resting ones included: nothing more to claim, so the end is awaited.
                    await self._until_at_most(max(0, len(self.tasks) - chunk), resting=True)
                    continue
                if not current.queued_all:
                    continue
                await self.ledger.flush()
                await s._finish(self.broadcast_id)
                return
            for recipient in batch:
                task = asyncio.ensure_future(self._deliver(current, recipient))
                self.tasks[task] = recipient.participant_id
                task.add_done_callback(self._ended)
            if s.on_progress and time.monotonic() - self.last_report >= s.progress_every:
                self.last_report = time.monotonic()
                await self.ledger.flush()
                await s._report(self.broadcast_id)

    def _under_way(self, *, resting: bool = False) -> int:
        """Deliveries claimed and not ended; those resting between messages or waiting for
        their chart (up to a bound) only if asked."""
        if resting:
            return len(self.tasks)
        return len(self.tasks) - self.resting - min(self.drawing, self.s.ahead * DRAWING_AHEAD)

    def _drawing(self, change: int) -> None:
        self.drawing += change
        self._wake()

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.tasks.pop(task, None)
        self._wake()

    def _wake(self) -> None:
        woken = self._woken
        if woken is None or woken.done():
            return
        if self._under_way(resting=self._wake_resting) <= self._wake_at:
            woken.set_result(None)

    async def _until_at_most(self, count: int, *, resting: bool = False) -> None:
        """Wait until no more than `count` deliveries are under way: one wake-up, where
        asyncio.wait over every delivery (two thousand at 1,000 a second) cost as much as
        there are deliveries each time one ended."""
        if self._under_way(resting=resting) <= count:
            return
        self._wake_at, self._wake_resting = count, resting
        self._woken = asyncio.get_running_loop().create_future()
        try:
            await self._woken
        finally:
            self._woken = None

    async def wind_down(self) -> None:
        """Let requests already out finish; whoever was not tried goes back in the queue."""
        # First: nothing reads `drawing` once the claiming has stopped, and cancelled while
        # waiting below (a bot stopping), this run would skip it.
        if self.telling is not None:
            self.telling.stop()
        untried = [task for task, pid in self.tasks.items() if pid not in self.attempted]
        for task in untried:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.ledger.flush()
        if self.untried:
            await self.s.db.write(
                broadcasts.release, self.broadcast_id, self.s._now(), (), sorted(self.untried)
            )

    async def _deliver(self, broadcast: Broadcast, recipient: Recipient) -> None:
        pid = recipient.participant_id
        self.untried.add(pid)
        try:
            result = await self._deliver_to(broadcast, recipient)
        except asyncio.CancelledError:
            # Stopped: if their request was out, it stays in doubt ("sending"); if not, they
            # go back in the queue (wind_down).
            return
        except Exception as exc:
            log.exception("broadcast %s: delivery to %s failed", broadcast.id, pid)
            result = (pid, "failed", type(exc).__name__)
        self.untried.discard(pid)
        self.attempted.discard(pid)
        self.ledger.settled(result)

    async def _deliver_to(self, broadcast: Broadcast, recipient: Recipient) -> Result:
        s = self.s
        pid = recipient.participant_id
        if recipient.stopped:
            return pid, "failed", "stopped"
        try:
            messages = _split(await s.composer.compose(broadcast, recipient))
        except Exception as exc:
            log.exception("broadcast %s: could not compose for %s", broadcast.id, pid)
            return pid, "failed", f"compose: {type(exc).__name__}"
        if not messages:
            # Nothing to say to them any more (a champion's status notice, their status
            # changed again before it went): not sent, so not counted as sent.
            return pid, "failed", SKIPPED
        outbound = s.outbounds[recipient.channel]
        resting = False
        try:
            for index, message in enumerate(messages):
                # Sent one, it waits its chat's second for the next; or the resident is
                # talking to the bot, and it waits for them to pause: either way, it is not
                # counted among those claimed ahead from then on.
                if not resting and (index or s.pacer.in_conversation(recipient.chat_id)):
                    resting = True
                    self.resting += 1
                    self._wake()
                if not index and resting:
                    # Only before the first: a stop cancels it there (untried, it goes back
                    # in the queue), while one that has begun is let finish.
                    await s.pacer.conversation_pause(recipient.chat_id)
                failed = await self._send_one(recipient, outbound, message)
                if failed is not None:
                    return failed
        finally:
            if resting:
                self.resting -= 1
        if messages and messages[-1].asks is not None:
            self.ledger.asked(pid, messages[-1].asks)
        return pid, "sent", None

    async def _send_one(
        self, recipient: Recipient, outbound: Outbound, message: OutMessage
    ) -> Result | None:
        """One message, tried again after failures that allow it; the result if it failed."""
        s = self.s
        pid = recipient.participant_id
        failures = 0
        while True:
            if s.spread is not None:
                await s.spread.turn(recipient.chat_id)
            try:
                async with s.pacer.sending(recipient.chat_id) as ready, self.gate:
                    # Marked while holding a request slot, so a crash leaves in doubt
                    # no more recipients than there are slots.
                    started = time.monotonic()
                    try:
                        if pid not in self.attempted:
                            # From here on a stop lets this request finish rather than
                            # leave it marked and unsent.
                            self.attempted.add(pid)
                            self.untried.discard(pid)
                            await self.ledger.attempting(pid)
                        await ready()  # its place in the window may not be free yet
                        # On the pacer's clock: it compares the trip with its own times.
                        sent_at = s.pacer.monotonic()
                        try:
                            await outbound.send(recipient.chat_id, message)
                        finally:
                            s.pacer.trip(s.pacer.monotonic() - sent_at)
                    finally:
                        # The slot's whole time, the ledger's write included.
                        self.gate.observe(time.monotonic() - started)
                return None
            except RateLimited as exc:
                s.pacer.pause(exc.seconds)
            except Unreachable:
                return pid, "unreachable", None
            except InDoubt:
                # Sending it again could mean sending it twice.
                return pid, "failed", "timed out: may have been delivered"
            except SendFailed as exc:
                failures += 1
                if failures >= s.max_attempts:
                    return pid, "failed", str(exc)[:200]
                # Jitter, so recipients failing together do not come back together.
                await s.sleep(s.backoff * 2 ** (failures - 1) * (0.5 + random.random()))


def _split(messages: list[OutMessage]) -> list[OutMessage]:
    """Long texts as several messages (buttons on the last), each paced on its own."""
    out: list[OutMessage] = []
    for message in messages:
        if message.photo is not None or units(message.text) <= MESSAGE_LIMIT:
            out.append(message)
            continue
        pieces = split_text(message.text)
        out += [OutMessage(p) for p in pieces[:-1]]
        out.append(replace(message, text=pieces[-1]))  # its buttons, and what they ask
    return out
