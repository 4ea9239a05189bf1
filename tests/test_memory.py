"""After its broadcasts the bot hands the C allocator's free pages back to the system."""

from __future__ import annotations

import asyncio
import platform
import subprocess
import sys
from datetime import timedelta

import pytest

import bot.app
from bot.app import Core, Services
from bot.jobs.chartworker import InlineCharts
from bot.store import participants, rounds
from bot.store.db import Tx
from tests.conftest import REPO, STAFF

# Freed blocks between live ones, as a broadcast's requests and answers leave them: malloc
# keeps the pages, and trimming is what gives them back.
FRAGMENTED = """
from bot.memory import release_free_memory

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024

kept, freed = [], []
for n in range(200_000):
    block = bytearray(600 + n % 700)  # over Python's small-object size: malloc's own
    (kept if n % 50 == 0 else freed).append(block)
del freed
before = rss_mb()
print(release_free_memory(), before, rss_mb())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_free_pages_go_back_to_the_system() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FRAGMENTED], cwd=REPO, capture_output=True, text=True, check=True
    )
    released, before, after = done.stdout.split()
    assert released == "True"
    # About 190 MB was freed between the blocks kept; most of it leaves the process.
    assert float(before) - float(after) > 100, done.stdout


def _took_part(conn: Tx, round_id: int, topic_id: int, count: int) -> None:
    for n in range(count):
        who = participants.find_or_create(conn, "console", str(n), str(n), "x")
        participants.update(conn, who.id, {"consent_at": "2026-11-01T00:00:00+00:00"})
        rounds.save_submission(conn, who.id, rounds.Submission(round_id, (topic_id,)), "x")


async def test_the_running_bot_trims_once_its_broadcasts_are_done(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    trims: list[int] = []
    monkeypatch.setattr(bot.app, "release_free_memory", lambda: bool(trims.append(1)) or True)
    services = Services(core, {}, charts=InlineCharts())
    forgotten: list[list[int]] = []
    forget = services.composer.forget
    monkeypatch.setattr(
        services.composer, "forget", lambda: forget() or forgotten.append(list(trims))
    )
    shrunk: list[list[int]] = []
    shrink = core.db.shrink_caches

    async def shrink_and_note() -> None:
        await shrink()
        shrunk.append(list(trims))

    monkeypatch.setattr(core.db, "shrink_caches", shrink_and_note)
    closes = (core.clock() + timedelta(days=3)).date().isoformat()
    round_id = await core.desk.open_round(STAFF, closes)
    topic = (await core.db.read(rounds.topics, round_id))[0]
    await core.db.write(_took_part, round_id, topic.id, 6)
    await core.desk.close_round(STAFF, round_id)
    await services.jobs.sweep()
    assert services.jobs.running and trims == []  # not while the results are going out
    await asyncio.gather(*services.jobs.running.values())
    for _ in range(200):
        if trims:
            break
        await asyncio.sleep(0.01)
    assert trims == [1]
    # The results messages (composed once for each set of choices) were let go of first.
    assert forgotten == [[]]
    # And the database connections' page caches, so that the trim hands those back too.
    assert shrunk == [[]]
    await services.stop()  # waits for the work after the broadcasts
    assert trims == [1]
