"""Turn engine events into translated, channel-neutral replies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache, reduce

from babel import Locale
from babel.numbers import format_decimal

from bot.flows.engine import MOVED_ON
from bot.flows.events import Answered, Ask, Event, Rejected, Say
from bot.flows.model import BACK, CANCEL, DONE, SKIP, NodeKind
from bot.host.replies import Button, Confirmation, Message, Question, Reply
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_

CONTROL_LABELS = {
    DONE: N_("✔️ Done"),
    SKIP: N_("Skip"),
    # TRANSLATORS: the arrow points the way back in your reading order: "▶️" in a language
    # written from right to left.
    BACK: N_("◀️ Back"),
    CANCEL: N_("Stop these questions"),
}


def render(
    events: Iterable[Event],
    tr: Translator,
    session_id: int | None,
    params: Mapping[str, str] | None = None,
) -> list[Reply]:
    """Translate `events` into replies for a participant reading `tr`'s language.

    `params` fill placeholders any flow text may use, such as {organisation}.
    """
    common = dict(params or {})
    replies: list[Reply] = []
    for event in events:
        if isinstance(event, Say):
            text = tr.gettext(event.text, **{**common, **event.params})
            replies.append(Message(text, separate=event.separate))
        elif isinstance(event, Rejected):
            text = tr.gettext(event.reason, **event.params)
            stale = event.reason == MOVED_ON
            replies.append(Message(text, stale=stale, rejected=not stale))
        elif isinstance(event, Ask) and session_id is not None:
            replies.append(question(event, tr, session_id, common))
        elif isinstance(event, Answered) and session_id is not None:
            shown = listed([tr.label(s, event.context) for s in event.shown], tr.locale)
            replies.append(Confirmation(session_id, event.node_id, "✅ " + shown))
    return replies


def listed(labels: list[str], locale: str) -> str:
    """Labels joined by the language's list separator (CLDR: ", ", Urdu "، ", Arabic " و"):
    a Latin ";" between right-to-left words read wrong. Not `format_list`'s "A, B and C":
    labels have "and" of their own ("Mental health and loneliness and Being more active")."""
    return reduce(_separator(locale).format, labels) if labels else ""


@cache
def _separator(locale: str) -> str:
    return str(Locale.parse(locale).list_patterns["standard"]["middle"])


def question(
    ask: Ask, tr: Translator, session_id: int, params: Mapping[str, str] | None = None
) -> Question:
    """One question, with its hint line and buttons, in the participant's language."""
    node = ask.node
    values = dict(params or {})
    if ask.item is not None:
        values["item"] = tr.label(ask.item.label, ask.item.context)
    lines = [tr.gettext(node.text, **values) if node.text else ""]
    if node.kind is NodeKind.RANK and ask.placed:
        # The question asked for the first place; later places are asked for by their own
        # words ("Which one matters most?" again read as asking the first place again).
        placed = "\n".join(
            f"{i}. {tr.label(o.label, o.context)}" for i, o in enumerate(ask.placed, start=1)
        )
        so_far = tr.gettext("Your order so far:")
        lines = [f"{so_far}\n{placed}"]
    hint = _hint(ask, tr)
    if hint:
        lines.append(hint)
    buttons = tuple(
        Button(
            ("✅ " if o.id in ask.selected and node.kind in _MARKED else "")
            + tr.label(o.label, o.context),
            o.id,
            selected=o.id in ask.selected,
        )
        for o in ask.options
    )
    controls = tuple(Button(tr.gettext(CONTROL_LABELS[c]), c) for c in ask.controls)
    return Question(
        text="\n\n".join(lines),
        buttons=buttons,
        controls=controls,
        session_id=session_id,
        node_id=ask.binding,
        kind=str(node.kind),
        refresh=ask.refresh,
        wants_location=node.kind is NodeKind.LOCATION,
        wants_text=node.kind in (NodeKind.TEXT, NodeKind.NUMBER, NodeKind.LOCATION),
    )


# Kinds whose chosen options are shown on their buttons: a choice's is its earlier answer.
_MARKED = frozenset({NodeKind.MULTI_CHOICE, NodeKind.CHOICE})


def _hint(ask: Ask, tr: Translator) -> str | None:
    node = ask.node
    if node.kind is NodeKind.MULTI_CHOICE:
        if node.max_choices is None:
            return tr.gettext("Choose as many as you like, then tap Done.")
        limit = node.max_choices
        return tr.ngettext(
            "Choose up to {count}, then tap Done.", "Choose up to {count}, then tap Done.", limit
        )
    if node.kind is NodeKind.RANK and ask.placed:
        return tr.gettext("Which one comes next?")
    if node.kind is NodeKind.RANK:
        return tr.gettext("Tap them in order, the most important first.")
    if node.kind is NodeKind.TEXT and not node.voice:
        return tr.gettext("Type your answer.")
    if node.kind is NodeKind.TEXT:
        return tr.gettext("Type your answer, or send a voice note.")
    if node.kind is NodeKind.LOCATION:
        return tr.gettext("Share a location, or type the name of the place.")
    if node.kind is NodeKind.NUMBER and node.min_value is not None and node.max_value is not None:
        return tr.gettext(
            "Type a number from {low} to {high}.",
            low=format_decimal(node.min_value, locale=tr.locale),
            high=format_decimal(node.max_value, locale=tr.locale),
        )
    return None
