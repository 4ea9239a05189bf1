"""A clean stop of the real bot process: one line in the log, exit code 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.config import Settings
from bot.telegram import runner
from tgdouble import TEST_TOKEN, DoubleServer, FakeBotAPI


async def test_sigterm_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    api = FakeBotAPI()
    async with DoubleServer(api) as server:
        env = {
            **os.environ,
            "BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "LOG_LEVEL": "INFO",
        }
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert bot.stderr is not None
        while b"polling Telegram as" not in await asyncio.wait_for(bot.stderr.readline(), 60):
            pass
        await asyncio.sleep(0.5)  # a long poll is open now
        bot.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(bot.stderr.read(), 30)).decode()
        assert await bot.wait() == 0
    lines = rest.splitlines()
    assert len(lines) == 1 and lines[0].endswith("INFO bot.telegram.runner: stopped cleanly"), rest


async def test_a_failure_while_serving_is_reported_as_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not PTB's "This Application is still running!", which hid it when the dashboard could
    # not be imported.
    @asynccontextmanager
    async def broken(*args: object) -> AsyncIterator[str | None]:
        raise ModuleNotFoundError("No module named 'jinja2'")
        yield None

    monkeypatch.setattr(runner, "dashboard", broken)
    async with DoubleServer(FakeBotAPI()) as server:
        settings = Settings.from_env(
            {
                "BOT_TOKEN": TEST_TOKEN,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            },
            dotenv=False,
        )
        with pytest.raises(ModuleNotFoundError, match="jinja2"):
            await asyncio.wait_for(runner.serve(settings, asyncio.Event()), 60)
