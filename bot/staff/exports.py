"""Exports for analysts and the JSNA team: CSV (a zip of them for everything), XLSX (one sheet
per table) and GeoJSON of assets. Streamed from one read transaction, a batch of rows at a
time, so memory stays flat however big the tables grow. Role-checked and audited."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.desk import StaffDesk
from bot.staff.geojson import write_geojson
from bot.staff.pseudonym import Pseudonyms, ensure_secret
from bot.staff.shaping import Shape, Shaper
from bot.store import exports
from bot.store.db import Tx

TABLES = tuple(exports.QUERIES)
FORMATS = ("csv", "xlsx", "geojson")
DATES = frozenset({"due_on", "done_on", "starts_on", "period"})
# A cell starting with one of these is a formula to a spreadsheet opening the CSV.
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def suffix(what: str, fmt: str) -> str:
    """The file name ending for an export: .csv, .zip (every table as CSV), .xlsx, .geojson."""
    return ".zip" if fmt == "csv" and what == "all" else f".{fmt}"


async def export(
    desk: StaffDesk,
    actor: Actor,
    what: str,
    fmt: str,
    output: Path,
    *,
    secret: str | None = None,
    threshold: int = 5,
) -> str:
    """Write the export to `output`; returns a line saying what is in it."""
    if what != "all" and what not in TABLES:
        raise StaffError(f"Export one of: all, {', '.join(TABLES)}.")
    if fmt not in FORMATS:
        raise StaffError(f"The export format is one of: {', '.join(FORMATS)}.")
    if fmt == "geojson" and what != "assets":
        raise StaffError("GeoJSON is for assets only: --what assets --format geojson.")

    def note(conn: Tx, log: Audit) -> str:
        log("export.make", "export", what, after={"format": fmt})
        return secret or ensure_secret(conn, log.stamp)

    key = str(await desk.act(actor, Role.VIEWER, "export data", note))
    return await desk.db.read(_write, what, fmt, output, key, threshold)


def _write(conn: Tx, what: str, fmt: str, output: Path, secret: str, threshold: int) -> str:
    shaper = Shaper(Pseudonyms(secret), threshold, exports.staff_telegram_ids(conn))
    names = list(TABLES) if what == "all" else [what]
    if fmt == "geojson":
        shape = shaper.shape("assets", exports.columns(conn, "assets"))
        mapped, skipped = write_geojson(output, shape, exports.rows(conn, "assets"))
        return f"{mapped} verified assets on the map ({skipped} more have no shared location)."
    shapes = {name: shaper.shape(name, exports.columns(conn, name)) for name in names}
    if fmt == "xlsx":
        counts = _xlsx(conn, output, shapes)
    elif len(names) == 1:
        with output.open("w", newline="", encoding="utf-8") as handle:
            counts = {names[0]: _csv(handle, shapes[names[0]], exports.rows(conn, names[0]))}
    else:
        counts = {}
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, shape in shapes.items():
                with archive.open(f"{name}.csv", "w") as raw:
                    handle = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    counts[name] = _csv(handle, shape, exports.rows(conn, name))
                    handle.flush()
                    handle.detach()
    return ", ".join(f"{name} {n:,} rows" for name, n in counts.items())


def _csv(handle: Any, shape: Shape, rows: Iterable[tuple[Any, ...]]) -> int:
    writer = csv.writer(handle)
    writer.writerow(shape.columns)
    written = 0
    for row in rows:
        writer.writerow([_csv_cell(v) for v in shape.row(row)])
        written += 1
    return written


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA) and not _number(value):
        return "'" + value  # shown as text, never run as a formula
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _xlsx(conn: Tx, output: Path, shapes: dict[str, Shape]) -> dict[str, int]:
    book = Workbook(write_only=True)
    counts = {}
    for name, shape in shapes.items():
        sheet = book.create_sheet(name[:31])
        sheet.freeze_panes = "A2"
        header = []
        for column in shape.columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        times = shape.times
        dates = frozenset(i for i, c in enumerate(shape.columns) if c in DATES)
        written = 0
        for row in exports.rows(conn, name):
            values = shape.row(row)
            for i, value in enumerate(values):
                if isinstance(value, str):
                    values[i] = _xlsx_text(sheet, value, i in times, i in dates)
            sheet.append(values)
            written += 1
        counts[name] = written
    book.save(output)
    return counts


def _xlsx_text(sheet: Any, value: str, time: bool, day: bool) -> Any:
    """A text value as a typed cell: times and dates as such (UTC), anything else as text
    (never a formula, never a character a spreadsheet file cannot hold)."""
    if time and len(value) >= 19:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    if day and len(value) == 10:
        return date.fromisoformat(value)
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
