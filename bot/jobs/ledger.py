"""The sender's writes to the delivery ledger, a few recipients at a time.

Before a recipient's request goes out, the ledger must say "sending" (committed), so a crash
can leave in doubt only requests that may really have reached Telegram. Committing that for
each recipient alone would cost a transaction each: instead the marks of every recipient about
to be sent in the next few milliseconds go into one transaction, and each of them waits for
it. Outcomes (sent, failed, unreachable) are written the same way, without anyone waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.store import broadcasts, participants
from bot.store.db import Database, Tx

Result = tuple[int, str, str | None]

# How long marks wait for company before they are written: short against Telegram's answer
# time, long enough to gather a few dozen recipients at 1000 a second.
GATHER_SECONDS = 0.01


class Ledger:
    """Group-commits one broadcast's ledger changes."""

    def __init__(
        self,
        db: Database,
        broadcast_id: int,
        clock: Callable[[], datetime],
        gather: float = GATHER_SECONDS,
    ) -> None:
        self.db = db
        self.broadcast_id = broadcast_id
        self.clock = clock
        self.gather = gather
        self._attempts: list[int] = []
        self._results: list[Result] = []
        self._asked: list[tuple[int, str]] = []
        self._written: asyncio.Future[None] | None = None
        self._flusher: asyncio.Task[None] | None = None

    async def attempting(self, participant_id: int) -> None:
        """Return once the recipient is recorded as being sent to (their request may go)."""
        self._attempts.append(participant_id)
        written = self._schedule()
        await asyncio.shield(written)

    def asked(self, participant_id: int, question: str) -> None:
        """Record that the message sent asked a host question (typed words may answer it)."""
        self._asked.append((participant_id, question))
        self._schedule()

    def settled(self, result: Result) -> None:
        """Record an outcome (written with the next group)."""
        self._results.append(result)
        self._schedule()

    async def flush(self) -> None:
        """Write everything pending now."""
        if self._flusher is not None:
            await asyncio.shield(self._flusher)
        if self._attempts or self._results or self._asked:
            await self._write()

    def _schedule(self) -> asyncio.Future[None]:
        if self._written is None:
            loop = asyncio.get_running_loop()
            self._written = loop.create_future()
            self._flusher = asyncio.ensure_future(self._flush_soon())
        return self._written

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.gather)
        await self._write()

    async def _write(self) -> None:
        attempts, self._attempts = self._attempts, []
        results, self._results = self._results, []
        asked, self._asked = self._asked, []
        written, self._written = self._written, None
        self._flusher = None
        try:
            await self.db.write(self._apply, attempts, results, asked, self.clock().isoformat())
        except BaseException as exc:
            if written is not None and not written.done():
                written.set_exception(exc)
            raise
        if written is not None and not written.done():
            written.set_result(None)

    def _apply(
        self,
        conn: Tx,
        attempts: list[int],
        results: list[Result],
        asked: list[tuple[int, str]],
        now: str,
    ) -> None:
        broadcasts.attempting(conn, self.broadcast_id, attempts, now)
        broadcasts.settle(conn, self.broadcast_id, results, now)
        participants.asked(conn, asked, now)
