"""Dashboard benchmark: how long the server takes to make each page at scale.

    .venv/bin/python bench/dashboard.py [--participants 100000] [--repeat 5]

Builds the scale fixture (bench/fixture.py: 100,000 participants, 1,000,000 answers, a round
58,784 of them took part in, initiatives with 5,000 evaluations, 2,000 assets, 50 champions),
adds a finished broadcast delivered to every participant, then signs in to the dashboard and
asks for every page `--repeat` times after one warm-up, in this process over HTTP on
127.0.0.1. The time is the server's own (its Server-Timing header: the session check, the
reads and the rendering), not the network's. Target: every page under 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp.test_utils import TestClient, TestServer

from bench.fixture import NOW, build
from bot.app import open_core
from bot.config import Settings
from bot.staff.actor import Actor, Role
from bot.web.server import Dashboard

TARGET_MS = 200.0
PAGES = (
    "/",
    "/rounds",
    "/rounds/1",
    "/rounds/1/chart.svg",
    "/initiatives",
    "/initiatives/1",
    "/words",
    "/assets",
    "/assets/map.json",
    "/champions",
    "/champions/1",
    "/broadcasts",
    "/broadcasts/1",
    "/broadcasts/1/progress.json",
    "/reports",
    "/exports",
    "/staff",
    "/audit",
)
TIMING = re.compile(r"app;dur=([\d.]+)")


def add_broadcast(path: Path) -> int:
    """A finished broadcast to everyone, its ledger still there (one row per person)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO broadcasts (id, kind, audience, content, status, created_by, "
            "created_at, started_at, finished_at, queued_all) VALUES (1, 'staff', "
            '\'{"type": "everyone", "value": null}\', \'{"texts": {"en": "Hello"}}\', '
            "'done', 'bench', ?, ?, ?, 1)",
            (NOW, NOW, NOW),
        )
        conn.execute(
            "INSERT INTO deliveries (broadcast_id, participant_id, state, attempts, updated_at) "
            "SELECT 1, id, 'sent', 1, ? FROM participants",
            (NOW,),
        )
        conn.execute("COMMIT")
        return int(conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0])
    finally:
        conn.close()


async def measure(path: Path, repeat: int) -> dict[str, list[float]]:
    """Server milliseconds for each page, `repeat` times after a warm-up."""
    settings = Settings.from_env({"DATABASE_PATH": str(path), "QUIET_HOURS": ""}, dotenv=False)
    timings: dict[str, list[float]] = {}
    async with open_core(settings) as core:
        dashboard = Dashboard(core)
        link = await dashboard.door.link_for_operator(
            Actor("cli:bench", Role.ADMIN, "cli"), "bench"
        )
        async with TestClient(TestServer(dashboard.application())) as client:
            signed = await client.post(f"/login/{link.token}", allow_redirects=False)
            assert signed.status == 303, await signed.text()
            for page in PAGES:
                times = []
                for _ in range(repeat + 1):
                    response = await client.get(page)
                    assert response.status == 200, (page, response.status)
                    await response.read()
                    found = TIMING.search(response.headers.get("Server-Timing", ""))
                    assert found is not None, page
                    times.append(float(found.group(1)))
                timings[page] = times[1:]
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cv-dashboard-bench-") as folder:
        path = Path(folder) / "fixture.sqlite3"
        made = build(path, args.participants)
        deliveries = add_broadcast(path)
        print(
            f"fixture: {made.participants:,} participants, {made.answers:,} answers, "
            f"{made.round_participants:,} in round 1, {deliveries:,} deliveries "
            f"(built in {made.seconds:.1f} s)"
        )
        started = time.perf_counter()
        timings = asyncio.run(measure(path, args.repeat))
        print(f"measured in {time.perf_counter() - started:.1f} s\n")
    print(f"{'page':<30} {'median ms':>10} {'max ms':>8}")
    worst = 0.0
    for page, times in timings.items():
        worst = max(worst, statistics.median(times))
        print(f"{page:<30} {statistics.median(times):>10.1f} {max(times):>8.1f}")
    ok = worst < TARGET_MS
    print(
        f"\ntarget every page < {TARGET_MS:g} ms server time: {'PASS' if ok else 'FAIL'} "
        f"(slowest median {worst:.1f} ms)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
