"""The QS148 report from one consistent read of the database, and the staff action that
makes it as a file (role-checked, audited)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.areas import for_report
from bot.staff.auditing import Audit
from bot.staff.desk import StaffDesk
from bot.staff.report import champions, evaluation, priorities, representation, strengths
from bot.staff.report.common import Options
from bot.staff.report.model import Report
from bot.staff.report.render import html, markdown
from bot.staff.said import Said
from bot.store.db import Tx

FORMATS = ("md", "html", "xlsx")


def build(conn: Tx, options: Options) -> Report:
    """Every statement and the representativeness tables, inside one read transaction."""
    tables, note, participants = representation.tables(conn, options)
    scope = options.scope
    if scope.since or scope.until:
        period = f"{(scope.since or 'the start')[:10]} to {(scope.until or 'now')[:10]}"
    else:
        period = "everything so far"
    return Report(
        organisation=options.organisation,
        period=period,
        area=scope.area if scope.area is not None else "all areas",
        made_at=options.made_at,
        made_by=options.made_by,
        threshold=options.threshold,
        statements=(
            priorities.statement(conn, options, participants),
            evaluation.statement(conn, options),
            strengths.statement(conn, options),
            champions.statement(conn, options),
        ),
        representation=tables,
        representation_note=note,
    )


def new_file(prefix: str, suffix: str) -> Path:
    """A new empty temporary file (for a file sent over Telegram, then deleted)."""
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=suffix)
    os.close(handle)
    return Path(name)


async def make_report(
    desk: StaffDesk, actor: Actor, options: Options, fmt: str, output: Path | None = None
) -> Path:
    """Write the report as md, html or xlsx (to `output`, or a new temporary file) and
    record in the audit log who made it, for what period and area."""
    if fmt not in FORMATS:
        raise StaffError("The report format is one of: {formats}.", formats=", ".join(FORMATS))

    def note(conn: Tx, log: Audit) -> Options:
        scope = options.scope
        if scope.area is not None:
            scope = replace(scope, area=for_report(conn, scope.area, actor.channel))
        asked = {"format": fmt, "from": scope.since, "to": scope.until, "area": scope.area}
        log("report.make", "report", None, after=asked)
        return replace(options, scope=scope)

    options = await desk.act(actor, Role.VIEWER, Said("make a report"), note)
    report = await desk.db.read(build, options)
    path = output or new_file("qs148-report-", f".{fmt}")
    if fmt == "xlsx":
        from bot.staff.report.xlsx import workbook  # openpyxl: imported when needed (slow)

        workbook(report, path)
    else:
        path.write_text(html(report) if fmt == "html" else markdown(report), "utf-8")
    return path
