"""/report and /export: the file is made as from the command line, sent to the staff chat as a
document, then deleted from the server."""

from __future__ import annotations

import re
import shlex
from functools import partial
from pathlib import Path

from telegram import Bot

from bot.app import Core
from bot.staff.actor import Actor, StaffError
from bot.staff.exports import FORMATS, TABLES, export, suffix
from bot.staff.parsing import parse_day
from bot.staff.report.build import FORMATS as REPORT_FORMATS
from bot.staff.report.build import make_report, new_file
from bot.store.report import Scope, area_key
from bot.telegram.outbox import Outbox

# What the Bot API lets a bot upload.
UPLOAD_LIMIT = 50 * 1024 * 1024
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def report_request(words: list[str]) -> tuple[Scope, str]:
    """`[FROM] [TO] [area=NAME] [format=html|md|xlsx]` as a scope and a format."""
    try:
        parts = shlex.split(" ".join(words))
    except ValueError:
        raise StaffError('Put an area with spaces in quotes: area="Riverside Park".') from None
    days: list[str] = []
    area: str | None = None
    fmt = "html"
    for part in parts:
        key, eq, value = part.partition("=")
        if eq and key == "area":
            area = value
        elif eq and key == "format":
            fmt = value.lower()
        elif DAY.match(part) and len(days) < 2:
            days.append(part)
        else:
            usage = "/report [FROM] [TO] [area=NAME] [format=html|md|xlsx]"
            raise StaffError(f"{part!r} is not understood. Use: {usage}")
    if fmt not in REPORT_FORMATS:
        raise StaffError(f"The report format is one of: {', '.join(REPORT_FORMATS)}.")
    since = parse_day(days[0], end_of_day=False).isoformat() if days else None
    until = parse_day(days[1]).isoformat() if len(days) > 1 else None
    return Scope(since, until, area_key(area) if area and area.strip() else None), fmt


async def send_report(
    core: Core, actor: Actor, words: list[str], bot: Bot, chat_id: int, outbox: Outbox
) -> None:
    """Make the QS148 report and send it."""
    scope, fmt = report_request(words)
    path = await make_report(core.desk, actor, core.report_options(actor, scope), fmt)
    day = core.clock().date().isoformat()
    await _send(outbox, bot, chat_id, path, f"qs148-report-{day}.{fmt}", "QS148 evidence report.")


async def send_export(
    core: Core, actor: Actor, words: list[str], bot: Bot, chat_id: int, outbox: Outbox
) -> None:
    """Make an export and send it."""
    if not words:
        raise StaffError(f"Use: /export TABLE|all [xlsx|csv|geojson]. Tables: {', '.join(TABLES)}.")
    what, fmt = words[0], (words[1].lower() if len(words) > 1 else "xlsx")
    if fmt not in FORMATS:
        raise StaffError(f"The export format is one of: {', '.join(FORMATS)}.")
    path = new_file("community-voice-export-", suffix(what, fmt))
    try:
        said = await export(
            core.desk,
            actor,
            what,
            fmt,
            path,
            secret=core.settings.export_secret,
            threshold=core.settings.suppress_below,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    day = core.clock().date().isoformat()
    await _send(
        outbox, bot, chat_id, path, f"community-voice-{what}-{day}{suffix(what, fmt)}", said
    )


async def _send(
    outbox: Outbox, bot: Bot, chat_id: int, path: Path, name: str, caption: str
) -> None:
    try:
        size = path.stat().st_size
        if size > UPLOAD_LIMIT:
            raise StaffError(
                f"The file is {size / 1024 / 1024:.0f} MB, more than Telegram lets a bot send "
                "(50 MB). Make it on the server: community-voice export (or report) --output."
            )
        # Bytes, not the open file: a retried upload must send the whole file again.
        data = path.read_bytes()
        await outbox.call(
            chat_id,
            partial(
                bot.send_document, chat_id, document=data, filename=name, caption=caption[:1024]
            ),
        )
    finally:
        path.unlink(missing_ok=True)
