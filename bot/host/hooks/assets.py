"""QS148 statement 3: residents nominate community assets."""

from __future__ import annotations

from bot.flows.model import NodeKind
from bot.host.registry import Answers, Record, View
from bot.store.assets import CATEGORIES, Nomination


def _nomination(view: View, answers: Answers) -> Nomination | None:
    category = answers.get("category")
    if category not in CATEGORIES or answers.get("what") is None:
        return None
    return Nomination(
        str(category),
        answers.get("what"),
        answers.get("where"),
        answers.get("who_for"),
        answers.get("may_contact") == "yes",
        answers.get("share_exact") == "yes",
    )


ENTRIES = (
    Record(
        "asset",
        {
            "category": frozenset({NodeKind.CHOICE}),
            "what": frozenset({NodeKind.TEXT}),
            "where": frozenset({NodeKind.LOCATION}),
            "who_for": frozenset({NodeKind.TEXT}),
            "may_contact": frozenset({NodeKind.CHOICE}),
            "share_exact": frozenset({NodeKind.CHOICE}),
        },
        _nomination,
    ),
)
