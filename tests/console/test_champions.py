"""Champions in the terminal simulator: the link with its share address, the poster and chart
written to the data folder, and a support request answered by staff from the command line's
desk, arriving in the champion's inbox."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Core, Services, open_core
from bot.config import Settings
from bot.console.simulator import Simulator
from bot.host.steps import Who
from bot.staff import champions as desk_champions
from bot.store import champions, participants
from bot.store.champions import SignUp
from bot.store.db import Tx
from tests.conftest import CODE, STAFF
from tests.posterscan import page_size_mm, pdf_qr_codes

NIA = Who("console", "nia", "nia", "cy")
LINK = f"https://t.me/riverside_voice_bot?start={CODE}"


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings.from_env(
        {
            "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
            "QUIET_HOURS": "",
            "BOT_USERNAME": "riverside_voice_bot",
        },
        dotenv=False,
    )
    async with open_core(settings, new_code=lambda: CODE) as opened:
        yield opened


async def _champion(core: Core, out: io.StringIO) -> Simulator:
    """Nia (Welsh) has consented and is an active champion."""
    simulator = Simulator(core.host, NIA, out)
    await simulator.start()
    for line in ("1", "s", "2"):  # consent, no area, no questions about themselves
        await simulator.feed(line)

    def approve(conn: Tx) -> None:
        person = participants.find(conn, "console", "nia")
        assert person is not None
        details = SignUp(("health-champion",), ("cy", "en"), ("evenings",), None, True)
        champions.save_signup(conn, person.id, CODE, details, "2026-11-01T10:00:00+00:00")
        champions.set_status(conn, 1, "active", "2026-11-02T10:00:00+00:00")

    await core.db.write(approve)
    out.seek(0)
    out.truncate()
    return simulator


def _shown(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


async def test_mylink_myposter_and_mystats_in_the_simulator(core: Core, tmp_path: Path) -> None:
    out = io.StringIO()
    simulator = await _champion(core, out)
    await simulator.feed("/mylink")
    shown = _shown(out)
    assert LINK in shown
    assert "      🔗 📤 Rhannu fy nolen: https://t.me/share/url?url=https%3A%2F%2Ft.me" in shown

    await simulator.feed("/myposter")
    assert "Ym mha ieithoedd ddylai eich poster fod?" in _shown(out)
    await simulator.feed("1")  # Cymraeg + English
    shown = _shown(out)
    assert "Eich poster. Argraffwch y PDF ar bapur A4, neu rhannwch y llun." in shown
    posters = tmp_path / "data" / "posters"
    pdf = posters / "nia-community-voice-poster-cy-en.pdf"
    assert f"[file: {pdf}]" in shown and f"[file: {pdf.with_suffix('.png')}]" in shown
    assert page_size_mm(pdf.read_bytes()) == [(210.0, 297.0)]
    assert pdf_qr_codes(pdf.read_bytes()) == [LINK]
    # The languages typed, as a button's words: the poster, not "tap a button".
    await simulator.feed("/myposter")
    await simulator.feed("cymraeg")
    assert f"[file: {posters / 'nia-community-voice-poster-cy.pdf'}]" in _shown(out)

    await simulator.feed("/mystats")
    assert "Does neb wedi ymuno drwy eich dolen eto." in _shown(out)


async def test_a_support_request_and_its_answer_in_the_simulator(core: Core) -> None:
    out = io.StringIO()
    simulator = await _champion(core, out)
    services = Services(core, {})

    async def sweep() -> None:
        await services.jobs.sweep()
        await asyncio.gather(*services.jobs.running.values())

    await sweep()  # the monthly check-in arrives in the inbox
    assert await simulator.show_inbox()
    shown = _shown(out)
    assert "2) 🙋 Hoffwn i gael cymorth" in shown
    await simulator.feed("2")
    assert "Gyda beth hoffech chi gael help?" in _shown(out)
    await simulator.feed("Hoffwn i gael taflenni")
    assert "Diolch. Mae eich neges gan ein tîm." in _shown(out)
    assert "#1 from champion 1" in await desk_champions.open_requests(core.desk, STAFF)

    await desk_champions.answer(core.desk, STAFF, 1, "Byddan nhw yn y llyfrgell ddydd Llun.")
    await sweep()
    assert await simulator.show_inbox()
    assert _shown(out) == (
        "bot> 💬 Mae ein tîm wedi ateb eich cais am gymorth:\n\n"
        "     Byddan nhw yn y llyfrgell ddydd Llun.\n"
    )
    figures = await desk_champions.stats(core.desk, STAFF, 1)
    assert "asked for support" in figures and "Open support requests: 0" in figures
