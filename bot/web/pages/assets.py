"""Community assets: a map and a table, verify or hide each, export the verified ones as
GeoJSON. Places on the map are shown as the export shows them: about 1 km unless the resident
agreed that the exact place may be shown."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.staff.actor import Role
from bot.staff.desk import ASSET_STATUSES
from bot.store import assets
from bot.store.assets import CATEGORIES
from bot.web.i18n import W_, tr
from bot.web.i18n import status as status_word
from bot.web.server import ACTOR, Dashboard, Handler

PAGE = 100
# Two decimal places of a degree: about 1 km, as in the GeoJSON export.
ROUNDED = 2
VERBS = {"verify": "verified", "hide": "hidden"}


async def show(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /assets[?status=new&page=2]."""
    wanted = _status(request)
    asked = request.query.get("page", "1")
    page = max(int(asked), 1) if asked.isascii() and asked.isdigit() else 1
    found = await d.core.db.read(assets.page, wanted, PAGE + 1, (page - 1) * PAGE)
    settings = d.core.settings
    return d.page(
        request,
        "assets.html",
        assets=found[:PAGE],
        more=len(found) > PAGE,
        page=page,
        wanted=wanted or "",
        statuses=ASSET_STATUSES,
        categories=CATEGORIES,
        tiles=settings.web_tile_url,
    )


async def points(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /assets/map.json: the assets with a place, for the map (drawn by the page)."""
    found = await d.core.db.read(assets.placed, _status(request))
    return web.json_response(
        {
            "assets": [
                {
                    "id": asset_id,
                    "category": category,
                    "what": _words(what),
                    "lat": lat if exact else round(lat, ROUNDED),
                    "lon": lon if exact else round(lon, ROUNDED),
                    "exact": exact,
                    "status": state,
                    "status_text": status_word(state),
                }
                for asset_id, category, what, lat, lon, exact, state in found
            ],
            "labels": {
                "verify": tr(W_("Verify")),
                "hide": tr(W_("Hide")),
                "status": tr(W_("Status")),
                "about": tr(W_("about 1 km")),
                "exact": tr(W_("exact place")),
            },
        }
    )


async def review(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /assets/{id}/verify or /assets/{id}/hide."""
    asset_id = int(request.match_info["id"])
    state = VERBS[request.match_info["verb"]]
    form = await request.post()
    back = str(form.get("back", "/assets"))

    async def work() -> str:
        await d.core.desk.set_asset(request[ACTOR], asset_id, state)
        return tr(W_("Asset {id} is now {status}."), id=asset_id, status=status_word(state))

    return await d.act(request, work, back if back.startswith("/assets") else "/assets")


def _status(request: web.Request) -> str | None:
    wanted = request.query.get("status") or None
    return wanted if wanted in ASSET_STATUSES else None


def _words(value: Any) -> str:
    if isinstance(value, dict) and "voice" in value:
        return tr(W_("(a voice note)"))
    return str(value)


ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/assets", show, Role.VIEWER),
    ("GET", "/assets/map.json", points, Role.VIEWER),
    ("POST", "/assets/{id:\\d+}/{verb:verify|hide}", review, Role.STAFF),
)
