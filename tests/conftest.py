"""Shared fixtures: a fixed clock, a fresh database, the shipped flows and catalogs, a host and
a staff desk over them; residents taking part in a round, and rating a measure."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.config import Settings
from bot.flows.registry import default_flows_dir
from bot.host.checks import load_library
from bot.host.hooks import registry
from bot.host.host import Host
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from bot.i18n.catalogs import Catalogs
from bot.jobs.artwork import MatplotlibArtwork
from bot.staff.actor import Actor, Role
from bot.staff.desk import StaffDesk
from bot.store.db import Database, Tx

# As bot/telegram does: PTB's time periods as timedelta, without deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "1")

REPO = Path(__file__).resolve().parents[1]
FIXED_NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
STAFF = Actor("test:staff", Role.ADMIN, "test")
CODE = "c-transcript-code"  # champions' referral code in tests


def fixed_clock() -> datetime:
    """Always the same moment, so stored times and transcripts are deterministic."""
    return FIXED_NOW


@pytest.fixture(scope="session")
def hooks() -> Registry:
    return registry(lambda: CODE)


@pytest.fixture(scope="session")
def flows(hooks: Registry) -> FlowLibrary:
    return load_library([default_flows_dir()], hooks)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.sqlite3")
    yield database
    await database.close()


def make_host(db: Database, flows: FlowLibrary, catalogs: Catalogs, hooks: Registry) -> Host:
    """The host as the bot builds it, on a fixed clock."""
    return Host(
        db,
        flows,
        catalogs,
        hooks,
        clock=fixed_clock,
        organisation="Riverside Health Team",
        artwork=MatplotlibArtwork(catalogs),
    )


@pytest.fixture
def host(db: Database, flows: FlowLibrary, catalogs: Catalogs, hooks: Registry) -> Host:
    return make_host(db, flows, catalogs, hooks)


@pytest.fixture
def desk(db: Database) -> StaffDesk:
    return StaffDesk(db, fixed_clock)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    """The whole bot's core, as `make run` opens it, on a fresh database under tmp_path/data
    (no quiet hours, so news goes out whenever a test runs)."""
    settings = Settings.from_env(
        {"DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"), "QUIET_HOURS": ""},
        dotenv=False,
    )
    async with open_core(settings, new_code=lambda: CODE) as opened:
        yield opened


def took_part(conn: Tx, round_id: int, people: list[list[str]], area: str | None = None) -> None:
    """One resident (of `area`) per list of the round's topic labels, chosen in that order."""
    topic = {
        label: topic_id
        for topic_id, label in conn.execute(
            "SELECT id, json_extract(label, '$.en') FROM topics WHERE round_id = ?", (round_id,)
        )
    }
    now = FIXED_NOW.isoformat()
    for n, labels in enumerate(people):
        name = f"{area or 'resident'}-{round_id}-{n}"
        person = conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, area, consent_at, "
            "created_at) VALUES ('console', ?, ?, ?, ?, ?) RETURNING id",
            (name, name, area, now, now),
        ).fetchone()[0]
        submission = conn.execute(
            "INSERT INTO priority_submissions (participant_id, round_id, submitted_at, "
            "updated_at) VALUES (?, ?, ?, ?) RETURNING id",
            (person, round_id, now, now),
        ).fetchone()[0]
        conn.executemany(
            "INSERT INTO priority_choices (submission_id, participant_id, round_id, topic_id, "
            "rank) VALUES (?, ?, ?, ?, ?)",
            [(submission, person, round_id, topic[t], rank) for rank, t in enumerate(labels, 1)],
        )


def rated(conn: Tx, initiative_id: int, measure_id: int, ratings: list[tuple[str, int]]) -> None:
    """One resident per (check-in period, stars) in `ratings`, who rated the measure so."""
    now = FIXED_NOW.isoformat()
    for n, (period, stars) in enumerate(ratings):
        name = f"rater-{initiative_id}-{measure_id}-{n}"
        person = conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, consent_at, "
            "created_at) VALUES ('console', ?, ?, ?, ?) RETURNING id",
            (name, name, now, now),
        ).fetchone()[0]
        evaluation = conn.execute(
            "INSERT INTO evaluations (participant_id, initiative_id, period, created_at) "
            "VALUES (?, ?, ?, ?) RETURNING id",
            (person, initiative_id, period, f"{period}T10:00:00+00:00"),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO evaluation_ratings (evaluation_id, participant_id, measure_id, rating) "
            "VALUES (?, ?, ?, ?)",
            (evaluation, person, measure_id, stars),
        )


CliRun = Callable[..., str]


@pytest.fixture
def demo_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> CliRun:
    """`community-voice` run in-process on a demo database in `tmp_path`: run("admin", ...)
    gives what it printed, asserting its exit code (`code=`, 0 by default)."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env of the developer's; default files land here
    for name in ("BOT_TOKEN", "BOT_USERNAME", "QUIET_HOURS", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))

    def run(*args: str, code: int = 0) -> str:
        got = main(list(args))
        captured = capsys.readouterr()
        out = (captured.out + captured.err).strip()
        assert got == code, out
        return out

    assert "Demo ready" in run("seed-demo")  # initiative 1 is active, 2 planned
    return run
