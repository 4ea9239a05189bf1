"""What every part of the report shares: its options, QS148's words for a measure, and
counts of people shown safely."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.staff import suppress
from bot.staff.actor import StaffError
from bot.staff.parsing import parse_day
from bot.staff.report import qs148
from bot.staff.report.model import Cell, Measure, Table
from bot.store.report import Scope, area_key


@dataclass(frozen=True, slots=True)
class Options:
    """What the report covers and how it is made."""

    scope: Scope = Scope()
    threshold: int = 5
    organisation: str = ""
    made_at: str = ""
    made_by: str = ""
    # Answer ids of the onboarding questions -> their English labels, e.g. {"gender":
    # {"woman": "Woman"}}: the wiring reads them from the flows, so they are never copied.
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def people(self, value: int) -> Cell:
        """A count of people standing alone: the number, or "<5"."""
        shown = suppress.count(value, self.threshold)
        return value if shown == str(value) else shown


def scope(since: str | None, until: str | None, area: str | None) -> Scope:
    """A report's period and area from what staff typed."""
    start = parse_day(since, end_of_day=False).isoformat() if since else None
    end = parse_day(until).isoformat() if until else None
    if start and end and start > end:
        raise StaffError("The period ends before it starts.")
    return Scope(start, end, area_key(area) if area and area.strip() else None)


def measure(
    code: str,
    shown: str,
    *,
    figure: str = "",
    tables: tuple[Table, ...] = (),
    note: str = "",
    attach: str = "",
) -> Measure:
    """A measure with QS148's wording (and numerator and denominator, where it has them)."""
    numerator, denominator = qs148.NUMERATORS.get(code, ("", ""))
    return Measure(
        code=code,
        kind=code.split()[1],
        wording=qs148.MEASURES[code],
        shown=shown,
        figure=figure,
        numerator=numerator,
        denominator=denominator,
        tables=tables,
        note=note,
        attach=attach,
    )


def not_shown(code: str, attach: str) -> Measure:
    """A measure the data cannot show: what the organisation should attach instead."""
    return measure(code, "no", attach=attach)


def english(stored: str | None) -> str:
    """Staff text as stored (JSON of locale -> text) in English, else any language."""
    if not stored:
        return ""
    value = json.loads(stored)
    if isinstance(value, dict):
        if "voice" in value and len(value) == 1:
            return "(voice note)"
        return str(value.get("en") or next(iter(value.values()), ""))
    return str(value)


def share(part: int, whole: int) -> str:
    """A proportion in words, e.g. "3 of 4 (75%)"."""
    if whole == 0:
        return f"{part} of 0"
    return f"{part} of {whole} ({part / whole:.0%})"


def shown_cell(text: str) -> Cell:
    """A protected count as a table cell: a number where it is shown, else its mark."""
    return int(text) if text.isdigit() else text


def table(
    title: str, columns: tuple[str, ...], rows: Sequence[tuple[Cell, ...]], note: str = ""
) -> Table:
    """A table of rows behind a figure."""
    return Table(title, columns, tuple(rows), note)
