"""Residents' words: "something else" from rounds (and linking one to the initiative that
answers it), answers to the questions asked in words, and voice notes, played in the page
when the channel can fetch the recording. Every read is recorded in the audit log."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.staff.actor import Actor, Role
from bot.staff.hearing import DEFAULT_LIMIT
from bot.store import initiatives
from bot.web.forms import number
from bot.web.i18n import W_, staff_text, tr
from bot.web.server import ACTOR, Dashboard, Handler
from bot.web.voice import from_simulator, playable

log = logging.getLogger(__name__)


async def show(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /words[?flow=ID]."""
    hearing = d.core.hearing()
    actor = request[ACTOR]
    flows = sorted({f for f, _ in hearing.typed})
    flow = request.query.get("flow") or None
    if flow not in flows:
        flow = None
    suggestions = await hearing.suggested(actor)
    answers = await hearing.said(actor, flow)
    voices = await hearing.voices(actor)
    choices = await d.core.db.read(initiatives.all_initiatives)
    return d.page(
        request,
        "words.html",
        suggestions=suggestions,
        answers=[(a, hearing.question(a.flow_id, a.node_id)) for a in answers],
        voices=[
            (
                v,
                hearing.question(v.flow_id, v.node_id),
                playable(v.voice or "", d.voice),
                from_simulator(v.voice or ""),
            )
            for v in voices
        ],
        flows=flows,
        flow=flow,
        initiatives=[(i.id, staff_text(i.title)) for i in choices],
        limit=DEFAULT_LIMIT,
    )


async def voice(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /words/voice/{id}: the recording (hearing it is recorded in the audit log)."""
    answer_id = int(request.match_info["id"])
    file_id, _ = await d.core.hearing().voice(request[ACTOR], answer_id)
    if d.voice is None or not playable(file_id, d.voice):
        raise web.HTTPNotFound(text="There is no recording to play here.")
    try:
        audio = await d.voice.fetch(file_id)
    except LookupError:
        log.info("voice note %s could not be fetched from the channel", answer_id)
        raise web.HTTPNotFound(text="Telegram no longer has this recording.") from None
    return web.Response(
        body=audio,
        content_type="audio/ogg",
        headers={"Content-Disposition": f'inline; filename="voice-note-{answer_id}.oga"'},
    )


async def link(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /words/suggestions/{id}/link: an initiative answers this suggestion."""
    return await _linking(d, request, d.core.hearing().link)


async def unlink(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /words/suggestions/{id}/unlink: a link made by mistake is undone."""
    return await _linking(d, request, d.core.hearing().unlink)


async def _linking(
    d: Dashboard, request: web.Request, change: Callable[[Actor, int, int], Awaitable[str]]
) -> web.StreamResponse:
    submission_id = int(request.match_info["id"])
    form = await request.post()

    async def work() -> str:
        initiative = number(form, "initiative", tr(W_("The initiative")))
        return await change(request[ACTOR], submission_id, initiative)

    return await d.act(request, work, "/words#suggestions")


ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/words", show, Role.VIEWER),
    ("GET", "/words/voice/{id:\\d+}", voice, Role.VIEWER),
    ("POST", "/words/suggestions/{id:\\d+}/link", link, Role.STAFF),
    ("POST", "/words/suggestions/{id:\\d+}/unlink", unlink, Role.STAFF),
)
