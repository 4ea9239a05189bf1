"""A round's results as residents read them: people, not points; small counts never shown."""

from __future__ import annotations

import subprocess
import sys

from bot.i18n.catalogs import Catalogs
from bot.jobs.results import Results, caption, chart_spec, shown_count
from bot.store import participants, rounds
from bot.store.db import Database, Tx
from bot.store.rounds import Submission, Topic, TopicResult
from tests.conftest import REPO

EN = Catalogs().get("en")


def _topic(number: int, label: str) -> Topic:
    return Topic(number, 1, label.lower(), {"en": label}, False, number)


def _results(total: int, *people: tuple[str, int]) -> Results:
    ranking = tuple(
        TopicResult(_topic(n, label), count, 0) for n, (label, count) in enumerate(people, 1)
    )
    return Results(1, {"en": "What first?"}, total, ranking)


def test_counts_from_one_to_four_are_shown_as_fewer_than_five() -> None:
    assert [shown_count(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


def test_the_caption_says_how_many_people_chose_each_topic() -> None:
    results = _results(40, ("Parks", 12), ("Food", 3), ("Buses", 0), ("Housing", 0))
    text = caption(results, frozenset({2}), EN)
    assert text.splitlines() == [
        "📊 The question has closed. 40 people took part.",
        "1. Parks: 12 of 40 people",
        "2. Food: <5 of 40 people ★",
        "Nobody chose: Buses; Housing",
        "★ = your choices",
        "What happens next: our team will plan work on the top choices with local people, and "
        "we will keep you posted.",
    ]


def test_with_fewer_than_five_taking_part_no_figures_are_shared() -> None:
    results = _results(4, ("Parks", 3), ("Food", 1))
    assert caption(results, frozenset({1}), EN).startswith(
        "📊 The question has closed. Fewer than 5 people took part, so we do not share"
    )
    assert chart_spec(results, EN) is None


def test_one_chart_per_language_with_small_counts_drawn_as_fewer_than_five() -> None:
    results = _results(40, ("Parks", 12), ("Food", 3), ("Buses", 0))
    english = chart_spec(results, EN)
    welsh = chart_spec(results, Catalogs().get("cy"))
    assert english is not None and welsh is not None
    assert english.labels == ("Parks", "Food") and english.counts == (12, -1)
    assert english.note == "40 people took part"
    assert english.key != welsh.key  # a chart per language
    assert chart_spec(results, EN) == english  # and the same one for everyone reading it


def test_the_dashboards_chart_hides_what_its_table_hides() -> None:
    results = _results(17, ("Parks", 12), ("Food", 7), ("Buses", 3))
    residents = chart_spec(results, EN)
    assert residents is not None and residents.counts == (12, 7, -1)  # residents': 1 to 4
    staff = chart_spec(results, EN, 10)  # the dashboard's, with SUPPRESS_BELOW=10
    assert staff is not None and staff.counts == (12, -1, -1)
    assert chart_spec(_results(8, ("Parks", 8)), EN, 10) is None  # fewer than 10 took part


def _vote(conn: Tx, round_id: int, topics: list[int], count: int, start: int) -> None:
    for n in range(start, start + count):
        who = participants.find_or_create(conn, "telegram", str(n), str(n), "x")
        rounds.save_submission(conn, who.id, Submission(round_id, tuple(topics)), "x")


async def test_ranking_is_by_people_then_by_who_put_it_first(db: Database) -> None:
    from bot.staff.desk import StaffDesk
    from tests.conftest import STAFF, fixed_clock

    round_id = await StaffDesk(db, fixed_clock).open_round(STAFF, "2026-12-31")
    a, b, c = (t.id for t in (await db.read(rounds.topics, round_id))[:3])
    await db.write(_vote, round_id, [b, a], 3, 1)  # b first, a second
    await db.write(_vote, round_id, [a, b], 2, 10)  # a first, b second
    await db.write(_vote, round_id, [c], 4, 20)
    ranked = await db.read(rounds.results, round_id)
    assert [(r.topic.id, r.people, r.first) for r in ranked[:3]] == [
        (b, 5, 3),
        (a, 5, 2),
        (c, 4, 4),
    ]


def test_the_chart_worker_draws_in_its_own_process() -> None:
    """matplotlib never loads into the process that asks for a chart."""
    script = f"""
import asyncio, sys
sys.path.insert(0, {str(REPO)!r})
from bot.jobs.chartworker import ChartWorker
from bot.jobs.results import ChartSpec

async def main():
    worker = ChartWorker()
    spec = ChartSpec("en", "How many people chose each topic", "40 people took part",
                     ("Parks", "Food"), (12, -1))
    png = await worker.draw(spec)
    worker.close()
    assert png.startswith(b"\\x89PNG"), png[:8]
    assert "matplotlib" not in sys.modules
    print("drawn", len(png) > 1000)

asyncio.run(main())
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "drawn True"


def test_a_chart_worker_that_died_is_replaced_for_the_next_drawing() -> None:
    """A broken pool fails every drawing at once: all of a broadcast's deliveries failed
    until the worker had been idle a minute."""
    script = f"""
import asyncio, os, signal, sys
sys.path.insert(0, {str(REPO)!r})
from concurrent.futures.process import BrokenProcessPool
from bot.jobs.chartworker import ChartWorker
from bot.jobs.results import ChartSpec

async def main():
    worker = ChartWorker()
    spec = ChartSpec("en", "How many people chose each topic", "40 people took part",
                     ("Parks", "Food"), (12, 7))
    await worker.draw(spec)
    for pid in list(worker._pool._processes):
        os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(0.5)
    try:
        await worker.draw(spec)  # the drawing the process died under, or the next one
    except BrokenProcessPool:
        pass
    png = await worker.draw(spec)
    worker.close()
    print("drawn again", png.startswith(b"\\x89PNG"))

asyncio.run(main())
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "drawn again True"
