"""What a flow needs from its host (option lists, facts, placeholders, effects and records), and
the check that the host provides all of it, so a typo or a renamed answer in a flow is caught
by `validate` and at start-up, not by a resident halfway through.

The host describes what it provides as a `Provided`; this module knows no names of its own.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from bot.flows.events import Ask, Event, Say
from bot.flows.model import Flow, Node, NodeKind
from bot.flows.problems import Problem, did_you_mean


@dataclass(frozen=True, slots=True)
class RecordNeeds:
    """The answers a record reads: each key, and the kinds of node that may save it (empty:
    any kind). Every key must be saved by some node of a flow that records it, but those
    `optional` (asked only in later versions of the flow: sessions begun on an earlier one
    finish on it)."""

    reads: Mapping[str, frozenset[NodeKind]] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Provided:
    """The names a host can fill in, and what each needs."""

    options: frozenset[str] = frozenset()
    facts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> its values
    params: frozenset[str] = frozenset()
    settable: frozenset[str] = frozenset()  # `set:` targets
    forgettable: frozenset[str] = frozenset()  # `forget:` targets
    node_records: frozenset[str] = frozenset()  # `record:` on a question: its own answer
    records: Mapping[str, RecordNeeds] = field(default_factory=dict)  # `record:` on an end node


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


def needs_problems(flows: Iterable[Flow], provided: Provided) -> list[Problem]:
    """Every name a flow uses that the host does not provide, and every answer a record
    reads that its flow does not save, with file and line."""
    problems: list[Problem] = []
    for flow in flows:
        problems += _flow_problems(flow, provided)
    return problems


def _flow_problems(flow: Flow, provided: Provided) -> list[Problem]:
    problems: list[Problem] = []
    for fact, values in flow.given.items():
        if fact not in provided.facts:
            hint = did_you_mean(fact, provided.facts)
            message = f"the bot cannot provide 'given: {fact}'{hint}"
            problems.append(Problem.at(flow.source, flow.id, None, message))
            continue
        never = [v for v in values if v not in provided.facts[fact]]
        if never:
            message = (
                f"'given: {fact}' lists {', '.join(repr(v) for v in never)}, which the bot never "
                f"gives (it gives {', '.join(repr(v) for v in provided.facts[fact])})"
            )
            problems.append(Problem.at(flow.source, flow.id, None, message))
    savers: dict[str, list[Node]] = {}
    for node in flow.nodes.values():
        if node.save_as:
            savers.setdefault(node.save_as, []).append(node)
    for node in flow.nodes.values():
        problems += [
            Problem.at(node.source, flow.id, node.id, message)
            for message in _node_messages(node, provided, savers)
        ]
    return problems


def _node_messages(node: Node, provided: Provided, savers: Mapping[str, list[Node]]) -> list[str]:
    messages = [
        f"the bot has no option list called '{name}'{did_you_mean(name, provided.options)}"
        for name in (node.options_from, node.for_each)
        if name and name not in provided.options
    ]
    messages += [
        f"the bot cannot fill in '{{{name}}}'{did_you_mean(name, provided.params)}"
        for name in sorted(fields_in(node.text) - provided.params)
    ]
    for effect in node.effects:
        messages += _effect_messages(node, effect.action, effect.target, provided, savers)
    return messages


def _effect_messages(
    node: Node, action: str, target: str, provided: Provided, savers: Mapping[str, list[Node]]
) -> list[str]:
    if action == "set":
        return _known(target, provided.settable, "'set' cannot target")
    if action == "forget":
        return _known(target, provided.forgettable, "'forget' cannot target")
    if node.kind is not NodeKind.END:
        return _known(target, provided.node_records, "the bot cannot record")
    needs = provided.records.get(target)
    if needs is None:
        return _known(target, frozenset(provided.records), "the bot cannot record")
    messages = []
    for key, kinds in needs.reads.items():
        found = savers.get(key, [])
        wanted = " or ".join(sorted(k.value for k in kinds)) + " " if kinds else ""
        if not found and key in needs.optional:
            continue
        if not found:
            hint = did_you_mean(key, savers)
            messages.append(
                f"'record: {target}' reads the answer '{key}', but no node of this flow saves "
                f"it (add 'save_as: {key}' to a {wanted}node){hint}"
            )
        elif kinds and not any(saver.kind in kinds for saver in found):
            shown = ", ".join(f"'{s.id}' ({s.kind.value})" for s in found)
            messages.append(
                f"'record: {target}' reads the answer '{key}' from a {wanted}node, but it is "
                f"saved by {shown}"
            )
    return messages


def _known(target: str, names: frozenset[str], what: str) -> list[str]:
    if target in names:
        return []
    choices = f" (use {' or '.join(sorted(names))})" if names else ""
    return [f"{what} '{target}'{choices}"]
