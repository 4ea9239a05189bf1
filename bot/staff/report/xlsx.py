"""The report as a workbook: a summary sheet of every measure (one row each, header frozen),
then one sheet per statement with the rows behind its figures, and one of who takes part."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from bot.staff.report.model import Report, Table, legend
from bot.staff.report.render import SHOWN

SUMMARY = (
    "statement",
    "measure",
    "kind",
    "QS148 wording",
    "shown by the data",
    "figure",
    "numerator",
    "denominator",
    "note",
    "to attach",
)
WIDTHS = (10, 16, 10, 60, 28, 50, 40, 40, 50, 40)


def workbook(report: Report, path: Path) -> None:
    """Write the report to `path` (streaming: nothing is held but the current row)."""
    book = Workbook(write_only=True)
    summary = book.create_sheet("Summary")
    summary.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJ", WIDTHS, strict=True):
        summary.column_dimensions[column].width = width
    summary.append([_bold(summary, h) for h in SUMMARY])
    for statement in report.statements:
        for m in statement.measures:
            summary.append(
                [
                    statement.number,
                    m.code,
                    m.kind,
                    _wrap(summary, m.wording),
                    SHOWN[m.shown],
                    _wrap(summary, m.figure),
                    _wrap(summary, m.numerator),
                    _wrap(summary, m.denominator),
                    _wrap(summary, m.note),
                    _wrap(summary, m.attach),
                ]
            )
    summary.append([])
    summary.append([f"{report.organisation}. Period: {report.period}. Area: {report.area}."])
    summary.append([f"Made {report.made_at[:16]} UTC by {report.made_by}."])
    summary.append([legend(report.threshold)])
    for statement in report.statements:
        sheet = book.create_sheet(f"Statement {statement.number}")
        sheet.column_dimensions["A"].width = 30
        sheet.append([_bold(sheet, f"Statement {statement.number}: {statement.title}")])
        sheet.append([statement.text])
        for m in statement.measures:
            for t in m.tables:
                sheet.append([])
                _table(sheet, t, f"{m.code}: ")
    people = book.create_sheet("Who takes part")
    people.column_dimensions["A"].width = 30
    people.append([report.representation_note])
    for t in report.representation:
        people.append([])
        _table(people, t, "")
    book.save(path)


def _table(sheet: Any, t: Table, prefix: str) -> None:
    sheet.append([_bold(sheet, prefix + t.title)])
    sheet.append([_bold(sheet, c) for c in t.columns])
    for row in t.rows:
        sheet.append(list(row))
    if not t.rows:
        sheet.append(["(none)"])
    if t.note:
        sheet.append([t.note])


def _bold(sheet: Any, value: str) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _wrap(sheet: Any, value: str) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell
