"""The terminal simulator runs the same scheduled work as the Telegram bot: a round closes and
its results reach the simulator resident, with the chart written to a file."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

from bot.app import Core, Services
from bot.console.simulator import Simulator
from bot.host.steps import Who
from bot.jobs.chartworker import InlineCharts
from bot.store import participants, rounds
from bot.store.db import Tx
from tests.conftest import STAFF

AMINA = Who("console", "amina", "amina", "en")


async def _answer(simulator: Simulator, *lines: str) -> None:
    for line in lines:
        await simulator.feed(line)


def _others_chose(conn: Tx, round_id: int, topic_ids: list[int], count: int) -> None:
    """`count` Telegram residents who chose these topics, in this order."""
    for n in range(count):
        who = participants.find_or_create(conn, "telegram", str(100 + n), str(100 + n), "x")
        participants.update(conn, who.id, {"consent_at": "2026-11-01T00:00:00+00:00"})
        rounds.save_submission(conn, who.id, rounds.Submission(round_id, tuple(topic_ids)), "x")


async def test_a_closed_rounds_results_reach_the_simulator_resident(
    core: Core, tmp_path: Path
) -> None:
    closes = (core.clock() + timedelta(days=3)).date().isoformat()
    round_id = await core.desk.open_round(STAFF, closes)
    topics = await core.db.read(rounds.topics, round_id)
    # Six others chose "Mental health" first and "Being more active" second.
    await core.db.write(_others_chose, round_id, [topics[0].id, topics[1].id], 6)
    out = io.StringIO()
    simulator = Simulator(core.host, AMINA, out)
    await simulator.start()
    # Consent, no area, no questions about themselves, then the priorities: "Healthy food"
    # and "Mental health", in that order, nothing else, send.
    await _answer(simulator, "1", "s", "2", "1", "3", "1", "d", "1", "2", "1")
    amina = await core.db.read(participants.find, "console", "amina")
    assert amina is not None
    assert await core.db.read(rounds.choices, amina.id, round_id) == [topics[2].id, topics[0].id]

    services = Services(core, {}, charts=InlineCharts())
    await core.desk.close_round(STAFF, round_id)
    await services.jobs.sweep()
    await asyncio.gather(*services.jobs.running.values())  # everything due has gone out
    out.seek(0)
    out.truncate()
    assert await simulator.show_inbox()
    shown = out.getvalue()
    said = shown.split("[chart: ", 1)[0]
    assert said == (
        "bot> 📊 The question has closed. 7 people took part.\n"
        "     1. Mental health and loneliness: 7 of 7 people ★\n"
        "     2. Being more active: 6 of 7 people\n"
        "     3. Healthy food: <5 of 7 people ★\n"
        "     Nobody chose: Smoking, alcohol and drugs; Housing and warm homes; Safe streets; "
        "Getting to see a GP; Children and young people; Support for older people; "
        "Money worries\n"
        "     ★ = your choices\n"
        "     What happens next: our team will plan work on the top choices with local people, "
        "and we will keep you posted.\n"
        "     "
    )
    chart = Path(shown.split("[chart: ", 1)[1].split("]", 1)[0])
    assert chart.is_file() and chart.read_bytes().startswith(b"\x89PNG")
    assert chart.parent == tmp_path / "data" / "charts"
    # Shown once: the inbox is empty now.
    assert not await simulator.show_inbox()

    # "You said, we did": news of an initiative answering her top topic comes with the
    # round's chart (the same picture as the results).
    walks = await core.desk.create_initiative(STAFF, {"en": "Mental health walks"}, [topics[0].id])
    queued = await core.desk.update_initiative(STAFF, walks, "active", {"en": "First walk held."})
    assert queued.reach.told == 7
    await services.jobs.sweep()
    await asyncio.gather(*services.jobs.running.values())
    out.seek(0)
    out.truncate()
    assert await simulator.show_inbox()
    news = out.getvalue()
    assert news.startswith(
        "bot> 📣 You said, we did: news about “Mental health walks”.\n"
        "     Now: Started\n"
        "     First walk held.\n"
    )
    assert Path(news.split("[chart: ", 1)[1].split("]", 1)[0]).read_bytes() == chart.read_bytes()
