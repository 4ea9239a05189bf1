"""Rows into a write-only openpyxl sheet, fast: typed cells written straight as sheet XML.

openpyxl builds and serialises an object per cell (about 10 µs each here), which made the
XLSX of 100,000 answers take 11 s. openpyxl still makes the workbook (sheets, styles, frozen
header, the zip); only the rows of `<sheetData>` are written here, as openpyxl would write
them: numbers and booleans as values, text as inline strings, times and dates as serial
numbers in openpyxl's own date styles. Where openpyxl's XML writer is not the one this
relies on (lxml installed), rows go through `sheet.append` as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def write_sheet(sheet: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a bold header row and then `rows` (values: None, bool, int, float, str, date,
    datetime without a time zone) to a new write-only sheet; returns the rows written."""
    bold = [_cell(sheet, name, font=Font(bold=True)) for name in header]
    sheet._get_writer()
    xf = sheet._writer.xf.send(True)
    raw = getattr(xf, "_file", None)
    if raw is None:  # another XML writer: the ordinary, slower way
        sheet._writer.xf.send(None)
        sheet.append(bold)
        written = 0
        for row in rows:
            sheet.append(list(row))
            written += 1
        return written
    styles = {
        datetime: _cell(sheet, datetime(2000, 1, 1)).style_id,
        date: _cell(sheet, date(2000, 1, 1)).style_id,
        "bold": bold[0].style_id if bold else 0,
    }
    letters = [get_column_letter(i) for i in range(1, len(header) + 1)]
    written = 0
    with xf.element("sheetData"):
        raw(_row(1, letters, header, styles, bold=True))
        for number, row in enumerate(rows, start=2):
            raw(_row(number, letters, row, styles))
            written += 1
    sheet._writer.xf.send(None)
    sheet._rows = _finished()  # rows are written: close() only writes the sheet's tail
    return written


def _cell(sheet: Any, value: Any, font: Font | None = None) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    return cell


def _finished() -> Any:
    yield


def _row(
    number: int,
    letters: list[str],
    values: Sequence[Any],
    styles: dict[Any, int],
    *,
    bold: bool = False,
) -> str:
    cells = []
    for letter, value in zip(letters, values, strict=True):
        if value is None:
            continue
        ref = f"{letter}{number}"
        if bold:
            cells.append(f'<c r="{ref}" s="{styles["bold"]}" t="inlineStr">{_text(value)}</c>')
        elif isinstance(value, bool):
            cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float):
            cells.append(f'<c r="{ref}" t="n"><v>{value!r}</v></c>')
        elif isinstance(value, datetime):
            cells.append(f'<c r="{ref}" s="{styles[datetime]}" t="n"><v>{to_excel(value)}</v></c>')
        elif isinstance(value, date):
            cells.append(f'<c r="{ref}" s="{styles[date]}" t="n"><v>{to_excel(value)}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr">{_text(str(value))}</c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _text(value: str) -> str:
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    escaped = value.translate(_ESCAPE)
    if escaped != escaped.strip():
        return f'<is><t xml:space="preserve">{escaped}</t></is>'
    return f"<is><t>{escaped}</t></is>"
