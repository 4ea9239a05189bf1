"""Reports and exports to download: the QS148 report (with who takes part against the
population) as a page, Markdown or a workbook, and the pseudonymised exports. Made by the
same functions as the command line and Telegram, and recorded in the audit log."""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiohttp import web

from bot.staff import population
from bot.staff.actor import Refused, Role, StaffError
from bot.staff.exports import FORMATS, TABLES, export, suffix
from bot.staff.report.build import FORMATS as REPORT_FORMATS
from bot.staff.report.build import make_report
from bot.staff.report.common import scope
from bot.web.forms import field, optional
from bot.web.i18n import W_, explain, not_done, tr
from bot.web.server import ACTOR, Dashboard, Handler

TYPES = {
    "md": "text/markdown",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "zip": "application/zip",
    "geojson": "application/geo+json",
}


async def reports(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /reports."""
    return d.page(request, "reports.html", formats=REPORT_FORMATS)


MAP_OF_ASSETS = W_("GeoJSON is a map layer of the verified assets: choose assets, or CSV or XLSX.")


async def exports(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /exports."""
    return d.page(request, "exports.html", tables=TABLES, formats=FORMATS)


async def report(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /reports/download: the QS148 report as a file."""
    form = await request.post()
    fmt = field(form, "format") or "html"
    try:
        options = d.core.report_options(
            request[ACTOR],
            scope(optional(form, "from"), optional(form, "to"), optional(form, "area")),
        )
        with tempfile.TemporaryDirectory(prefix="community-voice-") as folder:
            path = Path(folder) / f"qs148-report.{fmt}"
            await make_report(d.core.desk, request[ACTOR], options, fmt, path)
            body = path.read_bytes()
    except Refused as exc:
        return d.refused(request, explain(exc))
    except StaffError as exc:
        return _back(d, request, exc, "/reports")
    day = d.core.clock().date().isoformat()
    return _file(body, f"qs148-report-{day}.{fmt}", fmt)


async def download(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /exports/download: a table (or all of them) as CSV, XLSX or GeoJSON."""
    form = await request.post()
    what, fmt = field(form, "what") or "all", field(form, "format") or "xlsx"
    settings = d.core.settings
    if fmt == "geojson" and what != "assets":
        # Said as the export form offers it, not as the command line's flags, and back to it.
        return _back(d, request, StaffError(tr(MAP_OF_ASSETS)), "/exports")
    try:
        with tempfile.TemporaryDirectory(prefix="community-voice-") as folder:
            ending = suffix(what, fmt)
            path = Path(folder) / f"export{ending}"
            await export(
                d.core.desk,
                request[ACTOR],
                what,
                fmt,
                path,
                secret=settings.export_secret,
                threshold=settings.suppress_below,
            )
            body = path.read_bytes()
    except Refused as exc:
        return d.refused(request, explain(exc))
    except StaffError as exc:
        return _back(d, request, exc, "/assets" if what == "assets" else "/exports")
    day = d.core.clock().date().isoformat()
    return _file(body, f"community-voice-{what}-{day}{ending}", ending.lstrip("."))


async def population_upload(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /reports/population: a CSV of population figures (the command line's
    population-load), which the report's representativeness tables compare with."""
    form = await request.post()
    upload = form.get("file")

    async def work() -> str:
        if not isinstance(upload, web.FileField):
            raise StaffError("Choose a CSV file of population figures.")
        name = Path(upload.filename or "population.csv").name
        with upload.file, tempfile.TemporaryDirectory(prefix="community-voice-") as folder:
            path = Path(folder) / name
            path.write_bytes(upload.file.read())
            return await population.load(d.core.desk, request[ACTOR], path)

    return await d.act(request, work, "/reports")


def _file(body: bytes, name: str, kind: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=TYPES.get(kind, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _back(d: Dashboard, request: web.Request, exc: StaffError, page: str) -> web.Response:
    d.tell(request, not_done(exc), "error")
    raise web.HTTPSeeOther(page)


ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/reports", reports, Role.VIEWER),
    ("POST", "/reports/download", report, Role.VIEWER),
    ("POST", "/reports/population", population_upload, Role.STAFF),
    ("GET", "/exports", exports, Role.VIEWER),
    ("POST", "/exports/download", download, Role.VIEWER),
)
