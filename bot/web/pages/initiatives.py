"""Initiatives: the list and a new one; an initiative's measures (add, adopt, reject), its
evaluations (ratings per measure over time, every comment), milestones, history, and the
"you said, we did" update, previewed with who will be told before it is sent."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.staff import milestones as staff_milestones
from bot.staff import suppress
from bot.staff.actor import Role, StaffError
from bot.staff.commands import command
from bot.staff.hearing import COMMENT_QUESTIONS
from bot.staff.listings import own_words
from bot.staff.news import INITIATIVE_STATUSES, plan, status_of
from bot.staff.parsing import english
from bot.store import broadcasts, dashboard, initiatives, milestones, rounds
from bot.store.broadcasts import Audience
from bot.store.db import Tx
from bot.store.texts import Texts
from bot.web.forms import field, maybe_translated, number, numbers, optional, translated
from bot.web.i18n import W_, explain, hidden_note, staff_text, tr
from bot.web.i18n import status as status_word
from bot.web.server import ACTOR, Dashboard, Handler


async def index(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /initiatives."""
    found, topics = await d.core.db.read(_all)
    t = d.core.settings.suppress_below
    return d.page(
        request,
        "initiatives.html",
        initiatives=[
            (i, staff_text(i.title), ids, measures, suppress.count(n, t))
            for i, ids, measures, n in found
        ],
        topics=topics,
        statuses=INITIATIVE_STATUSES,
    )


async def one(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /initiatives/{id}: reading its evaluations is recorded, as in every channel."""
    initiative_id = int(request.match_info["id"])
    hearing = d.core.hearing()
    initiative, measures, ratings, count, comments = await hearing.evaluated(
        request[ACTOR], initiative_id
    )
    topics, plan, updates, steps = await d.core.db.read(_details, initiative_id)
    t = d.core.settings.suppress_below
    rated = []
    shown: list[str] = []  # every count of ratings on the page, to say what "[c]" is
    for m in measures:
        measured = hearing.measured([(p, r, n) for mid, p, r, n in ratings if mid == m.id])
        votes = "-" if m.status == "suggested" else suppress.count(m.votes, t)
        rated.append((m, _words(m), votes, measured.overall, measured.periods))
        shown += measured.counts()
    today = d.core.clock().date().isoformat()
    return d.page(
        request,
        "initiative.html",
        initiative=initiative,
        title=staff_text(initiative.title),
        description=staff_text(initiative.description) if initiative.description else "",
        topics=topics,
        measures=rated,
        waiting=any(m.status == "suggested" for m in measures),
        ratings_note=_ratings_note(t),
        hidden_note=hidden_note(shown, t),
        evaluations=suppress.count(count, t),
        comments=[(c, tr(COMMENT_WORDS[c.question])) for c in comments],
        milestones=[(m, _state(m, today)) for m in plan],
        history=_history(updates, steps, t),
        statuses=INITIATIVE_STATUSES,
        today=today,
    )


# TRANSLATORS: the rating scale is in the words residents tap ("😞 Very badly" ... "😀 Very
# well" in the evaluation questions): translate them as those are translated.
SCALE = W_("Ratings are what residents tapped: 1 Very badly, 2 Badly, 3 OK, 4 Well, 5 Very well.")
# TRANSLATORS: {threshold} is a number.
RATINGS_NOTE = W_(
    "Counts under {threshold} show as <{threshold}, and an average is shown only where none "
    "of the counts of stars behind it would be hidden."
)


def _ratings_note(threshold: int) -> str:
    """The rating scale, and what is hidden of ratings (SUPPRESS_BELOW)."""
    if threshold <= 1:
        return tr(SCALE) + " " + tr(W_("No counts are hidden."))
    return tr(SCALE) + " " + tr(RATINGS_NOTE, threshold=threshold)


COMMENT_WORDS = {
    "worked": W_("What worked"),
    "better": W_("What could be better"),
}
assert set(COMMENT_WORDS) == set(COMMENT_QUESTIONS)


async def create(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /initiatives."""
    form = await request.post()
    languages = d.core.catalogs.available()

    async def work() -> str:
        new = await d.core.desk.create_initiative(
            request[ACTOR],
            translated(form, "title", languages),
            numbers(form.getall("topic", [])),
            description=maybe_translated(form, "description", languages),
            starts_on=optional(form, "starts"),
            status=field(form, "status") or "planned",
            check_in_days=number(form, "check_in_days", tr(W_("The check-in period"))),
        )
        d.tell(request, tr(W_("Recorded initiative {id}."), id=new))
        raise web.HTTPSeeOther(f"/initiatives/{new}")

    return await d.act(request, work, "/initiatives")


# TRANSLATORS: {status} is a status word (planned, active, paused, finished).
NOTHING_NEW = W_(
    "Nothing new to tell residents: initiative {id} is already {status}, and there is no "
    "note. Choose a new status or write what was done."
)
# TRANSLATORS: {was} and {status} are status words.
MOVES_BACK = W_(
    "This moves initiative {id} back from {was} to {status}: residents will read that it is "
    "{status} again."
)
REPEATS = W_(
    "This note is word for word the last one about this initiative (recorded {day}): "
    "residents would read it twice."
)


async def preview(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /initiatives/{id}/preview: the update as it will go, and who will be told; an
    update with nothing new is not offered, and a repeated note or a step back is said
    plainly and must be confirmed (the button says which)."""
    initiative_id = int(request.match_info["id"])
    form = await request.post()
    audience = Audience("initiative_people", initiative_id)
    found, reach = await d.core.db.read(
        lambda conn: (initiatives.get(conn, initiative_id), broadcasts.reach(conn, audience))
    )
    if found is None:
        raise web.HTTPNotFound()
    carried = {
        k: str(v)
        for k, v in form.items()
        if k not in ("csrf", "again", "back") and isinstance(v, str) and v.strip()
    }
    news, problem, warnings = None, "", []
    note: Texts | None = None
    try:
        status = status_of(optional(form, "status"))
        note = maybe_translated(form, "note", d.core.catalogs.available())
        if status in (None, found.status) and note is None:
            problem = tr(NOTHING_NEW, id=initiative_id, status=status_word(found.status))
        else:
            news = await d.core.db.read(plan, initiative_id, status, note, "web")
    except StaffError as exc:
        problem = explain(exc)
    if news is not None and news.repeats:
        carried["again"] = "yes"
        warnings.append(tr(REPEATS, day=news.repeats))
    if news is not None and news.back and news.status:
        carried["back"] = "yes"
        words = {"was": status_word(news.was), "status": status_word(news.status)}
        warnings.append(tr(MOVES_BACK, id=initiative_id, **words))
    return d.page(
        request,
        "initiative_preview.html",
        initiative=found,
        title=staff_text(found.title),
        # Its own status is no change: residents are not told it again.
        new_status=news.status if news else None,
        note=field(form, "note"),
        carried=sorted(carried.items()),
        problem=problem,
        warnings=warnings,
        again=bool(news and news.repeats),
        back=bool(news and news.back),
        told=d.who_is_told(reach, audience, d.starts_after("confirm"), note).splitlines(),
    )


async def update(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /initiatives/{id}/update: the news goes to the people it concerns."""
    initiative_id = int(request.match_info["id"])
    form = await request.post()

    async def work() -> str:
        queued = await d.core.desk.update_initiative(
            request[ACTOR],
            initiative_id,
            optional(form, "status"),
            maybe_translated(form, "note", d.core.catalogs.available()),
            # Carried from the preview, which said what they confirm.
            again=field(form, "again") == "yes",
            back=field(form, "back") == "yes",
        )
        said = tr(W_("Updated initiative {id}."), id=initiative_id)
        return said + "\n" + await d.sending(queued)

    return await d.act(request, work, f"/initiatives/{initiative_id}")


async def add_measure(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /initiatives/{id}/measures."""
    initiative_id = int(request.match_info["id"])
    form = await request.post()

    async def work() -> str:
        new = await d.core.desk.add_measure(
            request[ACTOR],
            initiative_id,
            translated(form, "measure", d.core.catalogs.available()),
            adopt=field(form, "proposed") != "yes",
        )
        return tr(W_("Added measure {id}."), id=new)

    return await d.act(request, work, f"/initiatives/{initiative_id}")


# A verb in the address -> the status it gives.
MEASURE_VERBS = {"accept": "proposed", "adopt": "adopted", "reject": "rejected"}
# As staff are told it on the command line and in Telegram (bot/staff/measures.py).
RATINGS_KEPT = W_(
    "Residents are no longer asked to rate it. Their ratings are kept and still shown here, "
    "but the QS148 report counts ratings of adopted measures only, so they no longer count "
    "there. Adopt it again to count them."
)
# TRANSLATORS: {languages} are language codes such as "en, pl"; {edit} is a command.
MISSING = W_(
    "It is not written in {languages} yet: residents reading those see it in another "
    "language. Translate it with {edit}."
)


async def set_measure(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /measures/{id}/accept, /measures/{id}/adopt or /measures/{id}/reject."""
    measure_id = int(request.match_info["id"])
    found = await d.core.db.read(initiatives.measure, measure_id)
    if found is None:
        raise web.HTTPNotFound()
    status = MEASURE_VERBS[request.match_info["verb"]]

    async def work() -> str:
        decided = await d.core.desk.set_measure(request[ACTOR], measure_id, status)
        said = [tr(W_("Measure {id} is now {status}."), id=measure_id, status=status_word(status))]
        if decided.ratings_kept:
            said.append(tr(RATINGS_KEPT))
        if decided.missing:
            edit = command(request[ACTOR].channel, "edit-measure", measure_id)
            said.append(tr(MISSING, languages=", ".join(decided.missing), edit=edit))
        return " ".join(said)

    return await d.act(request, work, f"/initiatives/{found.initiative_id}")


async def add_milestone(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /initiatives/{id}/milestones."""
    initiative_id = int(request.match_info["id"])
    form = await request.post()

    async def work() -> str:
        new = await staff_milestones.add(
            d.core.desk,
            request[ACTOR],
            initiative_id,
            field(form, "due"),
            field(form, "owner"),
            field(form, "title"),
        )
        return tr(W_("Added milestone {id}."), id=new)

    return await d.act(request, work, f"/initiatives/{initiative_id}")


async def milestone_done(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /milestones/{id}/done."""
    found = await _milestone(d, request)

    async def work() -> str:
        day = await staff_milestones.done(d.core.desk, request[ACTOR], found.id)
        return tr(W_("Milestone {id} done on {day}."), id=found.id, day=day)

    return await d.act(request, work, f"/initiatives/{found.initiative_id}")


async def confirm_remove_milestone(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /milestones/{id}/remove: what will go, and a button to confirm."""
    return d.page(request, "milestone_remove.html", milestone=await _milestone(d, request))


async def remove_milestone(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /milestones/{id}/remove."""
    found = await _milestone(d, request)

    async def work() -> str:
        await staff_milestones.remove(d.core.desk, request[ACTOR], found.id)
        return tr(W_("Removed milestone {id}."), id=found.id)

    return await d.act(request, work, f"/initiatives/{found.initiative_id}")


async def _milestone(d: Dashboard, request: web.Request) -> milestones.Milestone:
    """The milestone in the address (not found: 404)."""
    found = await d.core.db.read(milestones.get, int(request.match_info["id"]))
    if found is None:
        raise web.HTTPNotFound()
    return found


STEP_WORDS = {
    "add": W_("milestone {id} added, due {due}, owner {owner}: {title}"),
    "done": W_("milestone {id} done on {day}: {title}"),
    "remove": W_("milestone {id} removed, due {due}, owner {owner}: {title}"),
}


def _history(
    updates: list[milestones.Update], steps: list[milestones.Step], threshold: int
) -> list[tuple[str, str, Any, str]]:
    """(when, kind, the update or the words of a milestone's step, how many the news reached)
    oldest first: updates before milestones at the same moment."""
    found: list[tuple[str, str, Any, str]] = [
        (u.created_at, "update", u, suppress.count(u.delivered, threshold)) for u in updates
    ]
    for s in steps:
        said = tr(
            STEP_WORDS[s.action],
            id=s.milestone_id,
            due=s.due_on,
            owner=s.owner,
            title=s.title,
            day=s.done_on or "",
        )
        found.append((s.at, "milestone", (s.by, said), ""))
    return sorted(found, key=lambda e: e[0])


def _words(m: initiatives.Measure) -> dict[str, Any]:
    """A measure's words on the page: a resident's own (in the language they wrote, when
    known), and the other languages staff gave it in; staff's in the page's language."""
    if not m.residents:
        return {"resident": False, "shown": staff_text(m.text)}
    own = own_words(m)
    if own is None:  # a voice note, or kept before the language was recorded
        said: Any = m.text if set(m.text) == {"voice"} else english(m.text)
        return {"resident": True, "said": said, "locale": None, "also": ""}
    also = ", ".join(sorted(c for c in m.text if c not in (own[0], "voice")))
    return {"resident": True, "said": own[1], "locale": own[0], "also": also}


def _state(m: milestones.Milestone, today: str) -> str:
    if m.done_on:
        return tr(W_("done {day}"), day=m.done_on)
    return tr(W_("overdue")) if m.due_on < today else tr(W_("to do"))


def _all(conn: Tx) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    evaluated = dashboard.evaluations_by_initiative(conn)
    found = [
        (
            i,
            initiatives.topic_ids(conn, i.id),
            len(initiatives.measures(conn, i.id, "adopted")),
            evaluated.get(i.id, 0),
        )
        for i in initiatives.all_initiatives(conn)
    ]
    topics = [
        (r.id, english(r.question), [(t.id, english(t.label)) for t in rounds.topics(conn, r.id)])
        for r in rounds.all_rounds(conn)
    ]
    return found, topics


def _details(conn: Tx, initiative_id: int) -> tuple[Any, ...]:
    topics = [rounds.topic(conn, t) for t in initiatives.topic_ids(conn, initiative_id)]
    return (
        [(t.id, t.round_id, english(t.label)) for t in topics if t is not None],
        milestones.of_initiative(conn, initiative_id),
        milestones.history(conn, initiative_id),
        milestones.steps(conn, initiative_id),
    )


ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/initiatives", index, Role.VIEWER),
    ("POST", "/initiatives", create, Role.STAFF),
    ("GET", "/initiatives/{id:\\d+}", one, Role.VIEWER),
    ("POST", "/initiatives/{id:\\d+}/preview", preview, Role.STAFF),
    ("POST", "/initiatives/{id:\\d+}/update", update, Role.STAFF),
    ("POST", "/initiatives/{id:\\d+}/measures", add_measure, Role.STAFF),
    ("POST", "/initiatives/{id:\\d+}/milestones", add_milestone, Role.STAFF),
    ("POST", "/measures/{id:\\d+}/{verb:accept|adopt|reject}", set_measure, Role.STAFF),
    ("POST", "/milestones/{id:\\d+}/done", milestone_done, Role.STAFF),
    ("GET", "/milestones/{id:\\d+}/remove", confirm_remove_milestone, Role.STAFF),
    ("POST", "/milestones/{id:\\d+}/remove", remove_milestone, Role.STAFF),
)
