"""QS148 statement 1: residents set priorities in a round (options, facts, texts, record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_date

from bot.flows.model import NodeKind, Option
from bot.host.registry import Answers, Fact, OptionList, Param, Record, View
from bot.i18n.markers import N_
from bot.store.rounds import Round, Submission

TOPIC = "t"  # option ids of topics: t<topic id>


def topic_ref(topic_id: int) -> str:
    """A topic's option id, short enough for Telegram's callback data."""
    return f"{TOPIC}{topic_id}"


def unref(prefix: str, value: Any) -> int | None:
    """The row id in an option id like t12 (None if it is not one)."""
    text = str(value or "")
    return int(text[1:]) if text.startswith(prefix) and text[1:].isdigit() else None


def the_round(view: View, answers: Answers) -> Round | None:
    """The round a priorities flow is about: the one open when it started (its `round`
    answer), so answers given across a round's closing are never filed under another."""
    round_id = answers.get("round")
    if isinstance(round_id, int):
        return view.snapshot.round(round_id)
    return view.snapshot.open_round(view.participant.area)


def _open(view: View) -> Round | None:
    return view.snapshot.open_round(view.participant.area)


def _seed(view: View) -> dict[str, Any]:
    found = _open(view)
    return {"round": found.id} if found else {}


def _already(view: View) -> str:
    found = _open(view)
    if found is None:
        return "no"
    return "yes" if view.snapshot.submission(found.id) is not None else "no"


def round_topics(view: View, answers: Answers) -> tuple[Option, ...]:
    """The round's topics, in the resident's language."""
    found = the_round(view, answers)
    if found is None:
        return ()
    return tuple(
        Option(topic_ref(t.id), view.text(t.label)) for t in view.snapshot.topics(found.id)
    )


def _question(view: View, answers: Answers) -> str:
    found = the_round(view, answers)
    return view.text(found.question) if found else ""


def _closes(view: View, answers: Answers) -> str:
    found = the_round(view, answers)
    if found is None:
        return ""
    day = datetime.fromisoformat(found.closes_at).date()
    return format_date(day, format="long", locale=view.locale)


def _summary(view: View, answers: Answers) -> str:
    labels = {o.id: o.label for o in round_topics(view, answers)}
    order = answers.get("topic_order") or []
    lines = [f"{i}. {labels.get(t, t)}" for i, t in enumerate(order, start=1)]
    other = answers.get("other")
    if answers.get("has_other") == "yes" and other:
        said = other if isinstance(other, str) else view.tr.gettext(N_("a voice note"))
        lines.append(view.tr.gettext(N_("Something else: {other}"), other=said))
    return "\n".join(lines)


def _record(view: View, answers: Answers) -> Submission | None:
    found = the_round(view, answers)
    # The rank node saves the order even when there is nothing to rank (one topic).
    order = answers.get("topic_order") or []
    topic_ids = tuple(t for t in (unref(TOPIC, ref) for ref in order) if t is not None)
    if found is None or not topic_ids or found.status != "open":
        # A round that closed while they answered: their answers stay in the answer log, but
        # cannot change a result that has been sent out.
        return None
    other = answers.get("other") if answers.get("has_other") == "yes" else None
    return Submission(found.id, topic_ids, other)


ENTRIES = (
    Fact("round_open", ("yes", "no"), lambda v: "yes" if _open(v) else "no", seed=_seed),
    Fact("already_submitted", ("yes", "no"), _already),
    OptionList("round_topics", round_topics, reads=("round",)),
    Param("round_question", _question),
    Param("round_closes", _closes),
    Param("priority_summary", _summary),
    Record(
        "priorities",
        {
            "topics": frozenset({NodeKind.MULTI_CHOICE}),
            "topic_order": frozenset({NodeKind.RANK}),
            "has_other": frozenset({NodeKind.CHOICE}),
            "other": frozenset({NodeKind.TEXT}),
        },
        _record,
    ),
)
