"""Rounds: the list, a round's results (live chart, topics), adding a topic, closing a round
(after a page saying who will be told), and opening a new one with its translations."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from aiohttp import web

from bot.jobs.chartworker import draw
from bot.jobs.results import Results, chart_spec, label
from bot.staff import listings, suppress
from bot.staff.actor import Role
from bot.store import broadcasts, rounds
from bot.store.broadcasts import Audience
from bot.store.db import Tx
from bot.web.forms import field, maybe_translated, optional, translated
from bot.web.i18n import W_, hidden_note, say, staff_text, tr
from bot.web.server import ACTOR, LANG, Dashboard, Handler

# Drawn charts by what they show: a refresh draws again only when a count moved.
_CHARTS: OrderedDict[str, bytes] = OrderedDict()
_CHARTS_KEPT = 32


async def index(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /rounds."""
    found = await d.core.db.read(_all)
    t = d.core.settings.suppress_below
    return d.page(
        request,
        "rounds.html",
        rounds=[(r, staff_text(r.question), suppress.count(n, t)) for r, n in found],
        today=d.core.clock().date().isoformat(),
    )


async def one(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /rounds/{id}."""
    round_, results, took_part = await _found(d, request)
    t = d.core.settings.suppress_below
    tr_resident = d.core.catalogs.get(request[LANG])
    # As staff's results elsewhere: first choices all "[c]" when any is small.
    shown = listings.ranked(results, took_part, t)
    ranked = [
        (place, r, label(r.topic.label, tr_resident), people, first)
        for place, (r, people, first) in enumerate(shown.topics, start=1)
    ]
    return d.page(
        request,
        "round.html",
        round=round_,
        question=staff_text(round_.question),
        translations=sorted((c, v) for c, v in round_.question.items() if c != "en"),
        ranked=ranked,
        firsts_hidden=shown.firsts_hidden,
        took_part=shown.took_part,
        charted=took_part >= t and any(r.people for r in results),
        no_chart=_no_chart(t),
        caption=_caption(t),
        hidden_note=hidden_note(
            [shown.took_part, *(n for _, chose, first in shown.topics for n in (chose, first))], t
        ),
    )


def _no_chart(threshold: int) -> str:
    """Why there is no chart: too few took part for figures to be shown (SUPPRESS_BELOW)."""
    if threshold <= 1:
        return tr(W_("No chart yet: nobody has taken part."))
    return tr(
        W_("No chart yet: fewer than {threshold} people took part, so no figures are shown."),
        threshold=threshold,
    )


def _caption(threshold: int) -> str:
    """The chart's caption: the chart residents get, but for what it hides when the
    dashboard's threshold (SUPPRESS_BELOW) is not the one residents' charts always use."""
    if threshold == rounds.SMALLEST_SHOWN:
        return tr(W_("The chart residents get when the round closes."))
    if threshold <= 1:
        # TRANSLATORS: {most} is 4: residents' charts show counts of 1 to 4 as "<5".
        return tr(
            W_(
                "Like the chart residents get when the round closes, but no counts are hidden "
                "here (residents' charts hide 1 to {most})."
            ),
            most=rounds.SMALLEST_SHOWN - 1,
        )
    # TRANSLATORS: {most} is 4: residents' charts show counts of 1 to 4 as "<5".
    return tr(
        W_(
            "Like the chart residents get when the round closes, but counts under {threshold} "
            "are hidden here (residents' charts hide 1 to {most})."
        ),
        threshold=threshold,
        most=rounds.SMALLEST_SHOWN - 1,
    )


async def chart(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /rounds/{id}/chart.svg: the chart residents get, in the page's language, its
    counts hidden as the page's table hides them (below SUPPRESS_BELOW)."""
    round_, results, took_part = await _found(d, request)
    t = d.core.settings.suppress_below
    # In the table's order: where first choices are hidden, the order must not show them.
    spec = chart_spec(
        Results(round_.id, round_.question, took_part, tuple(rounds.in_order(results, t))),
        d.core.catalogs.get(request[LANG]),
        t,
    )
    if spec is None:
        raise web.HTTPNotFound(text="Too few took part for figures to be shown.")
    key = f"{t}-{spec.key}"
    svg = _CHARTS.get(key)
    if svg is None:
        svg = await asyncio.to_thread(draw, spec, "svg", suppress.small(t))
        _CHARTS[key] = svg
        while len(_CHARTS) > _CHARTS_KEPT:
            _CHARTS.popitem(last=False)
    return web.Response(body=svg, content_type="image/svg+xml")


async def open_round(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /rounds: open a round (default topics unless staff list their own)."""
    form = await request.post()
    languages = _languages(d)

    async def work() -> str:
        question = maybe_translated(form, "question", languages)
        topics = [{"en": line.strip()} for line in field(form, "topics").splitlines()]
        new = await d.core.desk.open_round(
            request[ACTOR],
            field(form, "closes"),
            question,
            [t for t in topics if t["en"]] or None,
            optional(form, "area"),
        )
        d.tell(request, tr(W_("Opened round {round}."), round=new))
        notes = await d.core.desk.round_notes(request[ACTOR], new)
        if notes:
            d.tell(request, say(notes), "warn")
        raise web.HTTPSeeOther(f"/rounds/{new}")

    return await d.act(request, work, "/rounds")


async def add_topic(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /rounds/{id}/topics."""
    round_id = int(request.match_info["id"])
    form = await request.post()

    async def work() -> str:
        new = await d.core.desk.add_topic(
            request[ACTOR], round_id, translated(form, "label", _languages(d))
        )
        return tr(W_("Added topic {topic} to round {round}."), topic=new, round=round_id)

    return await d.act(request, work, f"/rounds/{round_id}")


async def confirm_close(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /rounds/{id}/close: who will be told, before closing."""
    round_id = int(request.match_info["id"])
    audience = Audience("round", round_id)
    found, reach = await d.core.db.read(
        lambda conn: (rounds.get(conn, round_id), broadcasts.reach(conn, audience))
    )
    if found is None:
        raise web.HTTPNotFound()
    return d.page(
        request,
        "round_close.html",
        round=found,
        question=staff_text(found.question),
        told=d.who_is_told(reach, audience, d.starts_after("close it")).splitlines(),
    )


async def close(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /rounds/{id}/close: close now; the results go out at once."""
    round_id = int(request.match_info["id"])

    async def work() -> str:
        queued = await d.core.desk.close_round(request[ACTOR], round_id)
        said = tr(W_("Closed round {round}."), round=round_id)
        return said + "\n" + await d.sending(queued)

    return await d.act(request, work, f"/rounds/{round_id}")


def _languages(d: Dashboard) -> list[str]:
    return d.core.catalogs.available()


def _all(conn: Tx) -> list[tuple[rounds.Round, int]]:
    return [(r, rounds.participant_count(conn, r.id)) for r in rounds.all_rounds(conn)]


async def _found(
    d: Dashboard, request: web.Request
) -> tuple[rounds.Round, list[rounds.TopicResult], int]:
    found = await d.core.db.read(_one, int(request.match_info["id"]))
    if found is None:
        raise web.HTTPNotFound()
    return found


def _one(conn: Tx, round_id: int) -> tuple[rounds.Round, list[rounds.TopicResult], int] | None:
    found = rounds.get(conn, round_id)
    if found is None:
        return None
    return found, rounds.results(conn, round_id), rounds.participant_count(conn, round_id)


ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/rounds", index, Role.VIEWER),
    ("POST", "/rounds", open_round, Role.STAFF),
    ("GET", "/rounds/{id:\\d+}", one, Role.VIEWER),
    ("GET", "/rounds/{id:\\d+}/chart.svg", chart, Role.VIEWER),
    ("POST", "/rounds/{id:\\d+}/topics", add_topic, Role.STAFF),
    ("GET", "/rounds/{id:\\d+}/close", confirm_close, Role.STAFF),
    ("POST", "/rounds/{id:\\d+}/close", close, Role.STAFF),
)
