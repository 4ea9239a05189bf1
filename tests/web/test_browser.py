"""The dashboard in a real browser (headless Chromium through Playwright), on the whole bot
running against the offline Bot API double: what staff see and do, and what residents then
get in Telegram. One bot and one browser for the module; each test signs in afresh.

Every page is checked with axe-core (no serious or critical WCAG 2.2 A/AA violations) and
saved as a screenshot under test-results/screenshots/."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import Core, open_core
from bot.staff.actor import Role
from bot.telegram.application import build_application, start_services, stop_services
from bot.telegram.voice_files import TelegramVoiceFiles
from bot.web.server import Dashboard, WebServer
from tests.conftest import CODE, STAFF
from tests.telegram.conftest import CountingProcessor, Harness, Running, settings_for
from tests.web.browser import CHROMIUM, axe_problems, needs_chromium, screenshot
from tgdouble import DoubleServer, FakeBotAPI, running

pytestmark = [needs_chromium, pytest.mark.asyncio(loop_scope="module")]

RESIDENTS = (2001, 2002, 2003, 2004, 2005)
VOICE = b"OggS\x00a resident's recording"
# Residents known only from the database (they took part earlier): a broadcast's audience
# large enough to pause part-way.
READERS = 40


@dataclass
class Stack:
    """The bot, its double, its dashboard, and the browser."""

    tg: Harness
    url: str
    browser: Any

    @property
    def core(self) -> Core:
        return self.tg.core

    async def page(self, role: Role = Role.ADMIN, name: str = "amina") -> Any:
        """A new browser (no cookies), signed in by clicking a one-time link's button."""
        context = await self.browser.new_context(accept_downloads=True)
        page = await context.new_page()
        made = await Dashboard(self.core).door.link_for_operator(STAFF, name, role)
        await page.goto(made.url(self.url))
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(self.url + "/")
        return page

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.tg.rows(sql, *params)


async def _take_part(tg: Harness, user: int, topics: list[str], voice: bool = False) -> None:
    await tg.command(user, "start")
    await tg.tap(user, "Yes, I agree")
    await tg.tap(user, "Skip")
    await tg.tap(user, "No, thanks")
    await tg.tap(user, "🗳️ Help choose what we work on first")
    for label in topics:
        await tg.tap(user, label)
    await tg.tap(user, "✔️ Done")
    if len(topics) > 1:
        await tg.tap(user, topics[0])
    if voice:
        await tg.tap(user, "Yes")
        tg.api.send_voice(user, file_id=f"voice-of-{user}", duration=4, content=VOICE)
        await tg.settle()
    else:
        await tg.tap(user, "No")
    await tg.tap(user, "Yes, send it")


def _readers(conn: sqlite3.Connection) -> None:
    now = datetime.now(UTC).isoformat()
    conn.executemany(
        "INSERT INTO participants (channel, channel_user_id, chat_id, locale, area, consent_at, "
        "created_at) VALUES ('telegram', ?, ?, ?, 'Riverside', ?, ?)",
        [
            (str(3000 + n), str(3000 + n), "cy" if n % 3 == 0 else "en", now, now)
            for n in range(READERS)
        ],
    )
    conn.execute(
        "INSERT INTO champions (participant_id, code, status, created_at, approved_at, roles, "
        "languages) VALUES (2, 'c-garden', 'active', ?, ?, '[\"talk\"]', '[\"en\"]')",
        (now, now),
    )
    conn.execute(
        "INSERT INTO assets (participant_id, category, what, latitude, longitude, may_contact, "
        "share_exact, created_at) VALUES (1, 'facilities', '\"The community garden on Elm "
        "Street\"', 51.4816, -3.1791, 1, 0, ?)",
        (now,),
    )


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    from playwright.async_api import async_playwright

    folder = tmp_path_factory.mktemp("dashboard")
    db = folder / "bot.sqlite3"
    api = FakeBotAPI()
    async with DoubleServer(api) as server:
        # A slow broadcast rate, so that a broadcast can be seen moving and be paused.
        settings = replace(settings_for(server, db), broadcast_rate=8.0, web_port=0)
        async with open_core(settings, new_code=lambda: CODE) as core:
            processor = CountingProcessor()
            app = build_application(core, processor=processor)
            async with running(app, poll_interval=0.0, timeout=1):
                services = await start_services(app, core)
                web = WebServer(Dashboard(core, services.jobs, TelegramVoiceFiles(app.bot)))
                await web.start("127.0.0.1", 0)
                url = f"http://127.0.0.1:{web.port}"
                try:
                    async with async_playwright() as playwright:
                        browser = await playwright.chromium.launch(
                            executable_path=CHROMIUM, args=["--no-sandbox"]
                        )
                        tg = Harness(api, Running(core, app, processor), db)
                        yield Stack(tg, url, browser)
                        await browser.close()
                finally:
                    await web.stop()
                    await stop_services(app)
    await api.aclose()


async def _checked(page: Any, name: str) -> None:
    """The page passes axe-core and is saved as a screenshot."""
    assert await axe_problems(page) == [], name
    await screenshot(page, name)


# -- signing in ----------------------------------------------------------------------------


async def test_sign_in_by_link_and_a_used_or_expired_link_is_refused(stack: Stack) -> None:
    context = await stack.browser.new_context()
    page = await context.new_page()
    door = Dashboard(stack.core).door
    made = await door.link_for_operator(STAFF, "amina")
    await page.goto(made.url(stack.url))
    await _checked(page, "sign-in")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(stack.url + "/")
    assert await page.get_by_role("heading", level=1).inner_text() == "Overview"
    assert "web:amina · admin" in await page.inner_text("header")

    # The same link again, in another browser: refused.
    other = await (await stack.browser.new_context()).new_page()
    await other.goto(made.url(stack.url))
    await other.get_by_role("button", name="Sign in").click()
    assert "This sign-in link has already been used" in await other.inner_text("main")
    await _checked(other, "sign-in-refused")
    # An expired one (made 11 minutes ago, as the database has it).
    late = await door.link_for_operator(STAFF, "amina")
    stale = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    await stack.core.db.write(
        lambda conn: conn.execute("UPDATE dashboard_links SET expires_at = ?", (stale,))
    )
    await other.goto(late.url(stack.url))
    await other.get_by_role("button", name="Sign in").click()
    assert "This sign-in link has expired" in await other.inner_text("main")
    assert (await other.goto(stack.url + "/rounds")).status == 401

    # Signing out ends it.
    await page.get_by_role("button", name="Sign out").click()
    assert "Sign in to the staff dashboard" in await page.inner_text("main")


# -- rounds ----------------------------------------------------------------------------------


async def test_a_round_opened_and_closed_from_the_page_reaches_residents(stack: Stack) -> None:
    page = await stack.page()
    await page.goto(stack.url + "/rounds")
    closes = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    await page.get_by_label("Closes on").fill(closes)
    await page.get_by_label("Question (English)").fill("What should the health team do first?")
    await page.get_by_text("The same in other languages").first.click()
    await page.get_by_label("Question (Cymraeg)").fill("Beth ddylai'r tîm iechyd ei wneud gyntaf?")
    await page.get_by_role("button", name="Open the round").click()
    assert "Opened round 1." in await page.inner_text("main")
    assert stack.rows("SELECT question FROM rounds") == [
        (
            '{"cy": "Beth ddylai\'r tîm iechyd ei wneud gyntaf?", "en": "What should the health '
            'team do first?"}',
        )
    ]

    picks = [
        ["Safe streets", "Healthy food"],
        ["Safe streets"],
        ["Safe streets"],
        ["Safe streets", "Healthy food"],
        ["Safe streets", "Money worries"],
    ]
    for n, (user, topics) in enumerate(zip(RESIDENTS, picks, strict=True)):
        await _take_part(stack.tg, user, topics, voice=n == 0)
    await page.reload()
    main = await page.inner_text("main")
    assert "5 took part" in main
    rows = [(await r.inner_text()).split("\t") for r in await page.locator("tbody tr").all()]
    # Everyone chose it and put it first; fewer than 5 chose the others, which shows as <5.
    assert rows[0] == ["1", "Safe streets", "5", "5", "6"]
    assert rows[1] == ["2", "Healthy food", "<5", "0", "3"]
    assert rows[2] == ["3", "Money worries", "<5", "0", "10"]
    chart = page.locator("img.chart")
    assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
    await _checked(page, "round")

    await page.get_by_role("link", name="Close this round now").click()
    assert "5 people will be told, each in their own language (en 5)." in await page.inner_text(
        "main"
    )
    await _checked(page, "round-close")
    await page.get_by_role("button", name="Close it and send the results").click()
    assert "Closed round 1." in await page.inner_text("main")
    for _ in range(100):
        got = [stack.tg.api.last(u) for u in RESIDENTS]
        if all(m and (m.caption or "").startswith("📊 The question has closed") for m in got):
            break
        await asyncio.sleep(0.1)
    for user in RESIDENTS:
        result = stack.tg.api.last(user)
        assert result is not None and result.photo_bytes
        assert (result.caption or "").startswith("📊 The question has closed. 5 people took part.")
    audit = stack.rows("SELECT actor, channel FROM audit_log WHERE action = 'round.close'")
    assert audit == [("web:amina", "web")]


async def test_every_page_loads_with_data_and_passes_axe(stack: Stack) -> None:
    await stack.core.db.write(_readers)
    await stack.core.desk.create_initiative(
        STAFF, {"en": "Safer crossings near schools"}, [6], status="active"
    )
    page = await stack.page()
    expected = {
        "/": "Riverside",
        "/rounds": "What should the health team do first?",
        "/rounds/1": "Safe streets",
        "/initiatives": "Safer crossings near schools",
        "/initiatives/1": "You said, we did",
        "/words": "voice note",
        "/assets": "The community garden on Elm Street",
        "/champions": "Champion 1",
        "/champions/1": "Who joined through their link",
        "/broadcasts": "round",
        "/reports": "Download the report",
        "/exports": "Download the export",
        "/staff": "admin from STAFF_TELEGRAM_IDS",
        "/staff/1/remove": "Remove admin from STAFF_TELEGRAM_IDS?",
        "/audit": "round.close",
    }
    for path, shown in expected.items():
        response = await page.goto(stack.url + path)
        assert response.status == 200, path
        assert shown in await page.inner_text("main"), path
        name = "overview" if path == "/" else path.strip("/").replace("/", "-")
        await _checked(page, name)
    # The preview of a "you said, we did" update, before anything is sent.
    await page.goto(stack.url + "/initiatives/1")
    await page.get_by_label("What we did (English)").fill("New crossing on Elm Street")
    await page.get_by_role("button", name="Preview who will be told").click()
    assert "5 people will be told" in await page.inner_text(".preview")
    await _checked(page, "initiative-preview")
    assert stack.rows("SELECT COUNT(*) FROM initiative_updates") == [(0,)]


async def test_the_dashboard_in_welsh(stack: Stack) -> None:
    page = await stack.page()
    await page.get_by_role("link", name="Cymraeg").click()
    nav = await page.inner_text("nav.main-nav")
    assert "Trosolwg" in nav and "Rowndiau" in nav and "Overview" not in nav
    assert await page.get_attribute("html", "lang") == "cy"
    await page.goto(stack.url + "/rounds/1")
    await _checked(page, "round-cy")


# -- residents' words ------------------------------------------------------------------------


async def test_a_voice_note_plays_in_the_page(stack: Stack) -> None:
    page = await stack.page()
    await page.goto(stack.url + "/words")
    player = page.locator("audio").first
    src = await player.get_attribute("src")
    assert src is not None
    # The recording the resident sent, fetched from Telegram by the server.
    fetched = await page.evaluate(
        "src => fetch(src).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))",
        src,
    )
    assert bytes(fetched) == VOICE
    assert await player.evaluate(
        "a => new Promise(ok => { a.preload = 'auto'; a.onloadedmetadata = () => ok(true); "
        "a.onerror = () => ok(a.error && a.error.code === 4); a.load(); })"
    )
    heard = stack.rows("SELECT action, actor FROM audit_log WHERE action = 'residents.hear'")
    assert heard and heard[-1] == ("residents.hear", "web:amina")


# -- assets ----------------------------------------------------------------------------------


async def test_an_asset_is_verified_on_the_map(stack: Stack) -> None:
    [(asset_id,)] = stack.rows("SELECT id FROM assets")
    page = await stack.page()
    await page.goto(stack.url + "/assets")
    marker = page.locator(f"path.asset-{asset_id}")
    await marker.wait_for()
    await _checked(page, "assets-map")
    await marker.click()
    popup = page.locator(".leaflet-popup-content")
    assert "The community garden on Elm Street" in await popup.inner_text()
    await screenshot(page, "assets-map-popup")
    await popup.get_by_role("button", name="Verify").click()
    await page.wait_for_url(stack.url + "/assets")
    assert f"Asset {asset_id} is now verified." in await page.inner_text("main")
    assert stack.rows("SELECT status FROM assets WHERE id = ?", asset_id) == [("verified",)]
    assert stack.rows(
        "SELECT actor, channel, after FROM audit_log WHERE action = 'asset.status'"
    ) == [("web:amina", "web", '{"status": "verified"}')]

    async with page.expect_download() as download:
        await page.get_by_role("button", name="Export verified assets as GeoJSON").click()
    data = json.loads(Path(await (await download.value).path()).read_text())
    [feature] = data["features"]
    assert feature["geometry"]["coordinates"] == [-3.18, 51.48]  # about 1 km, as agreed


# -- broadcasts ------------------------------------------------------------------------------


async def test_a_broadcast_is_composed_previewed_sent_paused_and_resumed(stack: Stack) -> None:
    page = await stack.page()
    await page.goto(stack.url + "/broadcasts")
    await page.get_by_label("Who it is for").select_option("area")
    await page.get_by_label("Round, topic or initiative number, or area name").fill("Riverside")
    await page.get_by_label("Message (English)").fill("The walking group starts on Saturday.")
    await page.get_by_text("The same in other languages").first.click()
    await page.get_by_label("Message (Cymraeg)").fill("Mae'r grŵp cerdded yn dechrau ddydd Sadwrn.")
    await page.get_by_role("button", name="Preview").click()
    preview = await page.inner_text(".preview")
    told = READERS
    welsh = len([n for n in range(READERS) if n % 3 == 0])
    assert f"{told} people will be told, each in their own language " in preview
    assert f"en {told - welsh}" in preview and f"cy {welsh}" in preview
    await _checked(page, "broadcast-preview")

    await page.get_by_role("button", name="Send now").click()
    broadcast_id = int(page.url.rsplit("/", 1)[1])
    bar = page.locator("#broadcast-progress")
    values = []
    for _ in range(100):
        values.append(float(await bar.get_attribute("value") or 0))
        if values[-1] >= 8:
            break
        await asyncio.sleep(0.1)
    assert 0 < values[-1] < told and values == sorted(values)  # moving, and not done yet
    await _checked(page, "broadcast-sending")
    await page.get_by_role("button", name="Pause").click()
    assert "Paused." in await page.inner_text("main")
    await asyncio.sleep(0.5)  # a batch already handed over may still land
    sent = "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ? AND state = 'sent'"
    held = stack.rows(sent, broadcast_id)[0][0]
    await asyncio.sleep(1.5)
    assert stack.rows(sent, broadcast_id)[0][0] == held < told
    await page.reload()
    assert float(await bar.get_attribute("value") or 0) == held
    assert await page.inner_text("#broadcast-status") == "paused"

    await page.get_by_role("button", name="Resume").click()
    for _ in range(150):
        if await page.inner_text("#broadcast-status") == "done":
            break
        await asyncio.sleep(0.1)
    assert await page.inner_text("#broadcast-status") == "done"
    assert float(await bar.get_attribute("value") or 0) == told
    got = {m.chat_id: m.text for m in stack.tg.api.all_sent() if m.chat_id >= 3000}
    assert got[3000] == "Mae'r grŵp cerdded yn dechrau ddydd Sadwrn."
    assert got[3001] == "The walking group starts on Saturday."
    assert len(got) == told
    actions = [
        a
        for (a,) in stack.rows(
            "SELECT action FROM audit_log WHERE channel = 'web' "
            "AND action LIKE 'broadcast.%' ORDER BY id"
        )
    ]
    assert actions == ["broadcast.draft", "broadcast.send", "broadcast.pause", "broadcast.resume"]


# -- reports and exports ---------------------------------------------------------------------


async def test_a_report_is_downloaded_and_opened(stack: Stack) -> None:
    from openpyxl import load_workbook

    page = await stack.page(Role.VIEWER, "vera")
    await page.goto(stack.url + "/reports")
    await page.get_by_label("File").select_option("xlsx")
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Download the report").click()
    got = await download.value
    assert got.suggested_filename.startswith("qs148-report-")
    book = load_workbook(io.BytesIO(Path(await got.path()).read_bytes()), read_only=True)
    text = " ".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    assert "Statement 1" in text and "What should the health team do first?" in text
    assert stack.rows("SELECT actor, role FROM audit_log WHERE action = 'report.make'") == [
        ("web:vera", "viewer")
    ]


# -- refused ---------------------------------------------------------------------------------


async def test_a_viewer_is_refused_an_action_and_a_form_without_its_token_too(
    stack: Stack,
) -> None:
    page = await stack.page(Role.VIEWER, "vera")
    await page.goto(stack.url + "/rounds/1")
    assert await page.get_by_role("button", name="Add the topic").count() == 0
    # A viewer who posts the form anyway (its token taken from the page) is refused.
    token = await page.locator("input[name=csrf]").first.get_attribute("value")
    await _post(page, "/rounds/1/topics", {"csrf": token, "label": "Buses"})
    assert "Your role (viewer) cannot make this change; that needs staff." in await page.inner_text(
        "main"
    )
    await _checked(page, "refused")
    assert stack.rows("SELECT COUNT(*) FROM topics WHERE key = 'buses'") == [(0,)]

    staff = await stack.page(Role.STAFF, "bryn")
    await staff.goto(stack.url + "/initiatives/1")
    await _post(staff, "/initiatives/1/measures", {"measure": "Fewer near misses"})
    assert "This form has expired" in await staff.inner_text("main")
    assert stack.rows("SELECT COUNT(*) FROM measures WHERE initiative_id = 1") == [(0,)]


async def _post(page: Any, action: str, fields: dict[str, Any]) -> None:
    """Submit a form the page did not offer, as a browser would."""
    async with page.expect_navigation():
        await page.evaluate(
            """([action, fields]) => {
            const form = document.createElement("form");
            form.method = "post"; form.action = action;
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement("input");
                input.type = "hidden"; input.name = name; input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
            [action, fields],
        )
