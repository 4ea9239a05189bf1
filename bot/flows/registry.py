"""All flows of the bot, loaded and validated together; any problem refuses the lot."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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


class FlowRegistry:
    """The loaded flows by id, in the order their files were read."""

    def __init__(self, flows: Mapping[str, Flow]) -> None:
        self._flows = dict(flows)

    @classmethod
    def load(cls, paths: Path | Iterable[Path]) -> FlowRegistry:
        """Load and validate flow files and directories; InvalidFlows on any problem."""
        flows, problems = check_flows(paths)
        if problems:
            raise InvalidFlows(problems)
        return cls(flows)

    def get(self, flow_id: str) -> Flow:
        """The flow with this id (KeyError if there is none)."""
        return self._flows[flow_id]

    def ids(self) -> tuple[str, ...]:
        """Every flow id."""
        return tuple(self._flows)

    def __contains__(self, flow_id: object) -> bool:
        return flow_id in self._flows

    def __iter__(self) -> Iterator[Flow]:
        return iter(self._flows.values())

    def __len__(self) -> int:
        return len(self._flows)
