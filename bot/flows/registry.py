"""All flows of the bot, loaded and validated together; any problem refuses the lot."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.flows.loader import load_flows
from bot.flows.model import Flow
from bot.flows.problems import Problem
from bot.flows.validator import validate_all, validate_flow


def default_flows_dir() -> Path:
    """The `flows/` directory at the repository root (callers may honour FLOWS_DIR instead)."""
    return Path(__file__).resolve().parents[2] / "flows"


def check_flows(paths: Path | Iterable[Path]) -> tuple[dict[str, Flow], list[Problem]]:
    """Load and validate flows, reporting every problem (for `validate` and for loading)."""
    flows, problems = load_flows(paths)
    if not problems:
        return flows, validate_all(flows)
    # Still validate what did load, so one run shows everything to fix; but a flow that
    # failed to load is missing, so a `then:` naming it would be a false alarm.
    return flows, problems + [p for flow in flows.values() for p in validate_flow(flow)]


class InvalidFlows(Exception):
    """Raised when flows have problems; its text lists every problem, one per line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
