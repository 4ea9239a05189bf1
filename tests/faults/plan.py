"""How much of each scenario a run does: the full run (`make faults`) and the short form
(`make test`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from tests.faults import scenarios
from tests.faults.scenarios import Figure

Scenario = Callable[[Path], Awaitable[list[Figure]]]


@dataclass(frozen=True, slots=True)
class Plan:
    """The sizes of one run."""

    name: str
    kills: int  # kill -9 during residents' flows
    broadcast_kills: int  # per rate, before the one SIGTERM
    fuzzed: int  # hypothesis updates
    fault_seconds: float  # injected Telegram faults
    recipients: tuple[int, int]  # of the broadcasts at 30/s and at 1000/s
    token_cases: int  # of: revoked at start, a proxy echoing the path, revoked while polling
    budget: float  # seconds the whole run may take

    def scenarios(self) -> Iterator[tuple[str, Scenario]]:
        yield "token", partial(scenarios.token_never_logged, cases=self.token_cases)
        yield "staff", scenarios.staff_from_a_resident
        yield "delete", scenarios.delete_leaves_nothing
        yield "faults", partial(scenarios.injected_faults, seconds=self.fault_seconds)
        yield (
            "broadcast-30",
            partial(
                scenarios.broadcast_crashes,
                rate=30,
                recipients=self.recipients[0],
                kills=self.broadcast_kills,
            ),
        )
        yield (
            "broadcast-1000",
            partial(
                scenarios.broadcast_crashes,
                rate=1000,
                recipients=3000,
                kills=self.broadcast_kills,
                latency=0.05,
            ),
        )
        yield "fuzz", partial(scenarios.fuzzed_updates, count=self.fuzzed)
        yield "kill-9", partial(scenarios.flows_under_kill9, kills=self.kills)


FULL = Plan(
    "full",
    kills=100,
    broadcast_kills=3,
    fuzzed=10_000,
    fault_seconds=30,
    recipients=(200, 4000),
    token_cases=3,
    budget=600,
)
SHORT = Plan(
    "short",
    kills=2,
    broadcast_kills=1,
    fuzzed=300,
    fault_seconds=4,
    recipients=(40, 800),
    token_cases=2,
    budget=75,
)
