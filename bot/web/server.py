"""The dashboard's web server: routes, sign-in, the session cookie, CSRF tokens, role checks
and security headers around every page, and the helpers pages use to render and to act."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

from bot.staff.actor import Actor, Refused, Role, StaffError
from bot.staff.dashboard import DashboardDoor
from bot.staff.desk import Queued
from bot.staff.said import Said
from bot.staff.telling import sending_after, sending_now, told
from bot.store.broadcasts import Audience, Reach
from bot.store.texts import Texts
from bot.web.i18n import (
    LANGUAGE_COOKIE,
    W_,
    DashboardCatalogs,
    explain,
    gettext_now,
    ngettext_now,
    not_done,
    say,
    status,
    tr,
)
from bot.web.voice import VoiceFiles

if TYPE_CHECKING:
    from bot.app import Core
    from bot.jobs.scheduler import Jobs

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "cv_session"
CSRF_FIELD = "csrf"
# What a request carries once it is let in: who, their session, its form token, the language.
ACTOR = web.RequestKey("actor", Actor)
SESSION = web.RequestKey("session_id", int)
CSRF = web.RequestKey("csrf", str)
LANG = web.RequestKey("lang", str)
EXPIRED_FORM = W_("This form has expired. Go back, reload the page and try again.")
NOTHING_THERE = W_("There is nothing at this address: the number may be wrong, or it was removed.")
Handler = Callable[["Dashboard", web.Request], Awaitable[web.StreamResponse]]
# TRANSLATORS: an action, put into "Your role (viewer) cannot {what}; ...".
_CHANGING = Said("make this change")
# TRANSLATORS: an action, put into "Your role (viewer) cannot {what}; ...".
_SEEING = Said("see this page")

# (path, label, least role): the navigation, in order.
NAV: tuple[tuple[str, str, Role], ...] = (
    ("/", W_("Overview"), Role.VIEWER),
    ("/rounds", W_("Rounds"), Role.VIEWER),
    ("/initiatives", W_("Initiatives"), Role.VIEWER),
    ("/words", W_("Residents' words"), Role.VIEWER),
    ("/assets", W_("Assets"), Role.VIEWER),
    ("/champions", W_("Champions"), Role.VIEWER),
    ("/broadcasts", W_("Broadcasts"), Role.VIEWER),
    ("/reports", W_("Reports"), Role.VIEWER),
    ("/exports", W_("Exports"), Role.VIEWER),
    ("/staff", W_("Staff"), Role.ADMIN),
    ("/audit", W_("Audit log"), Role.VIEWER),
)


@dataclass
class Flash:
    """What the last action said, shown once on the next page."""

    kind: str  # "ok" or "error"
    text: str


@dataclass
class Dashboard:
    """The dashboard of one running bot."""

    core: Core
    jobs: Jobs | None = None  # the running bot's scheduled work (to send now, not later)
    voice: VoiceFiles | None = None
    # Sends a newly approved champion their link (the running bot's channel); None: nobody.
    tell_champion: Callable[[int], Awaitable[bool]] | None = None
    words: DashboardCatalogs = field(init=False)
    door: DashboardDoor = field(init=False)
    env: jinja2.Environment = field(init=False)
    flashes: dict[int, list[Flash]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        settings = self.core.settings
        self.words = DashboardCatalogs(settings.locales_dir)
        self.door = DashboardDoor(self.core.desk, timedelta(minutes=settings.web_idle_minutes))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            gettext_now, ngettext_now, newstyle=True
        )
        self.env.globals.update(tr=tr, status=status)

    # -- the application -----------------------------------------------------------------

    def application(self) -> web.Application:
        """The aiohttp application with every page."""
        from bot.web.pages import ROUTES

        app = web.Application(middlewares=[self._headers, self._language])
        app.router.add_get("/login/{token}", self._login_page)
        app.router.add_post("/login/{token}", self._login)
        app.router.add_post("/logout", self._guard(_logout, Role.VIEWER))
        app.router.add_get("/language/{code}", self._choose_language)
        app.router.add_static("/static", HERE / "static", append_version=False)
        for method, path, handler, role in ROUTES:
            app.router.add_route(method, path, self._guard(handler, role))
        return app

    @property
    def secure(self) -> bool:
        """Served over https (behind a proxy): the cookie is then sent over https only."""
        return self.core.settings.web_public_url.startswith("https://")

    @property
    def csp(self) -> str:
        """Scripts and styles from the dashboard's own files only; map tiles from the tile
        server staff configured, if any."""
        images = "'self' data:"
        tiles = self.core.settings.web_tile_url
        if tiles:
            parts = urlsplit(tiles.replace("{s}", "a"))
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
            images += f" {parts.scheme}://{host}"
        return (
            "default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src {images}; connect-src 'self'; media-src 'self'; font-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )

    @web.middleware
    async def _headers(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        headers = response.headers
        # How long the server took (sign-in check, reads, rendering), for the browser's
        # developer tools and bench/dashboard.py.
        headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        headers["Content-Security-Policy"] = self.csp
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        # The sign-in link is in the address bar: never tell another site where we came from.
        headers["Referrer-Policy"] = "no-referrer"
        if not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        if isinstance(response, web.HTTPException):
            raise response
        return response

    @web.middleware
    async def _language(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        code = self.words.choose(
            request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language")
        )
        self.words.use(code)
        request[LANG] = code
        return await handler(request)

    def _guard(self, handler: Handler, role: Role) -> Callable[[web.Request], Awaitable[Any]]:
        """Every page: a live session, the role it needs (read anew on each request), and on
        a form, the session's CSRF token."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            cookie = request.cookies.get(COOKIE, "")
            found = await self.door.actor(cookie) if cookie else None
            if found is None:
                return self.page(request, "signin.html", code=401, problem=None)
            actor, session_id = found
            request[ACTOR], request[SESSION] = actor, session_id
            request[CSRF] = csrf_token(cookie)
            if request.method == "POST":
                form = await request.post()
                sent = str(form.get(CSRF_FIELD, ""))
                if not hmac.compare_digest(sent, request[CSRF]):
                    log.info("dashboard: a form without its CSRF token was refused")
                    return self.refused(request, tr(EXPIRED_FORM))
            try:
                actor.require(role, _CHANGING if request.method == "POST" else _SEEING)
                return await handler(self, request)
            except Refused as exc:
                return self.refused(request, explain(exc))
            except StaffError as exc:
                return self.page(
                    request, "refused.html", code=404, reason=explain(exc), heading=W_("Not found")
                )
            except web.HTTPNotFound:  # /rounds/99: a page in the dashboard's look, not text
                return self.page(
                    request,
                    "refused.html",
                    code=404,
                    reason=tr(NOTHING_THERE),
                    heading=W_("Not found"),
                )

        return guarded

    # -- rendering -----------------------------------------------------------------------

    def page(
        self, request: web.Request, template: str, *, code: int = 200, **context: Any
    ) -> web.Response:
        """A page rendered in the staff member's language."""
        actor = request.get(ACTOR)
        session_id = request.get(SESSION)
        shown = self.flashes.pop(session_id, []) if session_id is not None else []
        html = self.env.get_template(template).render(
            actor=actor,
            csrf=request.get(CSRF, ""),
            lang=request.get(LANG, "en"),
            ui_languages=[(c, self.words.name(c)) for c in self.words.available()],
            nav=[
                (path, tr(label), request.path == path or request.path.startswith(path + "/"))
                for path, label, role in NAV
                if actor is not None and actor.role >= role
            ],
            path=request.path_qs,
            flashes=shown,
            resident_languages=[
                (c, self.core.catalogs.display_name(c))
                for c in self.core.catalogs.available()
                if c != "en"
            ],
            can_act=actor is not None and actor.role >= Role.STAFF,
            is_admin=actor is not None and actor.role >= Role.ADMIN,
            **context,
        )
        return web.Response(text=html, status=code, content_type="text/html", charset="utf-8")

    def refused(self, request: web.Request, reason: str) -> web.Response:
        """403: the role does not allow it, or the form's token was missing."""
        return self.page(
            request, "refused.html", code=403, reason=reason, heading=W_("Not allowed")
        )

    def tell(self, request: web.Request, text: str, kind: str = "ok") -> None:
        """Say something on the next page this session sees."""
        self.flashes.setdefault(request[SESSION], []).append(Flash(kind, text))

    async def act(
        self,
        request: web.Request,
        work: Callable[[], Coroutine[Any, Any, str]],
        back: str,
    ) -> web.StreamResponse:
        """Do a staff action and go back to `back` saying what happened (or why not)."""
        try:
            said = await work()
        except Refused as exc:
            return self.refused(request, explain(exc))
        except StaffError as exc:
            self.tell(request, not_done(exc), "error")
        else:
            if said:
                self.tell(request, say(said))
        raise web.HTTPSeeOther(back)

    async def sending(self, queued: Queued) -> str:
        """After an action queued news for residents: send it now (not at the next sweep)
        and say who will be told."""
        if self.jobs is not None:
            await self.jobs.sweep()
        core = self.core
        sending = sending_now(core.quiet, core.desk.now(), core.settings.timezone)
        return self.who_is_told(queued.reach, queued.audience, sending, queued.texts)

    def starts_after(self, action: str) -> str:
        """When sending will start if the staff member does `action` now (quiet hours)."""
        core = self.core
        return sending_after(action, core.quiet, core.desk.now(), core.settings.timezone)

    def who_is_told(
        self, reach: Reach, audience: Audience, sending: str, texts: Texts | None = None
    ) -> str:
        """Who a message would reach, its counts suppressed as this bot is set to, and who
        will read staff's `texts` in it in English."""
        return say(
            told(reach, audience, sending, threshold=self.core.settings.suppress_below, texts=texts)
        )

    # -- signing in and out --------------------------------------------------------------

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        # Opening the link does not use it: Telegram's link preview opens links too. The
        # button posts the token back.
        return self.page(request, "login.html", token=request.match_info["token"])

    async def _login(self, request: web.Request) -> web.StreamResponse:
        try:
            signed = await self.door.sign_in(request.match_info["token"])
        except StaffError as exc:
            return self.page(request, "signin.html", code=403, problem=explain(exc))
        response = web.HTTPSeeOther("/")
        response.set_cookie(
            COOKIE,
            signed.token,
            httponly=True,
            samesite="Strict",
            secure=self.secure,
            path="/",
        )
        raise response

    async def _choose_language(self, request: web.Request) -> web.StreamResponse:
        code = request.match_info["code"]
        back = request.query.get("back", "/")
        response = web.HTTPSeeOther(back if back.startswith("/") and "//" not in back else "/")
        if code in self.words.available():
            response.set_cookie(
                LANGUAGE_COOKIE,
                code,
                samesite="Strict",
                secure=self.secure,
                path="/",
                max_age=365 * 86400,
            )
        raise response


async def _logout(d: Dashboard, request: web.Request) -> web.StreamResponse:
    await d.door.sign_out(request[ACTOR], request[SESSION])
    response = web.HTTPSeeOther("/")
    response.del_cookie(COOKIE, path="/")
    raise response


def csrf_token(cookie: str) -> str:
    """The session's form token: made from the cookie (which only the browser has; the
    database keeps its hash), so it needs no storage and dies with the session."""
    return hmac.new(cookie.encode(), b"community-voice csrf", hashlib.sha256).hexdigest()


class WebServer:
    """Serves a dashboard on an address until stopped."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        """Listen (port 0: any free port, then in `self.port`); OSError if it cannot."""
        runner = web.AppRunner(self.dashboard.application(), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
