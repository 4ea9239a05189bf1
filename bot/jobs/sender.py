"""Sends a broadcast from its delivery ledger, paced, resumable after a crash."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.host.textsplit import MESSAGE_LIMIT, split_text
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


class Composer(Protocol):
    """Builds what one recipient receives (in their language)."""

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
            queued=counts.get("queued", 0),
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
        concurrency: int = 64,
        max_attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_progress: ProgressHook | None = None,
        progress_every: float = 3.0,
    ) -> None:
        self.db = db
        self.composer = composer
        # One port per channel this process can reach; recipients on other channels wait in
        # the ledger for a process that can.
        self.outbounds = dict(outbounds)
        self.pacer = pacer
        self.clock = clock
        # A batch is marked "sending" before it goes out, so a crash leaves at most one batch
        # in doubt: keep it to about half a second of sending.
        self.batch_size = batch_size or max(10, int(0.5 / pacer.interval))
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.on_progress = on_progress
        self.progress_every = progress_every
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
        stuck = counts.get("sending", 0)
        if stuck:
            # Left by a crash between "sending" and "sent": we cannot know whether Telegram
            # got them, and sending twice is worse than once too few.
            log.warning(
                "broadcast %s: %s deliveries were in flight when the bot stopped; "
                "they are not sent again",
                broadcast_id,
                stuck,
            )
        self._apply_spread(broadcast, counts)
        last_report = 0.0
        gate = asyncio.Semaphore(self.concurrency)
        while True:
            # Quiet hours are waited out before anything is claimed, so a stop during the
            # night leaves nothing in doubt, and a pause or cancel in the night is seen.
            await self.pacer.until_allowed()
            current = await self.db.read(broadcasts.get, broadcast_id)
            if current is None or current.status != "sending":
                break
            batch = await self.db.write(
                broadcasts.claim, broadcast_id, self._batch(), self._now(), tuple(self.outbounds)
            )
            if not batch:
                await self._finish(broadcast_id)
                break
            await self._send_batch(current, batch, gate)
            if self.on_progress and time.monotonic() - last_report >= self.progress_every:
                last_report = time.monotonic()
                await self._report(broadcast_id)
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

    async def _send_batch(
        self, broadcast: Broadcast, batch: list[Recipient], gate: asyncio.Semaphore
    ) -> None:
        """Send a claimed batch and record each outcome; if stopped part-way, record what
        ended, and put back in the queue whoever was not tried yet."""
        attempted: set[int] = set()
        results: list[Result] = []

        async def one(recipient: Recipient) -> None:
            async with gate:
                results.append(await self._deliver(broadcast, recipient, attempted))

        try:
            await asyncio.gather(*(one(r) for r in batch))
        except asyncio.CancelledError:
            done = {pid for pid, _, _ in results}
            untried = [r.participant_id for r in batch if r.participant_id not in attempted]
            await self.db.write(broadcasts.settle, broadcast.id, results, self._now())
            await self.db.write(
                broadcasts.requeue, broadcast.id, [p for p in untried if p not in done], self._now()
            )
            raise
        await self.db.write(broadcasts.settle, broadcast.id, results, self._now())

    def _apply_spread(self, broadcast: Broadcast, counts: dict[str, int]) -> None:
        remaining = counts.get("queued", 0)
        if broadcast.spread_hours and remaining:
            rate = max(remaining / (broadcast.spread_hours * 3600), 1e-4)
            self.spread = Pacer(
                rate, per_chat=0.0, monotonic=self.pacer.monotonic, sleep=self.pacer.sleep
            )

    async def _deliver(
        self, broadcast: Broadcast, recipient: Recipient, attempted: set[int] | None = None
    ) -> Result:
        pid = recipient.participant_id
        if recipient.stopped:
            return pid, "failed", "stopped"
        try:
            return await self._deliver_to(
                broadcast, recipient, attempted if attempted is not None else set()
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("broadcast %s: delivery to %s failed", broadcast.id, pid)
            return pid, "failed", f"{type(exc).__name__}"

    async def _deliver_to(
        self, broadcast: Broadcast, recipient: Recipient, attempted: set[int]
    ) -> Result:
        pid = recipient.participant_id
        try:
            messages = _split(await self.composer.compose(broadcast, recipient))
        except Exception as exc:
            log.exception("broadcast %s: could not compose for %s", broadcast.id, pid)
            return pid, "failed", f"compose: {type(exc).__name__}"
        for message in messages:
            failures = 0
            while True:
                if self.spread is not None:
                    await self.spread.turn(recipient.chat_id)
                try:
                    async with self.pacer.sending(recipient.chat_id):
                        attempted.add(pid)
                        await self.outbounds[recipient.channel].send(recipient.chat_id, message)
                    break
                except RateLimited as exc:
                    self.pacer.pause(exc.seconds)
                except Unreachable:
                    return pid, "unreachable", None
                except InDoubt:
                    # Sending it again could mean sending it twice.
                    return pid, "failed", "timed out: may have been delivered"
                except SendFailed as exc:
                    failures += 1
                    if failures >= self.max_attempts:
                        return pid, "failed", str(exc)[:200]
                    await self.sleep(self.backoff * 2 ** (failures - 1))
        return pid, "sent", None

    async def _report(self, broadcast_id: int) -> Progress | None:
        broadcast = await self.db.read(broadcasts.get, broadcast_id)
        if broadcast is None:
            return None
        counts = await self.db.read(broadcasts.counts, broadcast_id)
        queued = counts.get("queued", 0)
        rate = 1.0 / max(self.pacer.interval, self.spread.interval if self.spread else 0.0)
        progress = Progress.from_counts(
            broadcast_id, broadcast.status, counts, queued / rate if queued else 0.0
        )
        if self.on_progress is not None:
            try:
                await self.on_progress(broadcast, progress)
            except Exception:
                log.warning("broadcast %s: progress report failed", broadcast_id, exc_info=True)
        return progress


def _split(messages: list[OutMessage]) -> list[OutMessage]:
    """Long texts as several messages (buttons on the last), each paced on its own."""
    out: list[OutMessage] = []
    for message in messages:
        if message.photo is not None or len(message.text) <= MESSAGE_LIMIT:
            out.append(message)
            continue
        pieces = split_text(message.text)
        out += [OutMessage(p) for p in pieces[:-1]]
        out.append(OutMessage(pieces[-1], buttons=message.buttons))
    return out
