"""What python-telegram-bot does with an update before any work of the bot's own: parse it,
and find its handler in our Application.

    .venv/bin/python bench/dispatch.py [--repeat 20000]

This builds the bot's real Application (`build_application`, on a scratch database; getMe
from the offline double, nothing else sent) and makes the updates a resident and a staff
member send, as the double delivers them in an answer to getUpdates (a press carrying the
whole message its button was on). For each kind it times, as the mean of --repeat, best of
five:

- **parse**: PTB's own (json.loads, then `Update.de_json`) against ours, through the request
  getUpdates goes by (`bot/telegram/http.py`'s `UpdatesRequest`, which leaves out a pressed
  message's keyboard first);
- **search**: PTB's offer of the update to each handler in turn until one takes it
  (`Application.process_update`), and how many handlers it asked.

No target of its own: it shows what the number of handlers and the keyboards cost
(bench/README.md, "What PTB does with an update"). Exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot, Update
from telegram.ext import Application, BaseHandler
from telegram.request import BaseRequest

from bot.app import open_core
from bot.config import Settings
from bot.telegram.application import build_application
from bot.telegram.http import UpdatesRequest
from tgdouble import DoubleServer, FakeBotAPI

TOKEN = "123456:bench-dispatch"
RESIDENT, STAFF = 1001, 9000


async def updates(api: FakeBotAPI) -> dict[str, dict[str, Any]]:
    """The kinds of update measured, as the double would deliver them."""
    kinds: dict[str, dict[str, Any]] = {}
    for buttons in (3, 11):  # the consent question's; a priorities question's
        keyboard = [
            [{"text": f"Option {n}", "callback_data": f"v1:1:pick:o{n}"}] for n in range(buttons)
        ]
        params: dict[str, Any] = {"chat_id": RESIDENT, "text": "Which matters most? " * 3}
        _, sent = await api.call(
            "sendMessage", params | {"reply_markup": {"inline_keyboard": keyboard}}
        )
        pressed = api.press(RESIDENT, sent["result"]["message_id"], "v1:1:pick:o1")
        kinds[f"a tap ({buttons} buttons on its message)"] = pressed
    kinds["a typed answer"] = api.send_text(RESIDENT, "Riverside")
    kinds["/start"] = api.send_command(RESIDENT, "start")
    kinds["/privacy (a resident's command)"] = api.send_command(RESIDENT, "privacy")
    kinds["/rounds (a staff command)"] = api.send_command(STAFF, "rounds")
    return kinds


def parse(payload: bytes, bot: Bot, request: BaseRequest | type[BaseRequest]) -> Update:
    """A getUpdates answer's one update, parsed by `request`'s JSON parse and PTB."""
    [update] = Update.de_list(request.parse_json_payload(payload)["result"], bot)
    return update


def mean_of(repeat: int, work: Callable[[], object]) -> float:
    """Mean seconds of `work()`, best of five rounds of `repeat`."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            work()
        best = min(best, (time.perf_counter() - started) / repeat)
    return best


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
                        f"What PTB does with an update before the bot's own work, in our "
                        f"Application ({handlers} handlers in {len(app.handlers)} groups): "
                        f"mean of {repeat}, best of 5",
                        f"{'update':<36}{'parse: PTB':>13}{'ours':>12}{'search':>11}"
                        "  handlers asked",
                    ]
                    getting = UpdatesRequest()
                    for kind, data in (await updates(api)).items():
                        payload = json.dumps({"ok": True, "result": [data]}).encode()
                        plain, ours = (
                            mean_of(repeat, partial(parse, payload, app.bot, request)) * 1e6
                            for request in (BaseRequest, getting)
                        )
                        update = parse(payload, app.bot, getting)
                        asked = search(app, update)
                        took = mean_of(repeat, partial(search, app, update)) * 1e6
                        lines.append(
                            f"{kind:<36}{plain:10.2f} µs{ours:9.2f} µs{took:8.2f} µs  {asked}"
                        )
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
