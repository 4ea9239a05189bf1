"""`community-voice report`, `community-voice export` and the admin commands for staff
members, the audit log, population figures, milestones and initiative history."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.app import Core
from bot.staff import auditing, milestones, population
from bot.staff.actor import Actor
from bot.staff.exports import FORMATS, TABLES, export, suffix
from bot.staff.outputs import output_file, writing
from bot.staff.report.build import FORMATS as REPORT_FORMATS
from bot.staff.report.build import make_report
from bot.staff.report.common import scope
from bot.staff.staffing import bot_username, invite_text, parse_role

ADMIN_ACTIONS = (
    "staff-invite",
    "staff-list",
    "staff-role",
    "staff-remove",
    "audit",
    "population-load",
    "milestone-add",
    "milestone-done",
    "milestone-remove",
    "milestones",
    "initiative-history",
)


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    operator: Callable[[argparse.ArgumentParser], None],
) -> None:
    """The report and export commands."""
    r = sub.add_parser(
        "report",
        help="the QS148 evidence report (every measure the data supports)",
        description="Write the QS148 report: every measure of the four statements the data "
        "can support, with its definition, figure and rows, and what to attach for the rest.",
    )
    r.add_argument("--from", dest="since", metavar="DATE", help="first day, e.g. 2026-04-01")
    r.add_argument("--to", dest="until", metavar="DATE", help="last day, e.g. 2027-03-31")
    r.add_argument(
        "--area", help="only residents of this area (its name, another name or a postcode district)"
    )
    r.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        help="default: what --output's name ends in, else md",
    )
    r.add_argument("--output", type=Path, metavar="FILE", help="default: qs148-report-DATE.FMT")
    operator(r)
    e = sub.add_parser(
        "export",
        help="export tables as CSV, XLSX or GeoJSON (participants pseudonymised)",
        description="Export tables for analysts: participant ids replaced by pseudonyms, no "
        "Telegram ids, counts of people suppressed below SUPPRESS_BELOW.",
    )
    e.add_argument(
        "--what",
        required=True,
        choices=("all", *TABLES),
        metavar="TABLE|all",
        help=f"all, or one of: {', '.join(TABLES)}",
    )
    e.add_argument(
        "--format",
        choices=FORMATS,
        help="default: what --output's name ends in (.zip: every table as CSV), else xlsx",
    )
    e.add_argument(
        "--output", type=Path, metavar="FILE", help="default: community-voice-TABLE-DATE.FMT"
    )
    operator(e)


def add_admin_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The admin subcommands for staff, audit, population, milestones and history."""
    p = actions.add_parser("staff-invite", help="a one-time Telegram link to join as staff")
    p.add_argument("--role", required=True, help="admin, staff or viewer")
    p.add_argument("--name", help="who it is for (shown in the staff list and audit log)")
    actions.add_parser("staff-list", help="current staff and their roles")
    p = actions.add_parser("staff-role", help="change a staff member's role")
    p.add_argument("id", type=int)
    p.add_argument("role", help="admin, staff or viewer")
    p = actions.add_parser("staff-remove", help="remove a staff member")
    p.add_argument("id", type=int)
    p = actions.add_parser("audit", help="the audit log of staff actions, newest first")
    p.add_argument("--since", metavar="DATE", help="from this day, e.g. 2026-11-01")
    p = actions.add_parser("population-load", help="load population figures from a CSV file")
    p.add_argument("file", type=Path)
    p = actions.add_parser("milestone-add", help="a dated milestone of an initiative")
    p.add_argument("initiative", type=int)
    p.add_argument("title")
    p.add_argument("--due", required=True, help="due date, e.g. 2027-01-31")
    p.add_argument("--owner", required=True, help="the staff member who owns it")
    p = actions.add_parser("milestone-done", help="mark a milestone done")
    p.add_argument("id", type=int)
    p.add_argument("--on", help="the day it was done (default: today)")
    p = actions.add_parser("milestone-remove", help="remove a milestone added by mistake")
    p.add_argument("id", type=int)
    p = actions.add_parser("milestones", help="milestones, by due date")
    p.add_argument("initiative", type=int, nargs="?")
    p = actions.add_parser(
        "initiative-history", help="an initiative's updates and milestones, oldest first"
    )
    p.add_argument("initiative", type=int)


async def run_report(core: Core, who: Actor, a: argparse.Namespace) -> str:
    """community-voice report."""
    options = core.report_options(who, scope(a.since, a.until, a.area))
    day = core.clock().date().isoformat()
    output, fmt = output_file(
        a.output,
        a.format,
        REPORT_FORMATS,
        "md",
        lambda f: f".{f}",
        f"qs148-report-{day}",
    )
    with writing(output):
        path = await make_report(core.desk, who, options, fmt, output)
    return f"Wrote {path}"


async def run_export(core: Core, who: Actor, a: argparse.Namespace) -> str:
    """community-voice export."""
    day = core.clock().date().isoformat()
    output, fmt = output_file(
        a.output,
        a.format,
        FORMATS,
        "xlsx",
        lambda f: suffix(a.what, f),
        f"community-voice-{a.what}-{day}",
    )
    settings = core.settings
    with writing(output):
        said = await export(
            core.desk,
            who,
            a.what,
            fmt,
            output,
            secret=settings.export_secret,
            threshold=settings.suppress_below,
        )
    return f"Wrote {output}: {said}"


async def run_admin(core: Core, who: Actor, a: argparse.Namespace) -> str:
    """One of ADMIN_ACTIONS."""
    roster, desk = core.roster, core.desk
    actions: dict[str, Callable[[], Awaitable[str]]] = {
        "staff-invite": lambda: _invite(core, who, a.role, a.name),
        "staff-list": lambda: roster.members(who),
        "staff-role": lambda: _said(
            roster.set_role(who, a.id, parse_role(a.role)),
            f"Staff member {a.id} is now {a.role.strip().lower()}.",
        ),
        "staff-remove": lambda: _said(roster.remove(who, a.id), f"Removed staff member {a.id}."),
        "audit": lambda: auditing.listing(desk, who, a.since),
        "population-load": lambda: population.load(desk, who, a.file),
        "milestone-add": lambda: _milestone_added(core, who, a),
        "milestone-done": lambda: _milestone_done(core, who, a),
        "milestone-remove": lambda: _milestone_removed(core, who, a.id),
        "milestones": lambda: milestones.listing(desk, who, a.initiative),
        "initiative-history": lambda: milestones.history(
            desk, who, a.initiative, core.settings.suppress_below
        ),
    }
    return await actions[a.action]()


async def _invite(core: Core, who: Actor, role: str, name: str | None) -> str:
    wanted = parse_role(role)
    username = await bot_username(core.desk, core.settings.bot_username)
    invite = await core.roster.invite(who, wanted, name)
    return invite_text(invite, username)


async def _milestone_added(core: Core, who: Actor, a: argparse.Namespace) -> str:
    # Its id, as Telegram and the dashboard say it: milestone-done needs it.
    new = await milestones.add(core.desk, who, a.initiative, a.due, a.owner, a.title)
    return (
        f"Added milestone {new} to initiative {a.initiative}, due {a.due}, owner "
        f"{a.owner.strip()}. When it is done: admin milestone-done {new}"
    )


async def _milestone_done(core: Core, who: Actor, a: argparse.Namespace) -> str:
    return f"Milestone {a.id} done on {await milestones.done(core.desk, who, a.id, a.on)}."


async def _milestone_removed(core: Core, who: Actor, milestone_id: int) -> str:
    return milestones.said_removed(await milestones.remove(core.desk, who, milestone_id))


async def _said(done: Awaitable[object], said: str) -> str:
    await done
    return said
