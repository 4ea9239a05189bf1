"""A real python-telegram-bot Application on the offline Bot API double, over HTTP."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from telegram import Chat, Message, Update

from bot.app import Core, open_core
from bot.config import Settings
from bot.flows.registry import default_flows_dir
from bot.telegram.application import build_application, start_services, stop_services
from bot.telegram.ordering import PerChatUpdateProcessor
from tests.conftest import CODE
from tgdouble import TEST_TOKEN, DoubleServer, FakeBotAPI, SentMessage, running

HERE = Path(__file__).parent
STAFF_ID = 9000


class CountingProcessor(PerChatUpdateProcessor):
    """The bot's own processor, counting updates in hand so tests know when it is done."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self.in_flight += 1
        try:
            await super().do_process_update(update, coroutine)
        finally:
            self.in_flight -= 1


def private_update(chat_id: int, number: int) -> Update:
    """Update `number`: a message in `chat_id`'s private chat (for the update processor)."""
    chat = Chat(chat_id, "private")
    return Update(number, message=Message(number, None, chat))  # type: ignore[arg-type]


@dataclass
class Running:
    """A started bot: its core, its Application and its processor."""

    core: Core
    app: Any
    processor: CountingProcessor

    def busy(self) -> bool:
        return self.processor.in_flight > 0 or not self.app.update_queue.empty()


@dataclass
class Harness:
    """The double, the running bot, and shortcuts to act as residents."""

    api: FakeBotAPI
    bot: Running
    db: Path

    @property
    def core(self) -> Core:
        return self.bot.core

    async def settle(self) -> None:
        """Wait until the bot has fetched and fully handled everything sent so far."""
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            await self.api.wait_idle(quiet=0.01, timeout=10)
            if not self.bot.busy() and not self.api.pending_updates:
                await asyncio.sleep(0.005)  # one more look: a handler may just be starting
                if not self.bot.busy() and not self.api.pending_updates:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the bot is still busy after 10 s")
            await asyncio.sleep(0.005)

    async def command(self, user: int, command: str, payload: str | None = None, **kw: Any) -> None:
        self.api.send_command(user, command, payload, **kw)
        await self.settle()

    async def text(self, user: int, text: str, **kw: Any) -> None:
        self.api.send_text(user, text, **kw)
        await self.settle()

    async def tap(self, user: int, label: str) -> None:
        self.api.tap(user, label)
        await self.settle()

    def texts(self, chat: int) -> list[str]:
        return [m.text or "" for m in self.api.sent(chat)]

    def asked(self, chat: int) -> str:
        """The last message's text: the question they are on, with the texts that led up to
        it before it (one message a second per chat, so a step is one message)."""
        return self.last(chat).text or ""

    def last(self, chat: int) -> SentMessage:
        message = self.api.last(chat)
        assert message is not None
        return message

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return list(conn.execute(sql, params))


def settings_for(
    server: DoubleServer,
    db: Path,
    flows: tuple[Path, ...] = (),
    organisation: str = "Riverside Health Team",
) -> Settings:
    env = {
        "BOT_TOKEN": TEST_TOKEN,
        "DATABASE_PATH": str(db),
        "TELEGRAM_API_BASE_URL": server.base_url,
        "ORGANISATION_NAME": organisation,
        "STAFF_TELEGRAM_IDS": str(STAFF_ID),
    }
    if flows:
        env["FLOWS_DIR"] = ":".join(str(f) for f in flows)
    # No quiet hours: the bot runs on the real clock here, and with the default 21:00-08:00
    # a broadcast would wait for the morning whenever the suite runs in the evening.
    # (Set on the settings, not as QUIET_HOURS="": from_env reads an empty value as unset.)
    # Replies in a chat a hundredth of a second apart rather than a second: the rule is the
    # same, and tests/faults checks it at its real length.
    return replace(Settings.from_env(env, dotenv=False), quiet_hours="", chat_spacing=0.01)


@asynccontextmanager
async def bot_running(
    server: DoubleServer, db: Path, organisation: str = "Riverside Health Team", **changed: Any
) -> AsyncIterator[Running]:
    """The whole bot as `run` starts it, on the double, with any settings `changed`; stopped
    and closed on exit."""
    settings = settings_for(server, db, (default_flows_dir(), HERE / "flows"), organisation)
    settings = replace(settings, **changed)
    async with open_core(settings, new_code=lambda: CODE) as core:
        processor = CountingProcessor()
        app = build_application(core, processor=processor)
        async with running(app, poll_interval=0.0, timeout=1):
            await start_services(app, core)
            try:
                yield Running(core, app, processor)
            finally:
                await stop_services(app)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    fake = FakeBotAPI()
    yield fake
    await fake.aclose()


@pytest.fixture
async def server(api: FakeBotAPI) -> AsyncIterator[DoubleServer]:
    async with DoubleServer(api) as srv:
        yield srv


@pytest.fixture
async def tg(api: FakeBotAPI, server: DoubleServer, tmp_path: Path) -> AsyncIterator[Harness]:
    db = tmp_path / "bot.sqlite3"
    async with bot_running(server, db) as bot:
        harness = Harness(api, bot, db)
        await harness.settle()
        yield harness
