"""At night the dashboard says when news will go, not that it goes at once: quiet hours hold
every message until morning, and staff confirming an action were told "as soon as you
close it"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import open_core
from bot.staff.actor import Role
from bot.store import broadcasts
from bot.store.broadcasts import Audience
from bot.web.server import Dashboard
from tests.conftest import CODE, STAFF, took_part
from tests.web.conftest import Clock, Web, web_settings

NIGHT = datetime.fromisoformat("2026-11-25T23:30:00+00:00")  # 23:30 in London
QUIET = "It is quiet hours, when nobody is messaged: sending starts at 08:00 (Europe/London)."


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Web]:
    clock = Clock(NIGHT)
    settings = web_settings(tmp_path, QUIET_HOURS="21:00-08:00", TIMEZONE="Europe/London")
    async with open_core(settings, clock=clock, new_code=lambda: CODE) as core:
        await core.desk.seed_demo(STAFF)
        dashboard = Dashboard(core)
        async with TestClient(TestServer(dashboard.application())) as client:
            yield Web(core, dashboard, client, clock)


async def test_closing_a_round_at_night_says_sending_starts_in_the_morning(web: Web) -> None:
    await web.sign_in(Role.STAFF, "bryn")
    [(label,)] = await web.rows(
        "SELECT json_extract(label, '$.en') FROM topics WHERE round_id = 1 LIMIT 1"
    )
    await web.core.db.write(took_part, 1, [[label]] * 6)
    page = await (await web.client.get("/rounds/1/close")).text()
    assert QUIET in page and "as soon as" not in page
    web.clock.move(hours=10)  # 09:30
    await web.sign_in(Role.STAFF, "bryn")  # a new day, a new session
    page = await (await web.client.get("/rounds/1/close")).text()
    assert "Sending starts as soon as you close it." in page and "quiet hours" not in page


async def test_a_broadcast_sending_at_night_says_when_it_goes_on(web: Web) -> None:
    await web.sign_in(Role.STAFF, "bryn")
    going = await web.core.db.write(
        lambda conn: broadcasts.create(
            conn, "staff", Audience("everyone"), {"texts": {"en": "Hi"}}, NIGHT.isoformat()
        )
    )
    await web.core.db.write(
        lambda conn: conn.execute("UPDATE broadcasts SET status = 'sending' WHERE id = ?", (going,))
    )
    page = await (await web.client.get(f"/broadcasts/{going}")).text()
    assert (
        '<p class="note">It is quiet hours, when nobody is messaged: sending goes on at '
        "08:00 (Europe/London).</p>"
    ) in page
    web.clock.move(hours=10)
    await web.sign_in(Role.STAFF, "bryn")
    assert "quiet hours" not in await (await web.client.get(f"/broadcasts/{going}")).text()
