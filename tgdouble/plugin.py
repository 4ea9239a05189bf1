"""Pytest fixtures for the double; enable with ``pytest_plugins = ["tgdouble.plugin"]``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from telegram.ext import ApplicationBuilder

from tgdouble.api import FakeBotAPI
from tgdouble.app import double_builder
from tgdouble.server import DoubleServer

__all__ = ["Transport", "double_server", "fake_api", "ptb_timedelta", "transport"]


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations so RetryAfter & co. don't warn (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    """A fresh FakeBotAPI, closed after the test."""
    api = FakeBotAPI()
    yield api
    await api.aclose()


@pytest.fixture
async def double_server(fake_api: FakeBotAPI) -> AsyncIterator[DoubleServer]:
    """The HTTP transport serving ``fake_api`` on 127.0.0.1."""
    async with DoubleServer(fake_api) as server:
        yield server


@dataclass
class Transport:
    """The API plus how a PTB Application reaches it."""

    name: str
    api: FakeBotAPI
    target: FakeBotAPI | DoubleServer

    def builder(
        self, read_timeout: float | None = 5.0
    ) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """An ApplicationBuilder wired to this transport."""
        return double_builder(self.target, read_timeout=read_timeout)


@pytest.fixture(params=["in-process", "http"])
async def transport(
    request: pytest.FixtureRequest, fake_api: FakeBotAPI
) -> AsyncIterator[Transport]:
    """Parametrises a test over both transports: in-process and over HTTP."""
    if request.param == "http":
        async with DoubleServer(fake_api) as server:
            yield Transport("http", fake_api, server)
    else:
        yield Transport("in-process", fake_api, fake_api)
