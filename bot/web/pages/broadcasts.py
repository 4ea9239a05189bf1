"""Broadcasts: compose (a text per language, or a translated template), preview who will get
it in which language and who gets the English, send now or at a time, and follow it with a
live progress bar, pausing, resuming or cancelling."""

from __future__ import annotations

import shlex

from aiohttp import web

from bot.jobs.compose import TEMPLATES
from bot.jobs.sender import Progress
from bot.staff import broadcasts as drafts
from bot.staff.actor import Role
from bot.staff.telling import describe, quiet_until
from bot.store import broadcasts, dashboard
from bot.store.db import Tx
from bot.web.forms import field
from bot.web.i18n import W_, say, tr
from bot.web.i18n import status as status_word
from bot.web.server import ACTOR, Dashboard, Handler

RECENT = 20
AUDIENCES = {
    "everyone": W_("Everyone"),
    "champions": W_("Active champions"),
    "round": W_("Took part in round…"),
    "topic": W_("Chose topic…"),
    "initiative": W_("Evaluated initiative…"),
    "people": W_(
        "Chose an initiative's topics, evaluated it, or voted for or proposed its measures…"
    ),
    "area": W_("Live in area…"),
}
DONE = {
    "sending": W_("Sending."),
    "scheduled": W_("Scheduled."),
    "paused": W_("Paused."),
    "cancelled": W_("Cancelled."),
    "discarded": W_("Cancelled: nothing was sent."),
}


async def index(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /broadcasts."""
    found = await d.core.db.read(_recent)
    return d.page(
        request,
        "broadcasts.html",
        broadcasts=[
            (b, say(describe(b.audience)), _shown(d, _progress(b, counts))) for b, counts in found
        ],
        audiences=[(k, tr(v)) for k, v in AUDIENCES.items()],
        templates=list(TEMPLATES),
    )


async def compose(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /broadcasts: a draft (nothing is sent until it is confirmed on its page)."""
    form = await request.post()

    async def work() -> str:
        # The same request the Telegram command and the command line make, read by the
        # same parser: the same checks and the same messages.
        kind, value = field(form, "audience"), field(form, "audience_value")
        first = [kind if kind in ("everyone", "champions") else f"{kind}:{value}"]
        for option, name in (("at", "at"), ("spread", "spread"), ("template", "template")):
            if field(form, name):
                first.append(f"{option}={field(form, name)}")
        lines = [" ".join(shlex.quote(w) for w in first)]
        if not field(form, "template"):
            lines.append(field(form, "message"))
            lines += [
                f"{code}: {field(form, f'message_{code}')}"
                for code in d.core.catalogs.available()
                if code != "en" and field(form, f"message_{code}")
            ]
        parsed = drafts.parse_request("\n".join(lines), d.core.settings.timezone, d.core.clock())
        new = await drafts.draft(d.core.desk, request[ACTOR], parsed)
        raise web.HTTPSeeOther(f"/broadcasts/{new}")

    return await d.act(request, work, "/broadcasts#compose")


async def one(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /broadcasts/{id}: the preview of a draft, or the progress of a broadcast."""
    broadcast_id = int(request.match_info["id"])
    found = await d.core.db.read(_one, broadcast_id)
    if found is None:
        raise web.HTTPNotFound()
    broadcast, counts = found
    now = _progress(broadcast, counts)
    # Who it would reach is worked out over the whole audience: for a draft or a scheduled
    # one; once it is going, the ledger says who it reached.
    preview = ""
    if broadcast.status in ("draft", "scheduled"):
        preview = await drafts.preview(
            d.core.desk,
            broadcast_id,
            d.core.settings.timezone,
            d.core.quiet,
            threshold=d.core.settings.suppress_below,
        )
    return d.page(
        request,
        "broadcast.html",
        broadcast=broadcast,
        who=say(describe(broadcast.audience)),
        preview=say(preview).splitlines(),
        message=(broadcast.content.get("texts") or {}).get("en")
        or broadcast.content.get("template"),
        progress=_shown(d, now),
        text=say(drafts.progress_text(now, d.core.settings.suppress_below)),
        # "Sending." and "Sent 0 of 5" at night said nothing of the wait until morning.
        quiet_until=(
            quiet_until(d.core.quiet, d.core.desk.now(), d.core.settings.timezone)
            if broadcast.status == "sending"
            else None
        ),
    )


async def progress(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /broadcasts/{id}/progress.json, polled by the page while it goes out."""
    broadcast_id = int(request.match_info["id"])
    found = await d.core.db.read(_one, broadcast_id)
    if found is None:
        raise web.HTTPNotFound()
    now = _progress(*found)
    shown = _shown(d, now)
    bar = shown.bar
    # Counts as the export gives them: a number, or "<5" / "[c]" where it is suppressed.
    # The page's script draws the bar from `bar` only (null: none that would not give a
    # count away).
    return web.json_response(
        {
            "status": now.status,
            "status_text": status_word(now.status),
            "total": _number(shown.total),
            "sent": _number(shown.sent),
            "failed": _number(shown.failed),
            "unreachable": _number(shown.unreachable),
            "queued": _number(shown.waiting),
            "bar": None if bar is None else {"value": bar[0], "max": bar[1]},
            "text": say(drafts.progress_text(now, d.core.settings.suppress_below)),
        }
    )


async def control(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /broadcasts/{id}/{send|pause|resume|cancel}."""
    broadcast_id = int(request.match_info["id"])
    action = request.match_info["action"]
    actor = request[ACTOR]

    async def work() -> str:
        if action == "send":
            state = await drafts.confirm(
                d.core.desk, actor, broadcast_id, threshold=d.core.settings.suppress_below
            )
        else:
            state = await drafts.control(d.core.desk, actor, broadcast_id, action)
        if d.jobs is not None:
            # As the Telegram buttons do: start the sender now (or put the exact-time job
            # in place for a scheduled one).
            if state == "sending":
                d.jobs.launch(broadcast_id)
            elif state == "scheduled":
                await d.jobs.sweep()
        if state == "discarded":
            d.tell(request, tr(DONE[state]))
            raise web.HTTPSeeOther("/broadcasts")
        return tr(DONE.get(state, W_("Done.")))

    return await d.act(request, work, f"/broadcasts/{broadcast_id}")


def _progress(b: broadcasts.Broadcast, counts: dict[str, int]) -> Progress:
    return Progress.from_counts(b.id, b.status, counts, None)


def _shown(d: Dashboard, progress: Progress) -> drafts.Shown:
    return drafts.shown(progress, d.core.settings.suppress_below)


def _number(shown: str) -> int | str:
    return int(shown) if shown.isdigit() else shown


def _recent(conn: Tx) -> list[tuple[broadcasts.Broadcast, dict[str, int]]]:
    found = []
    for broadcast_id in dashboard.recent_broadcasts(conn, RECENT):
        b = broadcasts.get(conn, broadcast_id)
        if b is not None:
            found.append((b, broadcasts.counts(conn, broadcast_id)))
    return found


def _one(conn: Tx, broadcast_id: int) -> tuple[broadcasts.Broadcast, dict[str, int]] | None:
    found = broadcasts.get(conn, broadcast_id)
    return (found, broadcasts.counts(conn, broadcast_id)) if found else None


ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/broadcasts", index, Role.VIEWER),
    ("POST", "/broadcasts", compose, Role.STAFF),
    ("GET", "/broadcasts/{id:\\d+}", one, Role.VIEWER),
    ("GET", "/broadcasts/{id:\\d+}/progress.json", progress, Role.VIEWER),
    ("POST", "/broadcasts/{id:\\d+}/{action:send|pause|resume|cancel}", control, Role.STAFF),
)
