"""The terminal simulator runs the same scheduled work as the Telegram bot: a round closes and
its results reach the simulator resident, with the chart written to a file."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Core, Services, open_core
from bot.config import Settings
from bot.console.simulator import Simulator
from bot.host.steps import Who
from bot.store import rounds
from tests.conftest import CODE, STAFF

AMINA = Who("console", "amina", "amina", "en")


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings.from_env(
        {"DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"), "QUIET_HOURS": ""},
        dotenv=False,
    )
    async with open_core(settings, new_code=lambda: CODE) as opened:
        yield opened


async def _answer(simulator: Simulator, *lines: str) -> None:
    for line in lines:
        await simulator.feed(line)


async def test_a_closed_rounds_results_reach_the_simulator_resident(
    core: Core, tmp_path: Path
) -> None:
    closes = (core.clock() + timedelta(days=3)).date().isoformat()
    round_id = await core.desk.open_round(STAFF, closes)
    out = io.StringIO()
    simulator = Simulator(core.host, AMINA, out)
    await simulator.start()
    # Consent, no area, no questions about themselves, then the priorities: two topics,
    # in order, nothing else, send.
    await _answer(simulator, "1", "s", "2", "1", "1", "3", "d", "2", "2", "1")
    chosen = await core.db.read(rounds.choices, 1, round_id)
    assert len(chosen) == 2

    services = Services(core, {})
    await core.desk.close_round(STAFF, round_id)
    await services.jobs.sweep()
    await asyncio.gather(*services.jobs.running.values())  # everything due has gone out
    out.seek(0)
    out.truncate()
    assert await simulator.show_inbox()
    shown = out.getvalue()
    assert "The question has closed. Here is what 1 person chose:" in shown
    assert "[chart: " in shown
    chart = Path(shown.split("[chart: ", 1)[1].split("]", 1)[0])
    assert chart.is_file() and chart.read_bytes().startswith(b"\x89PNG")
    assert chart.parent == tmp_path / "data" / "charts"
    # Shown once: the inbox is empty now.
    assert not await simulator.show_inbox()
