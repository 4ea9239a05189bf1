"""Runs one broadcast's sender against a Bot API server, in a process of its own (so a test
can kill it mid-send, and a benchmark can measure it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
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


def peak_rss_kib() -> int:
    """This process's peak RSS in KiB since it started running Python.

    Linux's ru_maxrss carries over the parent's RSS from fork (or vfork) across exec, so a
    worker started by a big parent would report the parent's size; VmHWM is this program's own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def report_usage(path: Path) -> None:
    """Write this process's peak RSS (KiB) and CPU seconds (every thread) to `path`."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    path.write_text(
        json.dumps({"max_rss_kib": peak_rss_kib(), "cpu_s": usage.ru_utime + usage.ru_stime})
    )


def main() -> None:
    """Command line: --db --base-url --broadcast --rate [--paid] [--report-rss FILE]."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--broadcast", type=int, required=True)
    parser.add_argument("--rate", type=float, default=30)
    parser.add_argument("--paid", action="store_true")
    parser.add_argument("--report-rss", type=Path, metavar="FILE")
    args = parser.parse_args()
    asyncio.run(run(args.db, args.base_url, args.broadcast, args.rate, args.paid))
    if args.report_rss is not None:
        report_usage(args.report_rss)


if __name__ == "__main__":
    main()
