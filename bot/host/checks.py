"""Every check a flow must pass before the bot runs it: shape, graph, and names the bot must
provide (option lists, facts, placeholders, effects, and the answers each record reads).
`community-voice validate` and start-up run exactly this."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.flows.model import Flow
from bot.flows.needs import needs_problems
from bot.flows.problems import Problem, by_position
from bot.flows.registry import InvalidFlows, check_flows
from bot.host.library import FlowLibrary
from bot.host.registry import Registry


def check_all(
    paths: Path | Iterable[Path], registry: Registry
) -> tuple[dict[str, Flow], list[Problem]]:
    """Load flows and report every problem of every pass, each with file and line."""
    flows, problems = check_flows(paths)
    problems += needs_problems(flows.values(), registry.provided())
    return flows, by_position(problems)


def load_library(paths: Path | Iterable[Path], registry: Registry) -> FlowLibrary:
    """The flows the bot runs; InvalidFlows (listing every problem) if any has one."""
    flows, problems = check_all(paths, registry)
    if problems:
        raise InvalidFlows(problems)
    return FlowLibrary(flows, registry.provided())
