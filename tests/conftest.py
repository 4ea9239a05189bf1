"""Shared fixtures: a fixed clock, a fresh store, the shipped flows and catalogs."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.conversation import Conversation
from bot.engagement.hooks import Hooks
from bot.flows.registry import FlowRegistry, default_flows_dir
from bot.i18n.catalogs import Catalogs
from bot.store.engagement import Engagement
from bot.store.repository import Store

# As bot/telegram does: PTB's time periods as timedelta, without deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "1")

REPO = Path(__file__).resolve().parents[1]
FIXED_NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def fixed_clock() -> datetime:
    """Always the same moment, so stored times and transcripts are deterministic."""
    return FIXED_NOW


@pytest.fixture(scope="session")
def flows() -> FlowRegistry:
    return FlowRegistry.load([default_flows_dir()])


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "test.sqlite3")
    yield s
    await s.close()


@pytest.fixture
def conversation(store: Store, flows: FlowRegistry, catalogs: Catalogs) -> Conversation:
    return Conversation(
        store,
        flows,
        catalogs,
        clock=fixed_clock,
        organisation="Riverside Health Team",
        hooks=Hooks(Engagement(store)),
    )
