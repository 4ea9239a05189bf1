"""The real bot, `community-voice run`, in a process of its own against the Bot API double."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO
from tgdouble import DoubleServer, FakeBotAPI

# A token of the double's shape whose secret half is long and distinctive, so that any trace
# of it in the output (whole, URL-encoded, or its secret alone) is found.
TOKEN = "999000:FAULTS-secret-Tq7vX2mK9pLw3RzY8nB"
STAFF_ID = 9000
# Bot output that means something went unhandled.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Task exception was never retrieved")


@dataclass
class BotProcess:
    """One bot process at a time, started again on the same database after each kill."""

    server: DoubleServer
    folder: Path
    settings: dict[str, str] = field(default_factory=dict)
    starts: int = 0
    process: asyncio.subprocess.Process | None = None
    _since: int = 0  # where in the log this run's output begins

    @property
    def api(self) -> FakeBotAPI:
        return self.server.api

    @property
    def db(self) -> Path:
        return self.folder / "bot.sqlite3"

    @property
    def log(self) -> Path:
        return self.folder / "bot.log"

    def env(self) -> dict[str, str]:
        """The process environment: ours, less anything that would change the bot."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
        env.update(
            {
                "PYTHONPATH": str(REPO),
                "BOT_TOKEN": TOKEN,
                "DATABASE_PATH": str(self.db),
                "TELEGRAM_API_BASE_URL": self.server.base_url,
                "STAFF_TELEGRAM_IDS": str(STAFF_ID),
                "ORGANISATION_NAME": "Riverside Health Team",
                "LOG_LEVEL": "DEBUG",  # the token must not appear at any level
                "QUIET_HOURS": "",
                "SWEEP_SECONDS": "1",
            }
        )
        env.update(self.settings)
        return env

    async def start(self, *, ready: bool = True) -> None:
        """Start the bot; with `ready`, return once it polls Telegram."""
        polls = len(self.api.calls("getUpdates"))
        self.starts += 1
        self._since = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                cwd=self.folder,  # no .env of the repository's
                env=self.env(),
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        if ready:
            await self.api.wait_for(
                lambda: len(self.api.calls("getUpdates")) > polls,
                timeout=30,
                message="the bot polling",
            )

    async def kill(self) -> None:
        """kill -9: no clean-up of any kind, as in a crash or a power cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        """SIGTERM, as a supervisor stops it; the exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            await self.kill()  # a bot that does not stop is a finding, not a hung suite
            return -1

    async def exited(self, timeout: float) -> int | None:  # noqa: ASYNC109
        """The exit code, if the bot ends by itself within `timeout` seconds."""
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            return None

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace") if self.log.exists() else ""

    def this_run(self) -> str:
        """The output of the process started last."""
        with self.log.open("rb") as log:
            log.seek(self._since)
            return log.read().decode("utf-8", "replace")

    def tracebacks(self) -> int:
        return len(TRACEBACK.findall(self.output()))
