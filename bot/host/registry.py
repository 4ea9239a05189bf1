"""The names flows can use, in one place: option lists, facts, placeholders and records.

Each entry says what it provides and what it reads, and is a pure function of a `View` (the
resident, their language, the time, and the step's snapshot of the database) and the answers
so far. The validator takes every name from here, so a flow that names something the bot
does not have, or a record that reads an answer its flow no longer saves, is refused by
`validate` and at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.flows.events import Chosen, Facts, Lists, Recorded
from bot.flows.model import NodeKind, Option
from bot.flows.needs import Provided, RecordNeeds
from bot.i18n.catalogs import Translator
from bot.store.participants import Participant
from bot.store.records import RecordData
from bot.store.snapshot import Snapshot
from bot.store.texts import Texts

Answers = Mapping[str, Any]
# Filled in when a question is shown: {item} is the item a for_each question is about.
RENDERED_PARAMS = frozenset({"item"})


@dataclass(frozen=True, slots=True)
class View:
    """What a hook sees."""

    participant: Participant
    tr: Translator
    now: datetime
    snapshot: Snapshot
    bot_username: str
    organisation: str
    locales: tuple[Option, ...] = ()  # every language we speak, each in its own name
    phone_locale: str | None = None  # the language the resident's app asked for, if we have it
    retention: timedelta = timedelta(days=730)  # how long after their last answer data goes

    @property
    def locale(self) -> str:
        """The resident's language."""
        return self.tr.locale

    def text(self, texts: Texts) -> str:
        """Staff text in the resident's language (else the default language, else English),
        translated through the catalogs when it is a built-in msgid."""
        return self.tr.pick(texts)


@dataclass(frozen=True, slots=True)
class OptionList:
    """An `options_from` / `for_each` list; `reads` are the answers it depends on;
    `chosen`, the ids the resident chose from it before, outside the flow (a multi_choice
    shows them ticked)."""

    name: str
    make: Callable[[View, Answers], tuple[Option, ...]]
    reads: tuple[str, ...] = ()
    chosen: Callable[[View, Answers], tuple[str, ...]] | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """A `given:` fact and the values it can take; `seed` adds answers a flow starts with;
    `recheck` reads it again, from the answers so far, when a branch reaches it."""

    name: str
    values: tuple[str, ...]
    make: Callable[[View], str]
    seed: Callable[[View], dict[str, Any]] | None = None
    recheck: Callable[[View, Answers], str] | None = None


@dataclass(frozen=True, slots=True)
class Param:
    """A `{placeholder}` in flow texts."""

    name: str
    make: Callable[[View, Answers], str]


@dataclass(frozen=True, slots=True)
class Record:
    """`record: NAME` on an end node: the answers it reads (and the kinds of node that may
    save each), and the plain data it makes of them for the store to write; `earlier`, what
    it holds for the resident now, as those answers (a multi_choice asking one again shows
    it ticked)."""

    name: str
    reads: Mapping[str, frozenset[NodeKind]]
    make: Callable[[View, Answers], RecordData | None]
    earlier: Callable[[View], Answers] | None = None
    optional: frozenset[str] = frozenset()  # read if the flow's version saves them


Entry = OptionList | Fact | Param | Record


@dataclass(frozen=True, slots=True)
class Registry:
    """Every name the host provides."""

    options: Mapping[str, OptionList] = field(default_factory=dict)
    facts: Mapping[str, Fact] = field(default_factory=dict)
    params: Mapping[str, Param] = field(default_factory=dict)
    records: Mapping[str, Record] = field(default_factory=dict)
    settable: frozenset[str] = frozenset({"locale", "area"})
    forgettable: frozenset[str] = frozenset({"participant"})
    node_records: frozenset[str] = frozenset({"consent"})

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Registry:
        """A registry of these entries; a name given twice is a programming error."""
        kinds: dict[type, dict[str, Any]] = {OptionList: {}, Fact: {}, Param: {}, Record: {}}
        for entry in entries:
            found = kinds[type(entry)]
            if entry.name in found:
                raise ValueError(f"{type(entry).__name__} '{entry.name}' is registered twice")
            found[entry.name] = entry
        return cls(kinds[OptionList], kinds[Fact], kinds[Param], kinds[Record])

    def provided(self) -> Provided:
        """What these entries provide, for the flow checks."""
        return Provided(
            options=frozenset(self.options),
            facts={name: fact.values for name, fact in self.facts.items()},
            params=frozenset(self.params) | RENDERED_PARAMS,
            settable=self.settable,
            forgettable=self.forgettable,
            node_records=self.node_records,
            records={
                name: RecordNeeds(record.reads, record.optional)
                for name, record in self.records.items()
            },
        )

    def rechecks(self, view: View) -> Facts:
        """Facts a branch reads again in one step (the others keep their value from the start)."""

        def get(name: str, answers: Answers, /) -> str | None:
            fact = self.facts.get(name)
            return fact.recheck(view, answers) if fact and fact.recheck else None

        return get

    def chosen(self, view: View) -> Chosen:
        """What the resident chose from each list before, outside the flow (none: nothing)."""

        def get(name: str, answers: Answers, /) -> tuple[str, ...]:
            entry = self.options.get(name)
            return entry.chosen(view, answers) if entry and entry.chosen else ()

        return get

    def recorded(self, view: View) -> Recorded:
        """What each record holds for the resident now, by the answer keys it reads."""

        def get(name: str, key: str, /) -> Any:
            entry = self.records.get(name)
            if entry is None or entry.earlier is None or key not in entry.reads:
                return None
            return entry.earlier(view).get(key)

        return get

    def lists(self, view: View) -> Lists:
        """The option lists for one step, each made at most once per distinct input."""
        made: dict[tuple[object, ...], tuple[Option, ...]] = {}

        def get(name: str, answers: Answers, /) -> tuple[Option, ...]:
            entry = self.options.get(name)
            if entry is None:
                return ()
            key = (name, *(_hashable(answers.get(k)) for k in entry.reads))
            if key not in made:
                made[key] = entry.make(view, answers)
            return made[key]

        return get


def _hashable(value: Any) -> object:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value
