"""QS148 statement 4: residents sign up for peer and lay roles, and share their link."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.flows.model import NodeKind
from bot.host.deeplinks import link
from bot.host.registry import Answers, Entry, Fact, Param, Record, View
from bot.store.champions import DECLINED, STATUSES, SignUp, declined
from bot.store.records import ChampionSignUp, SupportRequest


def _status(view: View) -> str:
    found = view.snapshot.champion()
    if found is None:
        return "none"
    # Ended before staff ever said yes: turned down, not retired ("Thank you for all you did"
    # thanked them for work they never did).
    return DECLINED if declined(found) else found.status


def _link(view: View, answers: Answers) -> str:
    found = view.snapshot.champion()
    return link(view.bot_username, found.code) if found else ""


def _listed(answer: Any) -> tuple[str, ...]:
    # A session begun on the flow from before availability took several answers finishes on
    # that version, and saves one, as text.
    return (answer,) if isinstance(answer, str) else tuple(answer or ())


def _signed_up(view: View) -> Answers:
    """What the resident said when they signed up, to change rather than to say again."""
    found = view.snapshot.champion()
    if found is None:
        return {}
    return {
        "roles": list(found.roles),
        "languages": list(found.languages),
        "availability": list(found.availability),
        "may_contact": "yes" if found.may_contact else "no",
    }


def entries(new_code: Callable[[], str]) -> tuple[Entry, ...]:
    """The champion names; `new_code` makes a new referral code (tests pass a fixed one)."""

    def sign_up(view: View, answers: Answers) -> ChampionSignUp:
        found = view.snapshot.champion()
        return ChampionSignUp(
            found.code if found else new_code(),
            SignUp(
                tuple(answers.get("roles") or ()),
                tuple(answers.get("languages") or ()),
                _listed(answers.get("availability")),
                # Skipped when changing their answers: what they said before is kept (the
                # question does not show it, so Skip cannot be read as "delete it").
                answers.get("skills") or (found.skills if found else None),
                answers.get("may_contact") == "yes",
                # Which other languages: kept while "Another language" is still ticked.
                (answers.get("other_languages") or (found.other_languages if found else None))
                if "other" in (answers.get("languages") or ())
                else None,
            ),
        )

    def support_request(view: View, answers: Answers) -> SupportRequest | None:
        found = view.snapshot.champion()
        return SupportRequest(found.id, answers.get("request")) if found else None

    return (
        Fact("champion_status", ("none", *STATUSES, DECLINED), _status),
        Param("champion_link", _link),
        Record(
            "champion",
            {
                "roles": frozenset({NodeKind.MULTI_CHOICE}),
                "languages": frozenset({NodeKind.MULTI_CHOICE}),
                # A choice in the flow's versions before it took several answers: sessions
                # begun on one finish on it.
                "availability": frozenset({NodeKind.CHOICE, NodeKind.MULTI_CHOICE}),
                "skills": frozenset({NodeKind.TEXT}),
                "may_contact": frozenset({NodeKind.CHOICE}),
                "other_languages": frozenset({NodeKind.TEXT}),
            },
            sign_up,
            earlier=_signed_up,
            optional=frozenset({"other_languages"}),
        ),
        Record("support_request", {"request": frozenset({NodeKind.TEXT})}, support_request),
    )
