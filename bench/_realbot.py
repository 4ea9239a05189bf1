"""The real bot in a process of its own, on a scale fixture, for bench/broadcast.py and
bench/delete.py: the database made ready, the process started with its settings in the
environment (as an operator would run it), its memory sampled, staff commands run beside it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import fixture
from bot.jobs.scheduler import Jobs, JobSettings
from bot.store import broadcasts
from bot.store.db import Database
from tgdouble import TEST_TOKEN

ROOT = Path(__file__).resolve().parent.parent
NEVER = "36500d"  # REMINDER_AFTER: no reminders to the fixture's 10,000 stale sessions
MB = 1024 * 1024


class BenchError(Exception):
    """The benchmark could not measure what it set out to (not a missed target)."""


async def build_fixture(folder: Path, participants: int) -> Path:
    """The scale fixture (bench/fixture.py), built once into `folder`, then reused."""
    path = folder / f"fixture-{participants}.sqlite3"
    if not path.exists():
        await asyncio.to_thread(fixture.build, path, participants)
    return path


def copy_database(source: Path, target: Path) -> Path:
    """A fresh copy of a built database for one run."""
    shutil.copyfile(source, target)
    return target


class _Idle:
    """A sender that sends nothing (quiet_chores only starts what is due)."""

    async def run(self, broadcast_id: int) -> None:
        return None


async def quiet_chores(path: Path) -> list[str]:
    """Do, once, the scheduled work the fixture's dates make due (evaluation and champion
    check-ins), and cancel what it queued, so that the bot under test sends only what the
    benchmark asks for. Reminders are off through REMINDER_AFTER (see bot_env). Returns what
    was cancelled, as "kind to audience" strings."""
    db = await Database.open(path)
    try:
        jobs = Jobs(
            db,
            _Idle,  # type: ignore[arg-type]
            settings=JobSettings(reminder_after=timedelta(days=36500)),
        )
        await jobs.sweep()
        await jobs.stop()
        due = await db.read(broadcasts.with_status, "scheduled", "sending", "paused")
        for found in due:
            await db.write(broadcasts.set_status, found.id, "cancelled", "2000-01-01T00:00:00")
        return [f"{found.kind} to {found.audience.type}" for found in due]
    finally:
        await db.close()


def bot_env(
    database: Path,
    base_url: str,
    *,
    rate: float = 30.0,
    paid: bool = False,
    sweep_seconds: float = 1.0,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment the bot runs with: the operator's settings, and nothing else's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONHASHSEED", "BOT_API_KEEPALIVE")
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "DATABASE_PATH": str(database),
            "QUIET_HOURS": "",  # empty: no quiet hours
            "BROADCAST_RATE": f"{rate:g}",
            "PAID_BROADCAST": "true" if paid else "false",
            "SWEEP_SECONDS": f"{sweep_seconds:g}",
            "REMINDER_AFTER": NEVER,
            "ORGANISATION_NAME": "Riverside Health Team",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


async def cli(
    env: Mapping[str, str],
    workdir: Path,
    *args: str,
    stats: Path | None = None,
    timeout: float = 300,  # noqa: ASYNC109
) -> str:
    """Run `python -m bot.cli ARGS` as staff would; its output (BenchError if it failed).
    With `stats`, through bench._bot_process's hooks, which write their JSON there."""
    command = [sys.executable, "-m", "bot.cli"]
    if stats is not None:
        command = [sys.executable, "-m", "bench._bot_process", "--kind", "cli"]
        command += ["--stats", str(stats), "--"]
    process = await asyncio.create_subprocess_exec(
        *command,
        *args,
        cwd=workdir,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(timeout):
            out, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise BenchError(f"bot.cli {' '.join(args)} did not finish within {timeout:g} s") from None
    text = out.decode(errors="replace")
    if process.returncode != 0:
        raise BenchError(f"bot.cli {' '.join(args)} exited with {process.returncode}:\n{text}")
    return text


def rss_kib(pid: int) -> int | None:
    """VmRSS of process `pid` in KiB (None once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def system_busy() -> float:
    """CPU seconds every CPU of the machine has spent busy since boot (Linux; NaN otherwise)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used (Linux; NaN otherwise)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class BotProcess:
    """`python -m bot.cli run`, or the same through bench._bot_process's hooks (`stats`)."""

    env: dict[str, str]
    workdir: Path
    log: Path
    stats: Path | None = None  # with the measurement hooks: where they write their JSON
    process: asyncio.subprocess.Process | None = None
    rss: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, KiB), every 100 ms
    _sampler: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        """Start the bot, and sample its RSS every 100 ms from now on."""
        if self.stats is None:
            command = [sys.executable, "-m", "bot.cli", "run"]
        else:
            command = [sys.executable, "-m", "bench._bot_process", "--kind", "cli"]
            command += ["--stats", str(self.stats), "--", "run"]
        with self.log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                *command,
                cwd=self.workdir,  # no .env but ours
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        self._sampler = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            kib = rss_kib(self.pid)
            if kib is None:
                return
            self.rss.append((time.monotonic(), kib))
            await asyncio.sleep(0.1)

    def check_alive(self) -> None:
        """BenchError (with the log's tail) if the bot has exited."""
        assert self.process is not None
        if self.process.returncode is not None:
            raise BenchError(f"the bot exited with {self.process.returncode}:\n{self.tail()}")

    async def stop(self) -> int:
        """SIGTERM, as a service manager would; kill after 60 s. The exit code."""
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(60):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._sampler is not None:
            self._sampler.cancel()
            await asyncio.gather(self._sampler, return_exceptions=True)
        return self.process.returncode or 0

    def rss_between(self, start: float, end: float) -> list[int]:
        """RSS samples (KiB) taken between two monotonic times."""
        return [kib for at, kib in self.rss if start <= at <= end]

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def problems(self) -> list[str]:
        """Warnings and errors the bot logged."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return []
        return [
            line
            for line in text.splitlines()
            if line.split(" ", 1)[0] in ("WARNING", "ERROR", "CRITICAL")
            or " WARNING " in line
            or " ERROR " in line
        ]


def residents(
    path: Path, count: int, *, outside_round: int | None = None, first_id: int = 0
) -> list[tuple[int, int]]:
    """(participant id, chat id) of `count` English-speaking fixture residents who can be
    sent news; with `outside_round`, only those who did not take part in that round (so they
    get no results). Spread over the id range, deterministically."""
    if count <= 0:  # a broadcast with nobody tapping meanwhile (--residents 0)
        return []
    query = (
        "SELECT id, chat_id FROM participants p WHERE locale = 'en' AND consent_at IS NOT NULL "
        "AND opted_out_at IS NULL AND unreachable_at IS NULL AND id > ?"
    )
    params: list[Any] = [first_id]
    if outside_round is not None:
        query += (
            " AND NOT EXISTS (SELECT 1 FROM priority_submissions ps WHERE "
            "ps.participant_id = p.id AND ps.round_id = ?)"
        )
        params.append(outside_round)
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(query + " ORDER BY id", params).fetchall()
    if len(rows) < count:
        raise BenchError(f"only {len(rows)} fixture residents fit, {count} wanted")
    step = len(rows) // count
    return [(int(rows[i * step][0]), int(rows[i * step][1])) for i in range(count)]


def read_one(path: Path, query: str, params: Sequence[Any] = ()) -> Any:
    """One value from the database (read-only, beside the running bot)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as conn:
        row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]
