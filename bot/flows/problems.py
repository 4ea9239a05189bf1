"""A problem found in a flow file, precise enough to fix without reading the code."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from bot.flows.model import Source


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: where it is (file, 1-based line; 0 means the whole file) and what is wrong."""

    file: str
    line: int
    flow: str | None
    node: str | None
    message: str

    def __str__(self) -> str:
        """Render as `file:line: flow 'f' node 'n': message`, leaving out unknown parts."""
        head = f"{self.file}:{self.line}:" if self.line > 0 else f"{self.file}:"
        names = []
        if self.flow is not None:
            names.append(f"flow '{self.flow}'")
        if self.node is not None:
            names.append(f"node '{self.node}'")
        if names:
            return f"{head} {' '.join(names)}: {self.message}"
        return f"{head} {self.message}"

    @classmethod
    def at(cls, source: Source, flow: str | None, node: str | None, message: str) -> Problem:
        """A problem located at `source`."""
        return cls(source.file, source.line, flow, node, message)


def by_position(problems: list[Problem]) -> list[Problem]:
    """Problems ordered by file and line, keeping the found order within a line."""
    return sorted(problems, key=lambda p: (p.file, p.line))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` hint for a misspelt name, or "" when nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
