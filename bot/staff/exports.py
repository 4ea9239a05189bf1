"""Exports for analysts and the JSNA team: CSV (a zip of them for everything), XLSX (one sheet
per table) and GeoJSON of assets. Streamed from one read transaction, a batch of rows at a
time, so memory stays flat however big the tables grow. Role-checked and audited."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.desk import StaffDesk
from bot.staff.geojson import write_geojson
from bot.staff.pseudonym import Pseudonyms, ensure_secret
from bot.staff.said import Said
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
        raise StaffError("Export one of: all, {tables}.", tables=", ".join(TABLES))
    if fmt not in FORMATS:
        raise StaffError("The export format is one of: {formats}.", formats=", ".join(FORMATS))
    if fmt == "geojson" and what != "assets":
        raise StaffError("GeoJSON is for assets only: --what assets --format geojson.")

    def note(conn: Tx, log: Audit) -> str:
        log("export.make", "export", what, after={"format": fmt})
        return secret or ensure_secret(conn, log.stamp)

    key = str(await desk.act(actor, Role.VIEWER, Said("export data"), note))
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
    # openpyxl takes a third of a second to import: only when a workbook is made, so the
    # command line and the bot start as fast as before.
    from openpyxl import Workbook

    from bot.staff.sheetrows import write_sheet

    book = Workbook(write_only=True)
    counts = {}
    for name, shape in shapes.items():
        sheet = book.create_sheet(name[:31])
        sheet.freeze_panes = "A2"
        counts[name] = write_sheet(sheet, shape.columns, _typed(shape, exports.rows(conn, name)))
    book.save(output)
    return counts


def _typed(shape: Shape, rows: Iterable[tuple[Any, ...]]) -> Iterator[list[Any]]:
    """Rows with times and dates as such (UTC), for a spreadsheet to sort and filter."""
    times = shape.times
    dates = frozenset(i for i, c in enumerate(shape.columns) if c in DATES)
    typed = sorted(times | dates)
    for row in rows:
        values = shape.row(row)
        for i in typed:
            value = values[i]
            if isinstance(value, str):
                if i in times and len(value) >= 19:
                    values[i] = datetime.fromisoformat(value).replace(tzinfo=None)
                elif i in dates and len(value) == 10:
                    values[i] = date.fromisoformat(value)
        yield values
