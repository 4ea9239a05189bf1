"""QS148 statement 2: residents agree measures for initiatives and evaluate against them."""

from __future__ import annotations

import json

from bot.flows.model import NodeKind, Option
from bot.host.hooks.priorities import unref
from bot.host.registry import Answers, Fact, OptionList, Record, View
from bot.store.initiatives import OFFERED, Evaluation, Initiative, Votes, period_start

TOP_TOPICS = 3  # measures are agreed for initiatives answering a round's top topics
INITIATIVE, MEASURE = "i", "m"


def measure_initiatives(view: View, answers: Answers) -> tuple[Option, ...]:
    """Planned or active initiatives answering one of a round's top topics (before anyone has
    answered, a round's order is the order staff gave its topics)."""
    snap = view.snapshot
    top = snap.top_topic_ids(TOP_TOPICS)
    return tuple(
        Option(f"{INITIATIVE}{i.id}", view.text(i.title))
        for i in snap.initiatives("planned", "active")
        if top & snap.initiative_topics(i.id)
    )


def proposed_measures(view: View, answers: Answers) -> tuple[Option, ...]:
    """The chosen initiative's measures open for votes or adopted, most voted first: not
    rejected ones, nor residents' ideas staff have not accepted yet (they may name people,
    or be in a language other residents do not read)."""
    initiative_id = unref(INITIATIVE, answers.get("initiative"))
    if initiative_id is None:
        return ()
    return tuple(
        Option(f"{MEASURE}{m.id}", view.text(m.text))
        for m in view.snapshot.measures(initiative_id)
        if m.status in OFFERED
    )


def _earlier_votes(view: View, answers: Answers) -> tuple[str, ...]:
    """The measures the resident voted for before, to be ticked when they come again."""
    initiative_id = unref(INITIATIVE, answers.get("initiative"))
    if initiative_id is None:
        return ()
    voted = view.snapshot.my_votes(initiative_id)
    return tuple(o.id for o in proposed_measures(view, answers) if unref(MEASURE, o.id) in voted)


def _votes(view: View, answers: Answers) -> Votes | None:
    initiative_id = unref(INITIATIVE, answers.get("initiative"))
    if initiative_id is None:
        return None
    votes = tuple(m for m in (unref(MEASURE, v) for v in answers.get("votes") or []) if m)
    idea = answers.get("idea") if answers.get("has_idea") == "yes" else None
    proposal = None
    if isinstance(idea, str):
        proposal = {view.locale: idea}
    elif isinstance(idea, dict):  # a voice note: keep the file id to listen to later
        proposal = {"voice": json.dumps(idea)}
    return Votes(
        initiative_id,
        votes,
        proposal,
        locale=view.locale if proposal else None,
        answered=answers.get("votes") is not None,
    )


def evaluation_initiatives(view: View, answers: Answers) -> tuple[Option, ...]:
    """Active initiatives with agreed measures that the resident has not rated this period."""
    snap, today = view.snapshot, view.now.date()
    done = snap.evaluated()
    return tuple(
        Option(f"{INITIATIVE}{i.id}", view.text(i.title))
        for i in _ratable(view)
        if (i.id, period_start(i, today)) not in done
    )


def _ratable(view: View) -> list[Initiative]:
    """Active initiatives with agreed measures, rated this period or not."""
    snap = view.snapshot
    return [i for i in snap.initiatives("active") if snap.measures(i.id, "adopted")]


def _rating_projects(view: View) -> str:
    """yes: something to rate; rated: every project was rated this period (told so, not that
    there is nothing); no: no project to rate at all."""
    if evaluation_initiatives(view, {}):
        return "yes"
    return "rated" if _ratable(view) else "no"


def initiative_measures(view: View, answers: Answers) -> tuple[Option, ...]:
    """The chosen initiative's agreed (adopted) measures."""
    initiative_id = unref(INITIATIVE, answers.get("initiative"))
    if initiative_id is None:
        return ()
    return tuple(
        Option(f"{MEASURE}{m.id}", view.text(m.text))
        for m in view.snapshot.measures(initiative_id, "adopted")
    )


def _evaluation(view: View, answers: Answers) -> Evaluation | None:
    initiative_id = unref(INITIATIVE, answers.get("initiative"))
    initiative = view.snapshot.initiative(initiative_id) if initiative_id is not None else None
    if initiative is None:
        return None
    raw = answers.get("ratings") or {}
    ratings = {m: int(v) for k, v in raw.items() if (m := unref(MEASURE, k)) and str(v).isdigit()}
    return Evaluation(
        initiative.id,
        period_start(initiative, view.now.date()),
        ratings,
        answers.get("worked"),
        answers.get("better"),
    )


ENTRIES = (
    OptionList("measure_initiatives", measure_initiatives),
    OptionList(
        "proposed_measures", proposed_measures, reads=("initiative",), chosen=_earlier_votes
    ),
    OptionList("evaluation_initiatives", evaluation_initiatives),
    OptionList("initiative_measures", initiative_measures, reads=("initiative",)),
    Fact("has_measure_projects", ("yes", "no"), lambda v: _yes(measure_initiatives(v, {}))),
    Fact("has_rating_projects", ("yes", "rated", "no"), _rating_projects),
    Record(
        "measures",
        {
            "initiative": frozenset({NodeKind.CHOICE}),
            "votes": frozenset({NodeKind.MULTI_CHOICE}),
            "has_idea": frozenset({NodeKind.CHOICE}),
            "idea": frozenset({NodeKind.TEXT}),
        },
        _votes,
    ),
    Record(
        "evaluation",
        {
            "initiative": frozenset({NodeKind.CHOICE}),
            "ratings": frozenset({NodeKind.CHOICE}),
            "worked": frozenset({NodeKind.TEXT}),
            "better": frozenset({NodeKind.TEXT}),
        },
        _evaluation,
    ),
)


def _yes(options: tuple[Option, ...]) -> str:
    return "yes" if options else "no"
