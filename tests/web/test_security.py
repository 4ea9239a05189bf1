"""The dashboard's security rules, over plain HTTP: one-time links, sessions and their cookie,
CSRF tokens, roles on every page and action, the Content-Security-Policy, and no resident's
Telegram id or username on any page."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import open_core
from bot.staff.actor import Role
from bot.store import participants, staffing
from bot.web.pages import ROUTES
from bot.web.server import COOKIE, Dashboard
from tests.conftest import CODE, STAFF
from tests.web.conftest import Clock, Web, web_settings

GET_PAGES = [path.replace("{id:\\d+}", "1") for method, path, _, _ in ROUTES if method == "GET"]


async def test_a_link_signs_in_once_and_opening_it_does_not_use_it(web: Web) -> None:
    token = await web.link(Role.STAFF, "bryn")
    # Opening the link (as Telegram's link preview would) shows a button and uses nothing.
    for _ in range(2):
        page = await web.client.get(f"/login/{token}")
        assert page.status == 200 and "Sign in" in await page.text()
    first = await web.client.post(f"/login/{token}", allow_redirects=False)
    assert first.status == 303 and first.headers["Location"] == "/"
    overview = await web.client.get("/")
    assert "web:bryn · staff" in await overview.text()

    web.client.session.cookie_jar.clear()
    again = await web.client.post(f"/login/{token}", allow_redirects=False)
    assert again.status == 403
    assert "already been used" in await again.text()
    assert COOKIE not in again.cookies
    # Only a hash of the token is kept.
    stored = await web.rows("SELECT token_hash, used_at FROM dashboard_links")
    assert [r[1] is not None for r in stored] == [True]
    assert token not in repr(stored)


async def test_an_expired_or_unknown_link_is_refused(web: Web) -> None:
    token = await web.link()
    web.clock.move(minutes=11)
    late = await web.client.post(f"/login/{token}", allow_redirects=False)
    assert late.status == 403 and "has expired" in await late.text()
    unknown = await web.client.post("/login/not-a-real-token", allow_redirects=False)
    assert unknown.status == 403 and "not valid" in await unknown.text()
    assert (await web.client.get("/", allow_redirects=False)).status == 401


async def test_the_cookie_is_httponly_samesite_strict_and_not_secure_over_http(web: Web) -> None:
    token = await web.link()
    response = await web.client.post(f"/login/{token}", allow_redirects=False)
    cookie = SimpleCookie(response.headers["Set-Cookie"])[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    assert not cookie["secure"]  # served over http here
    assert not cookie["max-age"] and not cookie["expires"]  # gone when the browser closes


async def test_behind_https_the_cookie_is_secure(tmp_path: Path) -> None:
    settings = web_settings(tmp_path, WEB_PUBLIC_URL="https://voice.example.org")
    async with open_core(settings, clock=Clock(), new_code=lambda: CODE) as core:
        dashboard = Dashboard(core)
        made = await dashboard.door.link_for_operator(STAFF, "amina")
        assert made.url(settings.web_public_url).startswith("https://voice.example.org/login/")
        async with TestClient(TestServer(dashboard.application())) as client:
            response = await client.post(f"/login/{made.token}", allow_redirects=False)
    assert SimpleCookie(response.headers["Set-Cookie"])[COOKIE]["secure"] is True


async def test_a_session_ends_when_idle_too_long_and_on_signing_out(web: Web) -> None:
    await web.sign_in()
    web.clock.move(minutes=29)
    assert (await web.client.get("/rounds")).status == 200
    web.clock.move(minutes=29)  # still within 30 minutes of the last page
    assert (await web.client.get("/rounds")).status == 200
    web.clock.move(minutes=31)
    idle = await web.client.get("/rounds")
    assert idle.status == 401 and "Sign in to the staff dashboard" in await idle.text()

    csrf = await web.sign_in()
    cookie = web.cookie()
    out = await web.client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert out.status == 303
    # The old cookie, sent again, opens nothing.
    replay = await web.client.get("/", cookies={COOKIE: cookie})
    assert replay.status == 401
    actions = [r[0] for r in await web.rows("SELECT action FROM audit_log WHERE channel='web'")]
    assert actions.count("dashboard.login") == 2 and actions.count("dashboard.logout") == 1


@pytest.mark.parametrize("path", GET_PAGES)
async def test_every_page_needs_a_session(web: Web, path: str) -> None:
    response = await web.client.get(path, allow_redirects=False)
    assert response.status == 401
    assert "send /dashboard to the bot" in (await response.text()).lower()


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(web: Web) -> None:
    csrf = await web.sign_in()
    before = await web.rows("SELECT COUNT(*) FROM audit_log")
    # The last character changed (were it "0" already, "+ '0'" would give the token back).
    altered = csrf[:-1] + ("1" if csrf.endswith("0") else "0")
    for data in ({}, {"csrf": "0" * 64}, {"csrf": altered}):
        response = await web.client.post("/rounds/1/close", data=data, allow_redirects=False)
        assert response.status == 403
        assert "This form has expired" in await response.text()
    assert await web.rows("SELECT status FROM rounds WHERE id = 1") == [("open",)]
    assert await web.rows("SELECT COUNT(*) FROM audit_log") == before
    # With its token the same form works.
    done = await web.client.post("/rounds/1/close", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    assert await web.rows("SELECT status FROM rounds WHERE id = 1") == [("closed",)]


async def test_a_viewer_reads_but_every_change_is_refused(web: Web) -> None:
    csrf = await web.sign_in(Role.VIEWER, "vera")
    assert (await web.client.get("/rounds/1")).status == 200
    page = await (await web.client.get("/rounds/1")).text()
    assert "Close this round now" not in page and "Add the topic" not in page
    for path in ("/rounds/1/close", "/initiatives/1/update", "/broadcasts", "/assets/1/verify"):
        response = await web.client.post(path, data={"csrf": csrf}, allow_redirects=False)
        assert response.status == 403, path
        assert "Your role (viewer) cannot" in await response.text()
    staff_page = await web.client.get("/staff")
    assert staff_page.status == 403 and "needs admin" in await staff_page.text()
    assert await web.rows("SELECT status FROM rounds") == [("open",)]
    assert await web.rows("SELECT COUNT(*) FROM broadcasts WHERE kind = 'staff'") == [(0,)]


async def test_a_staff_members_role_is_read_on_every_request(web: Web) -> None:
    member = await web.core.db.write(
        lambda conn: staffing.add(conn, "Gwen", "staff", "2026-11-01T00:00:00+00:00", "test", 77)
    )
    made = await web.dashboard.door.link_for_member(STAFF, member)
    await web.client.post(f"/login/{made.token}", allow_redirects=False)
    assert f"web:Gwen#{member} · staff" in await (await web.client.get("/")).text()
    await web.core.roster.set_role(STAFF, member, Role.VIEWER)
    assert f"web:Gwen#{member} · viewer" in await (await web.client.get("/")).text()
    await web.core.roster.remove(STAFF, member)
    assert (await web.client.get("/")).status == 401


async def test_headers_forbid_inline_scripts_framing_and_referrers(web: Web) -> None:
    await web.sign_in()
    for path in GET_PAGES + ["/static/dashboard.js"]:
        response = await web.client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if response.content_type == "text/html":
            html = await response.text()
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), path  # no inline script
            assert not re.search(r"\son[a-z]+=", html), path  # no inline handlers
            assert " style=" not in html, path


async def test_no_residents_telegram_id_or_username_is_on_any_page(web: Web) -> None:
    secret_id, secret_chat = "8123456789", "8123456788"
    now = web.clock().isoformat()

    def resident(conn: object) -> None:
        found = participants.find_or_create(conn, "telegram", secret_id, secret_chat, now)  # type: ignore[arg-type]
        participants.update(conn, found.id, {"consent_at": now, "area": "Riverside"})  # type: ignore[arg-type]
        conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO assets (participant_id, category, what, latitude, longitude, "
            "created_at) VALUES (?, 'facilities', '\"The old library\"', 51.4816, -3.1791, ?)",
            (found.id, now),
        )

    await web.core.db.write(resident)
    await web.sign_in()
    seen = []
    for path in GET_PAGES:
        body = await (await web.client.get(path)).text()
        seen.append(path)
        assert secret_id not in body and secret_chat not in body, path
    assert "The old library" in await (await web.client.get("/assets")).text()
    assert len(seen) == len(GET_PAGES)
