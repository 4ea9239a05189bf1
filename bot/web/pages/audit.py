"""The audit log: every staff action from every channel, newest first."""

from __future__ import annotations

import json

from aiohttp import web

from bot.staff.actor import StaffError
from bot.staff.parsing import parse_day
from bot.store import audit
from bot.web.i18n import explain
from bot.web.server import Dashboard

SHOWN = 200


async def show(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /audit[?since=2026-11-01]."""
    since = request.query.get("since", "").strip()
    problem = None
    start = None
    if since:
        try:
            start = parse_day(since, end_of_day=False).isoformat()
        except StaffError as exc:
            problem = explain(exc)
    entries = await d.core.db.read(audit.entries, start, SHOWN)
    return d.page(
        request,
        "audit.html",
        entries=[(e, _json(e.before), _json(e.after)) for e in entries],
        since=since,
        problem=problem,
        shown=SHOWN,
    )


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False)
