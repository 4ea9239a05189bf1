"""The dashboard benchmark measures every page on a small fixture (bench/dashboard.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.dashboard import PAGES, add_broadcast, measure
from bench.fixture import build


def test_the_benchmark_times_every_page_on_the_fixture(tmp_path: Path) -> None:
    made = build(tmp_path / "fixture.sqlite3", participants=300)
    assert add_broadcast(made.path) == 300
    timings = asyncio.run(measure(made.path, repeat=1))
    assert list(timings) == list(PAGES)
    assert all(len(t) == 1 and t[0] > 0 for t in timings.values())
