"""The overview: who takes part (by language and area), activity week by week, open rounds,
and what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.staff import suppress
from bot.staff.areas import Counted, by_area
from bot.store import areas as area_store
from bot.store import dashboard, milestones, rounds, support
from bot.store.db import Tx
from bot.web.i18n import W_, hidden_note, staff_text, tr
from bot.web.server import Dashboard

WEEKS = 12
AREAS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a table of people: its name, the count as shown, and the bar's length."""

    name: str
    shown: str
    value: int


async def show(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /."""
    now = d.core.clock()
    found = await d.core.db.read(_read, now)
    t = d.core.settings.suppress_below
    languages = _languages(found["people"], t, d.core.catalogs.display_name)
    areas = _areas(found["areas"], t)
    weeks = _weeks(found["weeks"], t)
    return d.page(
        request,
        "overview.html",
        languages=languages,
        areas=areas,
        # Only these tables have a total that others add up to, so only they can show "[c]".
        hidden_note=hidden_note([row.shown for row in languages + areas], t),
        weeks=weeks,
        most=max([w[1].value for w in weeks] + [1]),
        most_answers=max([w[2].value for w in weeks] + [1]),
        open_rounds=[
            (r, staff_text(r.question), suppress.count(n, t)) for r, n in found["open_rounds"]
        ],
        due=_due(found, now),
        waiting=found["waiting"],
        support=len(found["support"]),
    )


def _read(conn: Tx, now: datetime) -> dict[str, Any]:
    monday = now.date() - timedelta(days=now.date().weekday())
    starts = [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    weeks = []
    for start in starts:
        end = (start + timedelta(weeks=1)).isoformat()
        weeks.append(
            (
                start,
                dashboard.joined_between(conn, start.isoformat(), end),
                dashboard.answers_between(conn, start.isoformat(), end),
            )
        )
    open_rounds = rounds.all_rounds(conn, "open")
    return {
        "people": dashboard.participants_by_language_and_area(conn),
        "areas": area_store.taking_part_by_area(conn),
        "weeks": weeks,
        "open_rounds": [(r, rounds.participant_count(conn, r.id)) for r in open_rounds],
        "milestones": [m for m in milestones.of_initiative(conn) if m.done_on is None],
        "waiting": dashboard.waiting(conn),
        "support": support.with_status(conn, "open"),
    }


def _languages(
    rows: list[tuple[str | None, str | None, int]], threshold: int, name: Any
) -> list[Row]:
    """Residents taking part by language, small counts hidden (a total is shown, so other
    counts are hidden too where a small one could be worked out)."""
    by_language: dict[str, int] = {}
    for locale, _, n in rows:
        code = locale or "en"
        by_language[code] = by_language.get(code, 0) + n
    languages = sorted(by_language.items(), key=lambda kv: (-kv[1], kv[0]))
    total = tr(W_("All residents taking part"))
    return _protected([(f"{name(c)} ({c})", n) for c, n in languages], total, threshold)


def _areas(given: dict[str, int], threshold: int) -> list[Row]:
    """Residents taking part by area, hidden as 'areas' hides them (one `by_area` for every
    channel, so none shows what another hides); the largest shown as numbers, every one
    hidden, and the rest (all shown as numbers in 'areas') together."""

    def row(label: str, c: Counted) -> Row:
        return Row(label, c.shown, c.count if c.visible else 0)  # a hidden count gives no bar

    counted = by_area(given, threshold)
    top, others = counted.top(AREAS_SHOWN)
    rows = [row(c.name, c) for c in top]
    if others:
        rows.append(Row(tr(W_("Other areas")), str(others), others))
    if counted.no_area.count:
        rows.append(row(tr(W_("No area given")), counted.no_area))
    return [*rows, row(tr(W_("All residents taking part")), counted.total)]


def _protected(rows: list[tuple[str, int]], total: str, threshold: int) -> list[Row]:
    counts = [n for _, n in rows]
    shown = suppress.breakdown(counts, threshold)
    out = [
        Row(label, shown.shown[i], n if shown.visible(i) else 0)
        for i, (label, n) in enumerate(rows)
    ]
    # The bars' lengths are in the page too: a hidden total gives none.
    whole = sum(counts) if shown.visible(len(counts)) else 0
    return [*out, Row(total, shown.shown[-1], whole)]


def _weeks(weeks: list[tuple[date, int, int]], threshold: int) -> list[tuple[date, Row, Row]]:
    out = []
    for start, joined, answered in weeks:
        people = suppress.count(joined, threshold)
        answers = suppress.count(answered, threshold)
        out.append(
            (
                start,
                Row("", people, joined if people == str(joined) else 0),
                Row("", answers, answered if answers == str(answered) else 0),
            )
        )
    return out


def _due(found: dict[str, Any], now: datetime) -> list[tuple[str, str, str]]:
    """(when, what, link) of what is overdue or due in the next two weeks, soonest first."""
    today = now.date().isoformat()
    soon = (now.date() + timedelta(days=14)).isoformat()
    due: list[tuple[str, str, str]] = []
    for m in found["milestones"]:
        if m.due_on <= soon:
            what = (
                tr(W_("Overdue milestone: {title} (owner {owner})"), title=m.title, owner=m.owner)
                if m.due_on < today
                else tr(W_("Milestone: {title} (owner {owner})"), title=m.title, owner=m.owner)
            )
            due.append((m.due_on, what, f"/initiatives/{m.initiative_id}"))
    for r, _ in found["open_rounds"]:
        if r.closes_at[:10] <= soon:
            what = tr(W_("Round {id} closes: {question}"), id=r.id, question=staff_text(r.question))
            due.append((r.closes_at[:10], what, f"/rounds/{r.id}"))
    return sorted(due)
