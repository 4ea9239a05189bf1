"""QS148 statement 1: residents set priorities in a round (options, facts, texts, record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_date

from bot.flows.model import NodeKind, Option
from bot.host.registry import Answers, Fact, OptionList, Param, Record, View
from bot.i18n.dates import date_locale
from bot.i18n.markers import N_
from bot.store.rounds import Round, Submission

TOPIC = "t"  # option ids of topics: t<topic id>
ROUND = "r"  # option ids of rounds: r<round id>
# TRANSLATORS: one line of the list of open questions; {closes} is a date.
ROUND_LINE = N_("{number}. {question} (until {closes})")


def topic_ref(topic_id: int) -> str:
    """A topic's option id, short enough for Telegram's callback data."""
    return f"{TOPIC}{topic_id}"


def unref(prefix: str, value: Any) -> int | None:
    """The row id in an option id like t12 (None if it is not one)."""
    text = str(value or "")
    return int(text[1:]) if text.startswith(prefix) and text[1:].isdigit() else None


def the_round(view: View, answers: Answers) -> Round | None:
    """The round a priorities flow is about: the one the resident picked, or the only one
    open when it started (its `round` answer), so answers given across a round's closing
    are never filed under another."""
    chosen = answers.get("round")
    round_id = chosen if isinstance(chosen, int) else unref(ROUND, chosen)
    if round_id is not None:
        return view.snapshot.round(round_id)
    return view.snapshot.open_round(view.participant.area)


def _open(view: View) -> tuple[Round, ...]:
    return view.snapshot.open_rounds(view.participant.area)


def _seed(view: View) -> dict[str, Any]:
    found = _open(view)
    return {"round": found[0].id} if len(found) == 1 else {}


def _already(view: View, answers: Answers) -> str:
    found = the_round(view, answers) if "round" in answers or len(_open(view)) == 1 else None
    if found is None:
        return "no"
    return "yes" if view.snapshot.submission(found.id) is not None else "no"


def _any_open(view: View) -> str:
    return "yes" if _open(view) else "no"


def _still_open(view: View, answers: Answers) -> str:
    found = the_round(view, answers)
    return "yes" if found is not None and found.status == "open" else "no"


def open_rounds(view: View, answers: Answers) -> tuple[Option, ...]:
    """Every round open to the resident (for everyone or for their area), numbered as in
    the list `open_round_list` shows."""
    return tuple(
        Option(f"{ROUND}{r.id}", f"{number}. {view.text(r.question)}")
        for number, r in enumerate(_open(view), start=1)
    )


def _round_list(view: View, answers: Answers) -> str:
    return "\n".join(
        view.tr.gettext(
            ROUND_LINE, number=number, question=view.text(r.question), closes=_day(view, r)
        )
        for number, r in enumerate(_open(view), start=1)
    )


def _day(view: View, found: Round) -> str:
    day = datetime.fromisoformat(found.closes_at).date()
    return format_date(day, format="long", locale=date_locale(view.locale))


def round_topics(view: View, answers: Answers) -> tuple[Option, ...]:
    """The round's topics, in the resident's language."""
    found = the_round(view, answers)
    if found is None:
        return ()
    return tuple(
        Option(topic_ref(t.id), view.text(t.label)) for t in view.snapshot.topics(found.id)
    )


def _earlier_topics(view: View, answers: Answers) -> tuple[str, ...]:
    """The topics the resident sent before in the round they are answering again (shown
    ticked: "Your new answers will replace the old ones", so they start from the old)."""
    found = the_round(view, answers)
    earlier = view.snapshot.submission(found.id) if found is not None else None
    return tuple(topic_ref(t) for t in earlier or ())


def _question(view: View, answers: Answers) -> str:
    found = the_round(view, answers)
    return view.text(found.question) if found else ""


def _closes(view: View, answers: Answers) -> str:
    found = the_round(view, answers)
    return _day(view, found) if found else ""


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
    Fact("round_open", ("yes", "no"), _any_open, seed=_seed),
    # Read again when they send: the round may have closed while they answered.
    Fact("round_still_open", ("yes", "no"), _any_open, recheck=_still_open),
    Fact(
        "already_submitted",
        ("yes", "no"),
        lambda v: _already(v, {}),
        recheck=lambda v, answers: _already(v, answers),
    ),
    OptionList("open_rounds", open_rounds),
    OptionList("round_topics", round_topics, reads=("round",), chosen=_earlier_topics),
    Param("open_round_list", _round_list),
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
