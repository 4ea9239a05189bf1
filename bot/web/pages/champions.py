"""Champions (QS148 statement 4): their status and who joined through their links, their life
cycle (approve, pause, retire, reactivate), their figures, posters, and support requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.jobs.artwork import MatplotlibArtwork, Poster
from bot.staff import champions as staff_champions
from bot.staff import suppress
from bot.staff.actor import Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.posters import PosterDesk
from bot.staff.said import Said
from bot.staff.staffing import known_bot_username
from bot.store import champions, dashboard, support
from bot.store.db import Tx
from bot.store.referral_stats import FLOWS, referral_stats
from bot.web.forms import field
from bot.web.i18n import W_, not_done, tr
from bot.web.server import ACTOR, Dashboard, Handler

VERB_LABELS = {
    "approve": W_("Approve"),
    "pause": W_("Pause"),
    "retire": W_("Retire"),
    "reactivate": W_("Reactivate"),
}
assert set(VERB_LABELS) == set(staff_champions.CHANGES)
# What was done, said after it ("Champion 2: Approve." read as an order, not a result).
DONE_WORDS = {
    "approve": W_("Champion {id} is approved."),
    "pause": W_("Champion {id} is paused."),
    "retire": W_("Champion {id} is retired."),
    "reactivate": W_("Champion {id} is active again."),
}


async def index(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /champions."""
    found, joined, waiting = await d.core.db.read(_all)
    t = d.core.settings.suppress_below
    return d.page(
        request,
        "champions.html",
        champions=[
            (
                c,
                suppress.count(joined.get(c.id, 0), t),
                [v for v, (_, allowed) in staff_champions.CHANGES.items() if c.status in allowed],
            )
            for c in found
        ],
        requests=waiting,
        verb_labels={verb: tr(label) for verb, label in VERB_LABELS.items()},
        flows=sorted(d.core.flows.ids()),
    )


async def one(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /champions/{id}: what they achieved, their last check-in, open requests."""
    champion_id = int(request.match_info["id"])

    found = await d.core.db.read(_one, champion_id)
    if found is not None and (found[0].skills or found[0].other_languages or found[3]):
        # Their own words (what they are good at, what they asked): read, and audited.

        def work(conn: Tx, log: Audit) -> tuple[Any, ...] | None:
            log("residents.read", "champion", champion_id)
            return _one(conn, champion_id)

        found = await d.core.desk.act(
            request[ACTOR], Role.VIEWER, Said("read a champion's page"), work
        )
    if found is None:
        raise web.HTTPNotFound()
    champion, figures, checkin, waiting = found
    return d.page(
        request,
        "champion.html",
        champion=champion,
        figures=figures,
        flows=FLOWS,
        checkin=checkin,
        requests=waiting,
    )


async def change(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /champions/{id}/{verb}."""
    champion_id = int(request.match_info["id"])
    verb = request.match_info["verb"]

    async def work() -> str:
        participant_id = await staff_champions.change(
            d.core.desk, request[ACTOR], champion_id, verb
        )
        done = tr(DONE_WORDS[verb], id=champion_id)
        # Approved or active again: they are told, with their link, as from Telegram.
        if verb in ("approve", "reactivate") and d.tell_champion is not None:
            if await d.tell_champion(participant_id):
                done += " " + tr(W_("They have been sent their link."))
        return done

    return await d.act(request, work, "/champions")


async def poster(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /champions/{id}/poster: their poster as a PDF (A4) or PNG, to download."""
    champion_id = int(request.match_info["id"])
    form = await request.post()

    async def draw(desk: PosterDesk) -> tuple[str, Poster]:
        return await desk.for_champion(request[ACTOR], champion_id, field(form, "lang") or None)

    return await _poster(d, request, form, draw)


async def place_poster(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /champions/poster: a poster for a place (a library, a surgery) with the bot's
    own link, opening a flow if chosen."""
    form = await request.post()

    async def draw(desk: PosterDesk) -> tuple[str, Poster]:
        return await desk.for_place(
            request[ACTOR],
            field(form, "place"),
            field(form, "lang") or None,
            field(form, "flow") or None,
            set(d.core.flows.ids()),
        )

    return await _poster(d, request, form, draw)


async def _poster(
    d: Dashboard,
    request: web.Request,
    form: Any,
    draw: Callable[[PosterDesk], Awaitable[tuple[str, Poster]]],
) -> web.StreamResponse:
    username = await known_bot_username(d.core.desk, d.core.settings.bot_username)
    fmt = "png" if field(form, "format") == "png" else "pdf"
    try:
        if not username:
            raise StaffError(
                "Set BOT_USERNAME (your bot's username, without @) first, so that the poster's "
                "QR code opens your bot."
            )
        desk = PosterDesk(
            d.core.desk, MatplotlibArtwork(d.core.catalogs), username, d.core.settings.organisation
        )
        stem, drawn = await draw(desk)
    except StaffError as exc:
        d.tell(request, not_done(exc), "error")
        raise web.HTTPSeeOther("/champions") from None
    return web.Response(
        body=drawn.pdf if fmt == "pdf" else drawn.png,
        content_type="application/pdf" if fmt == "pdf" else "image/png",
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


async def answer(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /support/{id}/answer: the answer goes to the champion."""
    request_id = int(request.match_info["id"])
    form = await request.post()

    async def work() -> str:
        found = await staff_champions.answer(
            d.core.desk, request[ACTOR], request_id, field(form, "answer")
        )
        if d.jobs is not None:
            await d.jobs.sweep()
        return tr(
            W_("Support request {id} is closed; the answer goes to champion {champion}."),
            id=request_id,
            champion=found.champion_id,
        )

    return await d.act(request, work, "/champions#support")


async def done(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /support/{id}/done: answered some other way; nothing is sent."""
    request_id = int(request.match_info["id"])
    form = await request.post()

    async def work() -> str:
        await staff_champions.mark_answered(
            d.core.desk, request[ACTOR], request_id, field(form, "note")
        )
        return tr(W_("Support request {id} is closed. Nothing was sent."), id=request_id)

    return await d.act(request, work, "/champions#support")


def _all(conn: Tx) -> tuple[list[champions.Champion], dict[int, int], list[support.Request]]:
    return (
        champions.all_champions(conn),
        dashboard.referrals_by_champion(conn),
        support.with_status(conn, "open"),
    )


def _one(conn: Tx, champion_id: int) -> tuple[Any, ...] | None:
    found = champions.get(conn, champion_id)
    if found is None:
        return None
    return (
        found,
        referral_stats(conn, champion_id, FLOWS),
        support.last_checkin(conn, found.participant_id),
        support.with_status(conn, "open", champion_id),
    )


ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/champions", index, Role.VIEWER),
    ("GET", "/champions/{id:\\d+}", one, Role.VIEWER),
    ("POST", "/champions/{id:\\d+}/{verb:approve|pause|retire|reactivate}", change, Role.STAFF),
    ("POST", "/champions/{id:\\d+}/poster", poster, Role.STAFF),
    ("POST", "/champions/poster", place_poster, Role.STAFF),
    ("POST", "/support/{id:\\d+}/answer", answer, Role.STAFF),
    ("POST", "/support/{id:\\d+}/done", done, Role.STAFF),
)
