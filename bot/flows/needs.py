"""What a flow needs from its host (option lists, facts, placeholders, records), and checks
that the host provides all of it, so a typo in a flow is caught at start-up, not by a
resident halfway through."""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from bot.flows.events import Ask, Event, Say
from bot.flows.model import Flow
from bot.flows.problems import Problem
from bot.flows.registry import FlowRegistry

# Provided by the host for every flow.
BUILTIN_OPTIONS = frozenset({"locales"})
BUILTIN_FACTS = frozenset({"language_known"})
BUILTIN_PARAMS = frozenset({"organisation", "item"})
BUILTIN_RECORDS = frozenset({"consent"})


@dataclass(frozen=True, slots=True)
class Provided:
    """The names a host can fill in."""

    options: frozenset[str] = field(default_factory=frozenset)
    facts: frozenset[str] = field(default_factory=frozenset)
    params: frozenset[str] = field(default_factory=frozenset)
    records: frozenset[str] = field(default_factory=frozenset)


def sources(flow: Flow) -> frozenset[str]:
    """Host option lists the flow uses (options_from and for_each)."""
    return _sources(flow)


@cache
def _sources(flow: Flow) -> frozenset[str]:
    found: set[str] = set()
    for node in flow.nodes.values():
        found.update(n for n in (node.options_from, node.for_each) if n)
    return frozenset(found)


def fields_in(text: str | None) -> set[str]:
    """The {placeholder} names in a text."""
    if not text:
        return set()
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:  # a stray brace: shown as it is
        return set()


def placeholders(events: Iterable[Event]) -> set[str]:
    """Placeholder names in the texts a list of events will show."""
    names: set[str] = set()
    for event in events:
        if isinstance(event, Say):
            names |= fields_in(event.text)
        elif isinstance(event, Ask):
            names |= fields_in(event.node.text)
    return names


def needs_problems(flows: FlowRegistry, provided: Provided) -> list[Problem]:
    """Every name a flow uses that the host does not provide, with file and line."""
    options = provided.options | BUILTIN_OPTIONS
    facts = provided.facts | BUILTIN_FACTS
    params = provided.params | BUILTIN_PARAMS
    records = provided.records | BUILTIN_RECORDS
    problems: list[Problem] = []
    for flow in flows:
        for fact in flow.given:
            if fact not in facts:
                message = f"the bot cannot provide 'given: {fact}'"
                problems.append(Problem.at(flow.source, flow.id, None, message))
        for node in flow.nodes.values():
            messages = [
                f"the bot has no option list called '{name}'"
                for name in (node.options_from, node.for_each)
                if name and name not in options
            ]
            messages += [
                f"the bot cannot fill in '{{{name}}}'"
                for name in sorted(fields_in(node.text) - params)
            ]
            messages += [
                f"the bot cannot record '{effect.target}'"
                for effect in node.effects
                if effect.action == "record" and effect.target not in records
            ]
            problems += [Problem.at(node.source, flow.id, node.id, m) for m in messages]
    return problems
