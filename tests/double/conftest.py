"""Fixtures for the double's own tests."""

from __future__ import annotations

import pytest

from tgdouble.plugin import double_server, fake_api, ptb_timedelta, transport

# Imported so pytest registers them here: only the root conftest may use pytest_plugins.
__all__ = ["double_server", "fake_api", "ptb_timedelta", "transport"]


@pytest.fixture(autouse=True)
def _timedelta_durations(ptb_timedelta: None) -> None:
    """Every test here runs with PTB_TIMEDELTA=1."""
