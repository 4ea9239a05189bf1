"""Staff texts after they were written: a round's question, a topic, an initiative's title
and description, and a measure, shown in every language and edited or translated. Every change is
role-checked and audited (the words before and after) in its own transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.staff import demo
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.commands import no_such
from bot.staff.parsing import REMOVE
from bot.staff.said import S_, Said
from bot.store import initiatives, rounds
from bot.store.db import Tx
from bot.store.texts import Texts

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk

KINDS = ("question", "topic", "initiative", "description", "measure")
# Texts the bot translates itself (default question and topics): English msgids.
_BUILT_IN = frozenset({demo.DEFAULT_QUESTION, *(label for _, label in demo.DEFAULT_TOPICS)})
_NOT_WORDS = frozenset({"voice"})  # a resident's spoken proposal is kept under "voice"
# What the audit log names a text's owner, where it is not the text's kind.
_AUDITED_AS = {"question": "round", "description": "initiative"}
# Whole sentences a kind, as a kind's name is said differently in other languages.
_NOTHING_GIVEN = {
    "question": S_("Give new English words, or translations like cy=..., for question {number}."),
    "topic": S_("Give new English words, or translations like cy=..., for topic {number}."),
    "initiative": S_(
        "Give new English words, or translations like cy=..., for initiative {number}."
    ),
    "description": S_(
        "Give new English words, or translations like cy=..., for description {number}."
    ),
    "measure": S_("Give new English words, or translations like cy=..., for measure {number}."),
}
# TRANSLATORS: {kind} as staff typed it (a kind of text), {number} its id.
_NOTHING_GIVEN_KIND = S_(
    "Give new English words, or translations like cy=..., for {kind} {number}."
)
_CHANGE = {
    "question": S_("change a question"),
    "topic": S_("change a topic"),
    "initiative": S_("change an initiative"),
    "description": S_("change a description"),
    "measure": S_("change a measure"),
}


@dataclass(frozen=True, slots=True)
class Wording:
    """One staff text: what it belongs to, its words by language, whether the bot
    translates it (a default topic or question), and how to write it back."""

    kind: str
    object_id: int
    name: str  # e.g. "topic 12 (round 3)"
    texts: Texts
    built_in: bool
    save: Callable[[Tx, Texts, bool, str], None]
    # A resident's words (their idea for a measure): reading them is audited, and they are
    # quoted. `own` is the language they wrote in, when known.
    residents: bool = False
    own: str | None = None


async def show(desk: StaffDesk, actor: Actor, kind: str, object_id: int) -> str:
    """A text in every language it has, and the languages it has not."""
    actor.require(Role.VIEWER, Said("read staff texts"))
    found = await desk.db.read(_wording, kind, object_id, actor.channel)
    if found.residents:

        def work(conn: Tx, log: Audit) -> Wording:
            log("residents.read", kind, object_id)
            return _wording(conn, kind, object_id, actor.channel)

        found = await desk.act(actor, Role.VIEWER, Said("read residents' words"), work)
    return _summary(found, desk.languages)


async def edit(
    desk: StaffDesk,
    actor: Actor,
    kind: str,
    object_id: int,
    english: str | None = None,
    translations: Texts | None = None,
) -> str:
    """New English words and/or translations (a translation of "-" removes that language).
    Residents see the change from their next question; results already sent stay as sent."""
    changes = dict(translations or {})
    desk.check_texts(changes, removing=True)
    if english is not None and not english.strip():
        raise StaffError("The new English text is empty.")
    if english is None and not changes:
        raise StaffError(
            _NOTHING_GIVEN.get(kind, _NOTHING_GIVEN_KIND),
            kind=kind,
            number=object_id,
        )

    def work(conn: Tx, log: Audit) -> str:
        found = _wording(conn, kind, object_id, actor.channel)
        texts = dict(found.texts)
        notes: list[str] = []
        if english is not None and " ".join(english.split()) != texts.get("en"):
            texts["en"] = " ".join(english.split())
            stale = sorted(c for c in texts if c not in ("en", *changes, *_NOT_WORDS))
            if stale and "en" not in found.texts:  # e.g. a resident's idea written in Welsh
                notes.append(
                    f"The {', '.join(stale)} words stay as they were: residents reading "
                    f"{', '.join(stale)} still see them. Check they say the same as the new "
                    f"English, give new ones, or remove them ({stale[0]}={REMOVE} or "
                    f"'{stale[0]}: {REMOVE}')."
                )
            elif stale:
                notes.append(
                    f"The {', '.join(stale)} words were written for the old English: check "
                    f"they still say the same, give new ones, or remove them ({stale[0]}={REMOVE}"
                    f" or '{stale[0]}: {REMOVE}')."
                )
            if found.built_in:
                notes.append(
                    "It was one of the bot's own texts, translated into every language; with "
                    "new English words only the languages you give are translated."
                )
        for code, words in changes.items():
            if words == REMOVE:
                if code not in texts:
                    # TRANSLATORS: {name} is "Topic 12 (round 3)", {code} a language code.
                    raise StaffError(
                        "{name} has no {code} words to remove.",
                        name=found.name,
                        code=code,
                    )
                texts.pop(code)
            else:
                texts[code] = words
        if texts == found.texts:
            # TRANSLATORS: {name} is "Topic 12 (round 3)", "Initiative 4" and the like.
            raise StaffError(
                "{name} already reads like that: nothing changed.",
                name=found.name,
            )
        built_in = found.built_in and texts.get("en") == found.texts.get("en")
        found.save(conn, texts, built_in, log.stamp)
        log(
            f"{kind}.edit",
            _AUDITED_AS.get(kind, kind),
            object_id,
            before=found.texts,
            after=texts,
        )
        changed = _summary(
            Wording(
                kind,
                object_id,
                found.name,
                texts,
                built_in,
                found.save,
                found.residents,
                found.own,
            ),
            desk.languages,
        )
        return "\n".join(["Changed. " + changed, *notes])

    what = Said(_CHANGE[kind]) if kind in _CHANGE else Said("change a {kind}", kind=kind)
    return str(await desk.act(actor, Role.STAFF, what, work))


@dataclass(frozen=True, slots=True)
class _Kind:
    """How to find one kind of staff text, name it, and write it back."""

    read: Callable[[Tx, int], Any]  # the row, or None
    missing: str  # what there is none of, as `no_such` says it
    listed: tuple[str, str]  # the command that lists them, and its argument
    name: Callable[[Any], str]
    texts: Callable[[Any], Texts]
    built_in: Callable[[Any], bool]
    write: Callable[[Tx, int, Texts, bool, str], None]  # (conn, id, texts, built-in, now)
    # (a resident's words?, the language they wrote in) of a row
    residents: Callable[[Any], tuple[bool, str | None]] = lambda row: (False, None)


_KINDS: dict[str, _Kind] = {
    "question": _Kind(
        rounds.get,
        "round",
        ("rounds", ""),
        lambda r: Said("The question of round {round_id}", round_id=r.id),
        lambda r: r.question,
        lambda r: r.question.get("en") in _BUILT_IN,
        lambda c, i, texts, built_in, now: rounds.set_question(c, i, texts),
    ),
    "topic": _Kind(
        rounds.topic,
        "topic",
        ("results", "ROUND"),
        lambda t: Said("Topic {topic_id} (round {round_id})", topic_id=t.id, round_id=t.round_id),
        lambda t: t.label,
        lambda t: t.builtin,
        lambda c, i, texts, built_in, now: rounds.set_topic_label(c, i, texts, built_in),
    ),
    "initiative": _Kind(
        initiatives.get,
        "initiative",
        ("initiatives", ""),
        lambda i: Said("Initiative {initiative_id}", initiative_id=i.id),
        lambda i: i.title,
        lambda i: False,
        lambda c, i, texts, built_in, now: initiatives.set_title(c, i, texts, now),
    ),
    "description": _Kind(
        initiatives.get,
        "initiative",
        ("initiatives", ""),
        lambda i: Said("The description of initiative {initiative_id}", initiative_id=i.id),
        lambda i: i.description,
        lambda i: False,
        lambda c, i, texts, built_in, now: initiatives.set_description(c, i, texts, now),
    ),
    "measure": _Kind(
        initiatives.measure,
        "measure",
        ("measures", ""),
        lambda m: Said(
            "Measure {measure_id} (initiative {initiative_id})",
            measure_id=m.id,
            initiative_id=m.initiative_id,
        ),
        lambda m: m.text,
        lambda m: False,
        lambda c, i, texts, built_in, now: initiatives.set_measure_text(c, i, texts),
        lambda m: (m.residents, m.locale),
    ),
}


def _wording(conn: Tx, kind: str, object_id: int, channel: str) -> Wording:
    how = _KINDS.get(kind)
    if how is None:
        raise StaffError(
            "Texts to change: {kinds} (then its number), not {kind!r}.",
            kinds=", ".join(KINDS),
            kind=kind,
        )
    row = how.read(conn, object_id)
    if row is None:
        raise no_such(channel, how.missing, object_id, *how.listed)

    def save(c: Tx, texts: Texts, built_in: bool, now: str) -> None:
        how.write(c, object_id, texts, built_in, now)

    residents, own = how.residents(row)
    return Wording(
        kind,
        object_id,
        how.name(row),
        how.texts(row),
        how.built_in(row),
        save,
        residents,
        own,
    )


def _summary(found: Wording, languages: Collection[str]) -> str:
    lines = [f"{found.name}:"]
    if not found.texts:
        lines.append("  (none yet)")
    for code, words in _ordered(found.texts):
        if found.residents and code != "voice" and found.own in (code, None):
            lines.append(f"  {code}: «{words}» (a resident's words)")
        else:
            lines.append(f"  {code}: {words}")
    missing = sorted(c for c in languages if c not in found.texts)
    if found.built_in:
        lines.append(
            "  (one of the bot's own texts: languages not given here come from its translations)"
        )
    elif missing:
        lines.append(
            f"  Not yet in: {', '.join(missing)}. Residents reading those see the default "
            "language, else the English."
        )
    return "\n".join(lines)


def _ordered(texts: Texts) -> list[tuple[str, str]]:
    words = {c: w for c, w in texts.items() if c not in _NOT_WORDS}
    spoken = ["(a voice note)"] if "voice" in texts else []
    first = [("en", words.pop("en"))] if "en" in words else []
    return first + sorted(words.items()) + [("voice", s) for s in spoken]
