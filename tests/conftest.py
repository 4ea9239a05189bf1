"""Shared fixtures: a fixed clock, a fresh database, the shipped flows and catalogs, a host and
a staff desk over them."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
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
from bot.store.db import Database

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
