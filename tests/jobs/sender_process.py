"""Runs one broadcast's sender against a Bot API server in a process of its own, so a test can
kill it mid-send (tests/jobs/test_crash_resume.py)."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import Bot

from bot.i18n.catalogs import Catalogs
from bot.jobs.compose import BroadcastComposer
from bot.jobs.pacing import Pacer
from bot.jobs.sender import BroadcastSender
from bot.store.db import Database
from bot.telegram.http import AiohttpRequest
from bot.telegram.outbound import TelegramOutbound
from tgdouble import TEST_TOKEN


async def run(db: Path, base_url: str, broadcast_id: int, rate: float, paid: bool) -> None:
    """Send the broadcast to its end."""
    database = await Database.open(db)
    bot = Bot(TEST_TOKEN, base_url=base_url, request=AiohttpRequest(connection_limit=128))
    try:
        async with bot:
            sender = BroadcastSender(
                database,
                BroadcastComposer(database, Catalogs()),
                {"telegram": TelegramOutbound(bot, paid=paid)},
                Pacer(rate),
                clock=lambda: datetime.now(UTC),
            )
            await sender.run(broadcast_id)
    finally:
        await database.close()


def main() -> None:
    """Command line: --db --base-url --broadcast --rate [--paid]."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--broadcast", type=int, required=True)
    parser.add_argument("--rate", type=float, default=30)
    parser.add_argument("--paid", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.db, args.base_url, args.broadcast, args.rate, args.paid))


if __name__ == "__main__":
    main()
