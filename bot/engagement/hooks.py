"""What the engagement flows need from outside themselves.

Flows name host-provided option lists (`options_from`, `for_each`), facts (`given`),
placeholders in texts, and records (`record:`). This module provides each of them from the
store, in the participant's language, so the flows stay pure data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date

from bot import deeplinks
from bot.flows.model import Option
from bot.flows.needs import Provided
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.store.engagement import Engagement, Initiative, Writer, pick_text
from bot.store.records import Participant

log = logging.getLogger(__name__)

TOP_TOPICS = 3  # measures are agreed for initiatives answering a round's top topics


@dataclass(frozen=True, slots=True)
class HookContext:
    """Who is asking, in which language, what they have answered so far, and when."""

    participant: Participant
    answers: dict[str, Any]
    tr: Translator
    now: datetime
    bot_username: str = "community_voice_bot"

    @property
    def locale(self) -> str:
        """The participant's language."""
        return self.tr.locale


Provider = Callable[[HookContext], Awaitable[Any]]


@dataclass
class Hooks:
    """Named providers, looked up by the names flows use."""

    engagement: Engagement
    # Referral codes are random; tests pass a fixed one so transcripts stay the same.
    new_code: Callable[[], str] = deeplinks.new_referral_code
    options: dict[str, Callable[[HookContext], Awaitable[tuple[Option, ...]]]] = field(
        default_factory=dict
    )
    facts: dict[str, Callable[[HookContext], Awaitable[str]]] = field(default_factory=dict)
    params: dict[str, Callable[[HookContext], Awaitable[str]]] = field(default_factory=dict)
    records: dict[str, Callable[[HookContext], Awaitable[Writer | None]]] = field(
        default_factory=dict
    )

    def provided(self) -> Provided:
        """The names these hooks fill in, for checking flows at start-up."""
        return Provided(
            frozenset(self.options),
            frozenset(self.facts),
            frozenset(self.params),
            frozenset(self.records),
        )

    async def context_for(self, given: Iterable[str], c: HookContext) -> dict[str, Any]:
        """Answers a flow starts with besides its facts: the round a priorities flow is
        about, so answers given across a round's closing are never filed under another."""
        if "round_open" not in given:
            return {}
        found = await self.engagement.open_round_for(c.participant.area, c.now.isoformat())
        return {"round": found.id} if found else {}

    def __post_init__(self) -> None:
        e = self.engagement
        self.options.update(
            {
                "round_topics": lambda c: _round_topics(e, c),
                "measure_initiatives": lambda c: _measure_initiatives(e, c),
                "proposed_measures": lambda c: _proposed_measures(e, c),
                "evaluation_initiatives": lambda c: _evaluation_initiatives(e, c),
                "initiative_measures": lambda c: _initiative_measures(e, c),
            }
        )
        self.facts.update(
            {
                "round_open": lambda c: _round_open(e, c),
                "already_submitted": lambda c: _already_submitted(e, c),
                "has_measure_projects": lambda c: _has(_measure_initiatives(e, c)),
                "has_rating_projects": lambda c: _has(_evaluation_initiatives(e, c)),
                "champion_status": lambda c: _champion_status(e, c),
            }
        )
        self.params.update(
            {
                "round_question": lambda c: _round_question(e, c),
                "round_closes": lambda c: _round_closes(e, c),
                "priority_summary": lambda c: _priority_summary(e, c),
                "champion_link": lambda c: _champion_link(e, c),
            }
        )
        self.records.update(
            {
                "priorities": lambda c: _record_priorities(e, c),
                "measures": lambda c: _record_measures(e, c),
                "evaluation": lambda c: _record_evaluation(e, c),
                "asset": lambda c: _record_asset(e, c),
                "champion": lambda c: _record_champion(e, c, self.new_code),
            }
        )


# -- ids in option lists: a letter and the row id, short enough for callback data -------------


def _ref(prefix: str, row_id: int) -> str:
    return f"{prefix}{row_id}"


def _unref(prefix: str, value: Any) -> int | None:
    text = str(value or "")
    return int(text[1:]) if text.startswith(prefix) and text[1:].isdigit() else None


def _label(tr: Translator, stored: str | None, locale: str) -> str:
    # Staff texts come per language; shipped texts are msgids, which the catalog translates.
    return tr.gettext(pick_text(stored, locale))


# -- rounds and priorities --------------------------------------------------------------------


async def _open_round(e: Engagement, c: HookContext) -> Any:
    round_id = c.answers.get("round")
    if isinstance(round_id, int):
        return await e.round(round_id)
    return await e.open_round_for(c.participant.area, c.now.isoformat())


async def _round_open(e: Engagement, c: HookContext) -> str:
    return "yes" if await e.open_round_for(c.participant.area, c.now.isoformat()) else "no"


async def _already_submitted(e: Engagement, c: HookContext) -> str:
    found = await e.open_round_for(c.participant.area, c.now.isoformat())
    if found is None:
        return "no"
    return "yes" if await e.submission(c.participant.id, found.id) is not None else "no"


async def _round_topics(e: Engagement, c: HookContext) -> tuple[Option, ...]:
    found = await _open_round(e, c)
    if found is None:
        return ()
    return tuple(
        Option(_ref("t", t.id), _label(c.tr, t.label, c.locale)) for t in await e.topics(found.id)
    )


async def _round_question(e: Engagement, c: HookContext) -> str:
    found = await _open_round(e, c)
    return _label(c.tr, found.question, c.locale) if found else ""


async def _round_closes(e: Engagement, c: HookContext) -> str:
    found = await _open_round(e, c)
    if found is None:
        return ""
    closes = datetime.fromisoformat(found.closes_at)
    return format_date(closes.date(), format="long", locale=c.locale)


async def _priority_summary(e: Engagement, c: HookContext) -> str:
    labels = {o.id: o.label for o in await _round_topics(e, c)}
    order = c.answers.get("topic_order") or c.answers.get("topics") or []
    lines = [f"{i}. {labels.get(t, t)}" for i, t in enumerate(order, start=1)]
    other = c.answers.get("other")
    if c.answers.get("has_other") == "yes" and other:
        said = other if isinstance(other, str) else c.tr.gettext(N_("a voice note"))
        lines.append(c.tr.gettext(N_("Something else: {other}"), other=said))
    return "\n".join(lines)


async def _record_priorities(e: Engagement, c: HookContext) -> Writer | None:
    found = await _open_round(e, c)
    order = c.answers.get("topic_order") or c.answers.get("topics") or []
    topic_ids = [t for t in (_unref("t", ref) for ref in order) if t is not None]
    if found is None or not topic_ids:
        return None
    if found.status != "open":
        # The round closed while they were answering: their answers stay in the answer log,
        # but they cannot change a result that has been sent out.
        log.info("priorities for closed round %s not counted", found.id)
        return None
    other = c.answers.get("other") if c.answers.get("has_other") == "yes" else None
    return e.priorities_writer(c.participant.id, found.id, topic_ids, other, c.now.isoformat())


# -- initiatives, measures, evaluations -------------------------------------------------------


async def _measure_initiatives(e: Engagement, c: HookContext) -> tuple[Option, ...]:
    """Planned or active initiatives that answer one of a round's top topics.

    Before anyone has answered, a round's order is the order staff gave its topics.
    """
    top: set[int] = set()
    for found in await e.rounds():
        results = await e.round_results(found.id)
        top.update(t.id for t, _, _ in results[:TOP_TOPICS])
    chosen: list[Initiative] = []
    for initiative in await e.initiatives(("planned", "active")):
        if top & set(await e.initiative_topics(initiative.id)):
            chosen.append(initiative)
    return tuple(Option(_ref("i", i.id), _label(c.tr, i.title, c.locale)) for i in chosen)


async def _proposed_measures(e: Engagement, c: HookContext) -> tuple[Option, ...]:
    initiative_id = _unref("i", c.answers.get("initiative"))
    if initiative_id is None:
        return ()
    measures = [m for m in await e.measures(initiative_id) if m.status != "rejected"]
    return tuple(Option(_ref("m", m.id), _label(c.tr, m.text, c.locale)) for m in measures)


async def _record_measures(e: Engagement, c: HookContext) -> Writer | None:
    initiative_id = _unref("i", c.answers.get("initiative"))
    if initiative_id is None:
        return None
    votes = [m for m in (_unref("m", v) for v in c.answers.get("votes") or []) if m is not None]
    idea = c.answers.get("idea") if c.answers.get("has_idea") == "yes" else None
    proposal: dict[str, str] | None = None
    if isinstance(idea, str):
        proposal = {c.locale: idea}
    elif isinstance(idea, dict):  # a voice note: keep the file id to listen to later
        proposal = {"voice": json.dumps(idea)}
    return e.measures_writer(c.participant.id, initiative_id, votes, proposal, c.now.isoformat())


def period_start(initiative: Initiative, today: date) -> str:
    """The first day of the check-in period `today` falls in (periods run from the start)."""
    anchor = date.fromisoformat((initiative.starts_on or initiative.created_at)[:10])
    if today < anchor:
        return anchor.isoformat()
    days = max(initiative.check_in_days, 1)
    elapsed = (today - anchor).days // days
    return (anchor + timedelta(days=elapsed * days)).isoformat()


async def _evaluation_initiatives(e: Engagement, c: HookContext) -> tuple[Option, ...]:
    """Active initiatives with measures that the resident has not rated this period."""
    options: list[Option] = []
    for initiative in await e.initiatives(("active",)):
        if not await e.measures(initiative.id, "adopted"):
            continue
        period = period_start(initiative, c.now.date())
        if await e.evaluated(c.participant.id, initiative.id, period):
            continue
        options.append(Option(_ref("i", initiative.id), _label(c.tr, initiative.title, c.locale)))
    return tuple(options)


async def _initiative_measures(e: Engagement, c: HookContext) -> tuple[Option, ...]:
    initiative_id = _unref("i", c.answers.get("initiative"))
    if initiative_id is None:
        return ()
    adopted = await e.measures(initiative_id, "adopted")
    return tuple(Option(_ref("m", m.id), _label(c.tr, m.text, c.locale)) for m in adopted)


async def _record_evaluation(e: Engagement, c: HookContext) -> Writer | None:
    initiative_id = _unref("i", c.answers.get("initiative"))
    initiative = await e.initiative(initiative_id) if initiative_id is not None else None
    if initiative is None:
        return None
    raw = c.answers.get("ratings") or {}
    ratings = {
        m: int(v) for k, v in raw.items() if (m := _unref("m", k)) is not None and str(v).isdigit()
    }
    return e.evaluation_writer(
        c.participant.id,
        initiative.id,
        period_start(initiative, c.now.date()),
        ratings,
        c.answers.get("worked"),
        c.answers.get("better"),
        c.now.isoformat(),
    )


# -- assets and champions ---------------------------------------------------------------------


async def _record_asset(e: Engagement, c: HookContext) -> Writer | None:
    category = c.answers.get("category")
    if not category or c.answers.get("what") is None:
        return None
    return e.asset_writer(
        c.participant.id,
        str(category),
        c.answers.get("what"),
        c.answers.get("where"),
        c.answers.get("who_for"),
        c.answers.get("may_contact") == "yes",
        c.now.isoformat(),
    )


async def _champion_status(e: Engagement, c: HookContext) -> str:
    found = await e.champion_of(c.participant.id)
    return found.status if found else "none"


async def _champion_link(e: Engagement, c: HookContext) -> str:
    found = await e.champion_of(c.participant.id)
    return deeplinks.link(c.bot_username, found.code) if found else ""


async def _record_champion(
    e: Engagement, c: HookContext, new_code: Callable[[], str]
) -> Writer | None:
    found = await e.champion_of(c.participant.id)
    code = found.code if found else new_code()
    return e.champion_writer(
        c.participant.id,
        code,
        list(c.answers.get("roles") or []),
        list(c.answers.get("languages") or []),
        c.answers.get("availability"),
        c.answers.get("skills"),
        c.answers.get("may_contact") == "yes",
        c.now.isoformat(),
    )


async def _has(options: Awaitable[tuple[Option, ...]]) -> str:
    return "yes" if await options else "no"
