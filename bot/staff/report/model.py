"""The QS148 report as data: statements, their measures, and the rows behind each figure.
Renderers (Markdown, HTML, XLSX) only lay it out; every number in it is already safe to show
(counts of people went through bot.staff.suppress)."""

from __future__ import annotations

from dataclasses import dataclass, field

# A table cell: text, or a number (kept as a number so a spreadsheet can add it up).
Cell = str | int | float


@dataclass(frozen=True, slots=True)
class Table:
    """Rows behind a figure."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Measure:
    """One QS148 quality measure: its wording, and what the data shows for it.

    `shown` is "yes" (the figure answers the measure), "partly" (the data is evidence, the
    organisation should add more) or "no" (local evidence must be attached: `attach`)."""

    code: str  # e.g. "2 process b"
    kind: str  # structure, process or outcome
    wording: str  # as QS148 words it
    shown: str
    figure: str = ""
    numerator: str = ""  # QS148's definition, where it gives one
    denominator: str = ""
    tables: tuple[Table, ...] = ()
    note: str = ""
    attach: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    """A quality statement and its measures."""

    number: int
    title: str
    text: str
    measures: tuple[Measure, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """The whole report."""

    organisation: str
    period: str
    area: str
    made_at: str
    made_by: str
    threshold: int
    statements: tuple[Statement, ...]
    representation: tuple[Table, ...] = field(default=())
    representation_note: str = ""


LEGEND = (
    'Counts of people from 1 to {below} are shown as "<{threshold}". Where counts add up to '
    'a total that is shown, some others are hidden as "[c]" (each is {threshold} or more) so '
    'that no "<{threshold}" can be worked out by subtraction. A table that cannot be made '
    "safe is withheld. Counts of rounds, initiatives and measures are staff records, not "
    "people, and are shown in full."
)


def legend(threshold: int) -> str:
    """The suppression rule in words, for the top of every report."""
    if threshold <= 1:
        return "Small-number suppression is switched off (SUPPRESS_BELOW)."
    return LEGEND.format(below=threshold - 1, threshold=threshold)
