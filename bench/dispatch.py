"""How long python-telegram-bot takes to find an update's handler in our Application.

    .venv/bin/python bench/dispatch.py [--repeat 20000]

PTB offers each update to the handlers of each group in turn, calling `check_update` until one
takes it; that search runs on the event loop for every update, before any of our own work.
This builds the bot's real Application (`build_application`, on a scratch database; nothing
is sent anywhere), makes the updates a resident and a staff member send (from the offline
double, parsed as PTB parses them), and times the search alone for each: the mean of
--repeat searches, best of five. It also prints how many handlers each search asked. No
target of its own: it shows what the number of handlers costs (bench/README.md, "Finding an
update's handler"). Exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, BaseHandler

from bot.app import open_core
from bot.config import Settings
from bot.telegram.application import build_application
from tgdouble import DoubleServer, FakeBotAPI

TOKEN = "123456:bench-dispatch"
RESIDENT, STAFF = 1001, 9000


def updates(api: FakeBotAPI) -> dict[str, dict[str, Any]]:
    """The kinds of update measured, as the double would deliver them."""
    message = api.send_text(RESIDENT, "Riverside")
    return {
        "a button tapped": api.press(RESIDENT, message["message"]["message_id"], "v1:1:x:yes"),
        "a typed answer": message,
        "/start": api.send_command(RESIDENT, "start"),
        "/privacy (a resident's command)": api.send_command(RESIDENT, "privacy"),
        "/rounds (a staff command)": api.send_command(STAFF, "rounds"),
    }


def search(app: Application, update: Update) -> int:  # type: ignore[type-arg]
    """PTB's own search (Application.process_update): the handlers asked, in order, until
    one in each group takes the update (group -1 lets a resident's private update through)."""
    asked = 0
    for group in sorted(app.handlers):
        handler: BaseHandler  # type: ignore[type-arg]
        for handler in app.handlers[group]:
            asked += 1
            check = handler.check_update(update)
            if check is not None and check is not False:
                break
    return asked


def timed(app: Application, update: Update, repeat: int) -> float:  # type: ignore[type-arg]
    """Mean seconds a search, best of five rounds of `repeat`."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            search(app, update)
        best = min(best, (time.perf_counter() - started) / repeat)
    return best


async def run(repeat: int) -> list[str]:
    api = FakeBotAPI()
    with tempfile.TemporaryDirectory(prefix="cv-dispatch-") as tmp:
        async with DoubleServer(api) as server:
            env = {
                "BOT_TOKEN": TOKEN,
                "DATABASE_PATH": str(Path(tmp) / "bot.sqlite3"),
                "TELEGRAM_API_BASE_URL": server.base_url,
                "STAFF_TELEGRAM_IDS": str(STAFF),
            }
            async with open_core(Settings.from_env(env, dotenv=False)) as core:
                app = build_application(core)
                await app.bot.initialize()  # getMe, from the double: commands name the bot
                try:
                    handlers = sum(map(len, app.handlers.values()))
                    lines = [
                        f"Finding an update's handler in our Application ({handlers} handlers "
                        f"in {len(app.handlers)} groups): mean of {repeat} searches, best of 5",
                    ]
                    for kind, data in updates(api).items():
                        update = Update.de_json(data, app.bot)
                        asked = search(app, update)
                        took = timed(app, update, repeat) * 1e6
                        lines.append(f"{kind:<34}{took:7.2f} µs, {asked} handlers asked")
                finally:
                    await app.bot.shutdown()
    await api.aclose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20_000, help="searches a measurement (20000)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    print("\n".join(asyncio.run(run(args.repeat))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
