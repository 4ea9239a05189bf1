"""Broadcasts to residents of the terminal simulator: into their inbox, charts as files.

The same ledger, pacing and at-most-once rules as Telegram (the sender does not know the
difference); the simulator shows the inbox at once when the resident's chat is open, and
otherwise the next time they open it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.jobs.outbound import OutMessage, Unreachable
from bot.store import inbox
from bot.store.db import Database


class ConsoleOutbound:
    """Delivers to simulator residents; `charts` is the folder chart images are written to."""

    def __init__(self, db: Database, charts: Path, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.charts = charts
        self.clock = clock

    async def send(self, chat_id: str, message: OutMessage) -> None:
        """Leave the message in the resident's inbox."""
        path = self._save_chart(message.photo) if message.photo is not None else None
        delivered = await self.db.write(
            inbox.deliver, chat_id, message.text, path, message.buttons, self.clock().isoformat()
        )
        if not delivered:
            raise Unreachable(chat_id)

    def _save_chart(self, png: bytes) -> str:
        # Named by content: the same chart for many residents is one file.
        path = self.charts / f"chart-{hashlib.sha256(png).hexdigest()[:16]}.png"
        if not path.exists():
            self.charts.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
        return str(path)
