"""The dashboard over aiohttp's test client: a core on a clock the test can move, demo data,
and signing in as a given role the way staff do (a one-time link, then its button)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import Core, open_core
from bot.config import Settings
from bot.staff.actor import Actor, Role
from bot.web.server import COOKIE, Dashboard
from tests.conftest import CODE, FIXED_NOW, STAFF

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Clock:
    """The core's clock: fixed, moved on by the test."""

    now: datetime = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Web:
    """A dashboard, its test client, and what the test needs to act as staff."""

    core: Core
    dashboard: Dashboard
    client: TestClient  # type: ignore[type-arg]
    clock: Clock
    csrf: dict[str, str] = field(default_factory=dict)

    async def link(self, role: Role = Role.ADMIN, name: str = "amina") -> str:
        """A fresh one-time sign-in token, as `dashboard-link --as NAME` makes one."""
        made = await self.dashboard.door.link_for_operator(STAFF, name, role)
        return made.token

    async def sign_in(self, role: Role = Role.ADMIN, name: str = "amina") -> str:
        """Sign in (the client keeps the cookie); returns the form token of the session."""
        token = await self.link(role, name)
        response = await self.client.post(f"/login/{token}", allow_redirects=False)
        assert response.status == 303, await response.text()
        page = await self.client.get("/")
        found = CSRF.search(await page.text())
        assert found is not None
        return found.group(1)

    def cookie(self) -> str:
        """The session cookie the browser holds."""
        jar = {c.key: c.value for c in self.client.session.cookie_jar}
        return jar[COOKIE]

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows read through the bot's own database."""
        return await self.core.db.read(
            lambda conn: [tuple(r) for r in conn.execute(sql, params).fetchall()]
        )


def web_settings(tmp_path: Path, **extra: str) -> Settings:
    env = {"DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"), "QUIET_HOURS": "", **extra}
    return Settings.from_env(env, dotenv=False)


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Web]:
    clock = Clock()
    async with open_core(web_settings(tmp_path), clock=clock, new_code=lambda: CODE) as core:
        await core.desk.seed_demo(STAFF)
        dashboard = Dashboard(core)
        async with TestClient(TestServer(dashboard.application())) as client:
            yield Web(core, dashboard, client, clock)


ADMIN = Actor("test:admin", Role.ADMIN, "test")
