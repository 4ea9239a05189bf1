"""A round's results as residents read them: how many people chose each topic, in plain
numbers, with their own choices marked, and one chart per language.

Counts from 1 to 4 are shown as "<5" wherever they appear, so that nobody's choices can be
picked out of a small round; when fewer than 5 people took part, no figures are shared at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_, N_plural
from bot.store.rounds import SMALLEST_SHOWN, TopicResult
from bot.store.texts import Texts

TOOK_PART = N_plural(
    "📊 The question has closed. {count} person took part.",
    "📊 The question has closed. {count} people took part.",
)
PEOPLE = N_plural("{count} person took part", "{count} people took part")
TOO_FEW = N_(
    "📊 The question has closed. Fewer than 5 people took part, so we do not share the "
    "numbers: with so few, people's answers could be worked out. Thank you for taking part."
)
# TRANSLATORS: {count} is a number or "<5" (fewer than 5); {total} is how many took part.
CHOSE = N_plural(
    "{place}. {topic}: {count} of {total} person", "{place}. {topic}: {count} of {total} people"
)
NOBODY = N_("Nobody chose: {topics}")
YOURS = N_("★ = your choices")
NEXT = N_(
    "What happens next: our team will plan work on the top choices with local people, and "
    "we will keep you posted."
)
# TRANSLATORS: {topic} is the topic most people chose, which an initiative already answers.
STARTED = N_(
    "What happens next: work on “{topic}” has already started, and we will keep you posted. "
    "Our team will plan work on the other top choices with local people."
)
# TRANSLATORS: {topic} is the only topic people chose, which an initiative already answers.
STARTED_ALONE = N_(
    "What happens next: work on “{topic}” has already started, and we will keep you posted."
)
CHART_TITLE = N_("How many people chose each topic")


def shown_count(count: int) -> str:
    """A count as it may leave the database: "<5" for 1 to 4."""
    return "<5" if 0 < count < SMALLEST_SHOWN else str(count)


@dataclass(frozen=True, slots=True)
class Results:
    """One round's results, the same for every resident."""

    round_id: int
    question: Texts
    participants: int
    ranking: tuple[TopicResult, ...]
    under_way: frozenset[int] = frozenset()  # topics an active initiative already answers

    @property
    def shareable(self) -> bool:
        """Enough people took part for the figures to be shared."""
        return self.participants >= SMALLEST_SHOWN

    @property
    def chosen(self) -> tuple[TopicResult, ...]:
        """Topics somebody chose, in ranking order."""
        return tuple(r for r in self.ranking if r.people > 0)

    @property
    def nobody(self) -> tuple[TopicResult, ...]:
        """Topics nobody chose, in staff's order."""
        unchosen = (r for r in self.ranking if r.people == 0)
        return tuple(sorted(unchosen, key=lambda r: r.topic.position))


def label(texts: Texts, tr: Translator) -> str:
    """A topic or question in the reader's language (built-in ones through the catalogs)."""
    return tr.pick(texts)


def caption(results: Results, mine: frozenset[int], tr: Translator) -> str:
    """The text a resident reads with the chart: every topic chosen, with how many people,
    their own marked ★, then the topics nobody chose on one line."""
    if not results.shareable:
        return tr.gettext(TOO_FEW)
    total = results.participants
    lines = [tr.ngettext(*TOOK_PART, total)]
    for place, result in enumerate(results.chosen, start=1):
        line = tr.ngettext(
            *CHOSE,
            total,
            place=place,
            topic=label(result.topic.label, tr),
            count=shown_count(result.people),
            total=total,
        )
        lines.append(line + (" ★" if result.topic.id in mine else ""))
    if results.nobody:
        names = "; ".join(label(r.topic.label, tr) for r in results.nobody)
        lines.append(tr.gettext(NOBODY, topics=names))
    if mine & {r.topic.id for r in results.chosen}:
        lines.append(tr.gettext(YOURS))
    lines.append(_next(results, tr))
    return "\n".join(lines)


def _next(results: Results, tr: Translator) -> str:
    """What happens next: planning the top choices, unless work on the first has started
    (an initiative answering it is active), which "we will plan" would deny; "the other top
    choices" only when people chose another."""
    top = results.chosen[0].topic if results.chosen else None
    if top is None or top.id not in results.under_way:
        return tr.gettext(NEXT)
    started = STARTED if len(results.chosen) > 1 else STARTED_ALONE
    return tr.gettext(started, topic=label(top.label, tr))


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """What one language's results chart shows: picklable, so a worker process can draw it."""

    locale: str
    title: str
    note: str
    labels: tuple[str, ...]
    counts: tuple[int, ...]  # -1 where the count is suppressed (drawn as "<5", with no bar)

    @property
    def key(self) -> str:
        """Names the drawing (the same in every process): each is drawn and uploaded once."""
        text = repr((self.locale, self.title, self.note, self.labels, self.counts))
        return f"{self.locale}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def chart_spec(
    results: Results, tr: Translator, threshold: int = SMALLEST_SHOWN
) -> ChartSpec | None:
    """The chart for one language (None when no figures may be shared), counts from 1 to
    `threshold - 1` drawn with no bar. Residents' charts hide 1 to 4, as their texts say;
    the dashboard's follow SUPPRESS_BELOW, as its tables do."""
    if results.participants < threshold or not results.chosen:
        return None
    return ChartSpec(
        locale=tr.locale,
        title=tr.gettext(CHART_TITLE),
        note=tr.ngettext(*PEOPLE, results.participants),
        labels=tuple(label(r.topic.label, tr) for r in results.chosen),
        counts=tuple(-1 if 0 < r.people < threshold else r.people for r in results.chosen),
    )
