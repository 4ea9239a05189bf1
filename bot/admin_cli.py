"""`community-voice admin ...`, `seed-demo`, `broadcast`, `report` and `export`: staff work
from the command line."""

from __future__ import annotations

import argparse
import getpass
import shlex
import sys
from collections.abc import Awaitable, Callable
from functools import partial

from bot import admin_champions, admin_texts, evidence_cli, hearing_cli
from bot.app import Core, open_core
from bot.config import Settings
from bot.jobs.compose import TEMPLATES
from bot.jobs.pacing import QuietHours
from bot.jobs.sender import Progress
from bot.staff import broadcasts as drafts
from bot.staff import measures
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.desk import Queued, StaffDesk
from bot.staff.listings import LISTINGS
from bot.staff.news import status_of
from bot.staff.parsing import texts, translation_items
from bot.staff.staffing import parse_role
from bot.staff.telling import by_running_bot, describe, quiet_until, told
from bot.store import broadcasts, report
from bot.store.db import Tx
from bot.store.report import Scope


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The admin, broadcast and seed-demo subcommands."""

    def operator(p: argparse.ArgumentParser, default: object = None) -> None:
        p.add_argument(
            "--as",
            dest="operator",
            metavar="NAME",
            default=default,
            help="who is doing this, for the audit log (default: your login name)",
        )

    operator(sub.add_parser("seed-demo", help="load a demo round, initiatives and measures"))
    b = sub.add_parser(
        "broadcast",
        help="queue a message to many (the running bot sends it)",
        description="Preview a broadcast; with --yes, queue it. The running bot sends it "
        "within SWEEP_SECONDS (or at --at), paced and in each person's language.",
    )
    b.add_argument("audience", help=drafts.AUDIENCE_HELP)
    b.add_argument("--text", help="the message in English")
    b.add_argument("--tr", action="append", default=[], metavar="LANG=TEXT")
    b.add_argument("--template", help=f"a translated template: {', '.join(TEMPLATES)}")
    b.add_argument("--at", help="local start time, e.g. '2026-12-01 10:00'")
    b.add_argument("--spread", type=float, help="spread sending over this many hours")
    b.add_argument("--yes", action="store_true", help="queue it (without: preview only)")
    operator(b)
    evidence_cli.add_parsers(sub, operator)
    d = sub.add_parser(
        "dashboard-link",
        help="a one-time sign-in link for the staff dashboard (works once, for 10 minutes)",
    )
    d.add_argument("--role", default="admin", help="admin (default), staff or viewer")
    operator(d)
    admin = sub.add_parser("admin", help="staff: run rounds, initiatives, champions, assets")
    operator(admin)
    actions = admin.add_subparsers(dest="action", required=True)
    evidence_cli.add_admin_parsers(actions)
    for name in LISTINGS:
        actions.add_parser(name, help=f"list {name}")
    actions.add_parser("broadcasts", help="list broadcasts and their delivery counts")
    actions.add_parser(
        "feedback-report", help="QS148: initiatives with a plan that gave feedback to people"
    )

    def tr(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--tr",
            action="append",
            default=[],
            metavar="LANG=TEXT",
            help="the same text in another language, e.g. --tr 'cy=Helo' (repeatable)",
        )

    admin_texts.add_round_open(actions)
    p = actions.add_parser("round-close", help="close a round now")
    p.add_argument("round", type=int)
    p = actions.add_parser("results", help="a round's ranked topics")
    p.add_argument("round", type=int)
    p = actions.add_parser("topic-add", help="add a topic to an open round")
    p.add_argument("round", type=int)
    p.add_argument("label")
    tr(p)
    p = actions.add_parser(
        "initiative-add",
        help="record an initiative",
        description="Record an initiative. Each --tr translates the text just before it: the "
        "title, or the --description, e.g. \"Walking group\" --tr 'cy=Grŵp cerdded' "
        "--description 'Every Tuesday' --tr 'cy=Bob dydd Mawrth'.",
    )
    p.add_argument("title")
    p.add_argument("--topics", required=True, help="topic ids it answers, e.g. 3,5")
    p.add_argument("--description", action=admin_texts.InOrder, help="what it is, in a sentence")
    p.add_argument("--starts", help="start date, e.g. 2027-01-10")
    p.add_argument(
        "--status", default="planned", help="planned (default), active, paused or finished"
    )
    p.add_argument("--check-in-days", type=int, default=30)
    p.add_argument(
        "--tr", action=admin_texts.InOrder, metavar="LANG=TEXT", help=admin_texts.TR_HELP
    )
    p = actions.add_parser(
        "initiative-update",
        help="new status and/or what was done (its people are told)",
        description="Tell the people an initiative concerns what changed. Its own status "
        "again with no note is refused: there is nothing new to tell.",
    )
    p.add_argument("initiative", type=int)
    p.add_argument("--status", help="planned, active, paused or finished")
    p.add_argument("--note", help="what was done, in plain words")
    p.add_argument("--again", action="store_true", help="send the last note word for word again")
    p.add_argument("--back", action="store_true", help="yes, move it back to an earlier status")
    tr(p)
    p = actions.add_parser(
        "measure-add",
        help="add a measure to an evaluation plan: adopted now (agreed, no vote) unless --proposed",
    )
    p.add_argument("initiative", type=int)
    p.add_argument("text")
    p.add_argument("--proposed", action="store_true", help="let residents vote on it first")
    tr(p)
    admin_champions.add_parsers(actions)
    hearing_cli.add_parsers(actions)
    admin_texts.add_parsers(actions)
    for name, help_text in (
        ("measure-accept", "accept a resident's idea for a measure: residents can vote for it"),
        ("measure-adopt", "adopt a measure into the evaluation plan"),
        ("measure-reject", "reject a resident's idea or a measure"),
        ("champion-approve", "approve a champion (they get their link)"),
        ("asset-verify", "mark an asset verified"),
        ("asset-hide", "hide an asset"),
    ):
        p = actions.add_parser(name, help=help_text)
        p.add_argument("id", type=int)
    # `--as NAME` after the action too (`admin results 1 --as Sam`), where staff following
    # the README put it; given before the action, it is not overwritten by a missing one.
    for action in actions.choices.values():
        operator(action, default=argparse.SUPPRESS)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out one admin command; print the result or a clear error."""
    import asyncio

    where = settings.database.resolve()
    new = not settings.database.exists()
    if new and args.command in ("report", "export"):
        # Run from another folder, they wrote an empty report from a database they made.
        print(f"Not done: there is no database at {where}. {_WHERE_IT_IS}")
        return 1
    try:
        print(asyncio.run(_run(settings, args)))
        if new and args.command != "seed-demo":
            print(
                f"(There was no database at {where}: a new one was made. {_WHERE_IT_IS})",
                file=sys.stderr,
            )
    except StaffError as exc:
        print(f"Not done: {exc}")
        return 1
    return 0


_WHERE_IT_IS = (
    "Run this in the bot's own folder (its .env and data/ are there), or set DATABASE_PATH "
    "to the bot's database."
)


def actor(args: argparse.Namespace) -> Actor:
    """The operator at the command line: an admin (whoever runs the command on the server
    can read the database anyway), named for the audit log."""
    name = getattr(args, "operator", None) or _login()
    return Actor(f"cli:{name}", Role.ADMIN, "cli")


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


async def _run(settings: Settings, args: argparse.Namespace) -> str:
    async with open_core(settings) as core:
        who = actor(args)
        if args.command == "seed-demo":
            return await core.desk.seed_demo(who)
        if args.command == "broadcast":
            return await _broadcast(core, who, args)
        if args.command == "report":
            return await evidence_cli.run_report(core, who, args)
        if args.command == "export":
            return await evidence_cli.run_export(core, who, args)
        if args.command == "dashboard-link":
            return await _dashboard_link(core, who, args)
        if args.action in evidence_cli.ADMIN_ACTIONS:
            return await evidence_cli.run_admin(core, who, args)
        if args.action == "broadcasts":
            return await core.db.read(_list_broadcasts, core.settings.suppress_below)
        if args.action == "feedback-report":
            return await core.db.read(_feedback_report)
        if args.action in admin_champions.ACTIONS:
            return await admin_champions.run(core, who, args)
        if args.action in hearing_cli.ACTIONS:
            return await hearing_cli.run(core, who, args)
        return await on_desk(
            core.desk,
            who,
            args,
            core.settings.sweep_seconds,
            core.quiet,
            core.settings.timezone,
            threshold=core.settings.suppress_below,
        )


async def on_desk(
    desk: StaffDesk,
    who: Actor,
    args: argparse.Namespace,
    sweep: float = 60.0,
    quiet: QuietHours | None = None,
    zone: str = "UTC",
    *,
    threshold: int,
) -> str:
    """An admin action that needs only the staff desk (rounds, texts, areas, ...); news for
    residents goes out within `sweep` seconds, or when `quiet` hours end; counts of people
    below `threshold` are suppressed."""
    if args.action in admin_texts.ACTIONS:
        return await admin_texts.run(desk, who, args, threshold=threshold)
    until = quiet_until(quiet, desk.now(), zone)
    when = f"within {sweep:g} s" if until is None else f"at {until}, when quiet hours end"
    action: Callable[[], Awaitable[str]] = _actions(desk, who, args, when, threshold)[args.action]
    return await action()


async def _dashboard_link(core: Core, who: Actor, a: argparse.Namespace) -> str:
    from bot.staff.dashboard import DashboardDoor

    settings = core.settings
    if not settings.web_port:
        raise StaffError("The dashboard is turned off (WEB_PORT=0).")
    link = await DashboardDoor(core.desk).link_for_operator(
        who, who.name.removeprefix("cli:"), parse_role(a.role)
    )
    return (
        f"Sign in to the staff dashboard (the link works once, until "
        f"{link.expires_at[11:16]} UTC):\n{link.url(settings.web_public_url)}\n"
        "The running bot (make run) serves it."
    )


def _feedback_report(conn: Tx) -> str:
    # Counted as the QS148 report counts statement 2, process b (bot/store/report.py).
    with_plan = set(report.evaluation_plans(conn, Scope()))
    gave = {i for (i, kind), n in report.feedback_sent(conn, Scope()).items() if n} & with_plan
    share = f" ({len(gave) / len(with_plan):.0%})" if with_plan else ""
    return (
        f"Initiatives with an evaluation plan: {len(with_plan)}\n"
        f"...that gave feedback to the people engaged: {len(gave)}{share}"
    )


def _actions(
    desk: StaffDesk, who: Actor, a: argparse.Namespace, when: str, threshold: int
) -> dict[str, Callable[[], Awaitable[str]]]:
    def news(queued: Queued) -> str:
        return told(
            queued.reach,
            queued.audience,
            by_running_bot(when),
            threshold=threshold,
            texts=queued.texts,
        )

    def ids(text: str) -> list[int]:
        try:
            return [int(x) for x in text.replace(" ", "").split(",") if x]
        except ValueError:
            raise StaffError(f"Topic ids are numbers separated by commas, not {text!r}.") from None

    async def round_open() -> str:
        question, topics = admin_texts.round_texts(getattr(a, "in_order", None) or [])
        new = await desk.open_round(
            who, a.closes, question, topics, areas=admin_texts.areas_given(a.area)
        )
        notes = await desk.round_notes(who, new)
        return (
            f"Opened round {new}.\n"
            + await desk.results(who, new, threshold=threshold)
            + (f"\n{notes}" * bool(notes))
        )

    async def round_close() -> str:
        queued = await desk.close_round(who, a.round)
        results = await desk.results(who, a.round, threshold=threshold)
        return f"Closed round {a.round}.\n{results}\n\nIts results: {news(queued)}"

    async def topic_add() -> str:
        return f"Added topic {await desk.add_topic(who, a.round, texts(a.label, a.tr))}."

    async def initiative_add() -> str:
        title, description = admin_texts.initiative_texts(
            a.title, getattr(a, "in_order", None) or []
        )
        new = await desk.create_initiative(
            who,
            title,
            ids(a.topics),
            description=description,
            starts_on=a.starts,
            status=a.status,
            check_in_days=a.check_in_days,
        )
        if status_of(a.status) == "finished":
            # measure-add refuses a finished initiative: what staff can do next is tell people.
            return (
                f"Recorded initiative {new}, finished: nobody rates it, so it takes no measures. "
                "To tell the people it concerns what was done: "
                f'admin initiative-update {new} --note "..."'
            )
        # Measures come after it exists: the next step, said (Telegram says it too).
        return (
            f"Recorded initiative {new}. Add the measures it is judged by: "
            f'admin measure-add {new} "..."'
        )

    async def initiative_update() -> str:
        note = texts(a.note, a.tr) if a.note else None
        queued = await desk.update_initiative(
            who, a.initiative, a.status, note, again=a.again, back=a.back
        )
        said = f" {queued.note}" if queued.note else ""
        return f"Updated initiative {a.initiative}.{said}\n\nThe news: {news(queued)}"

    async def measure_add() -> str:
        adopt = not a.proposed
        new = await desk.add_measure(who, a.initiative, texts(a.text, a.tr), adopt=adopt)
        return measures.added(new, a.initiative, adopt, who.channel)

    async def measure_set(status: str, said: str) -> str:
        decided = await desk.set_measure(who, a.id, status)
        return "\n".join([said, *decided.notes(who.channel)])

    async def simple(coro: Awaitable[object], said: str) -> str:
        await coro
        return said

    actions: dict[str, Callable[[], Awaitable[str]]] = {
        name: partial(desk.listing, who, name, threshold=threshold) for name in LISTINGS
    }
    actions.update(
        {
            "round-open": round_open,
            "round-close": round_close,
            "results": lambda: desk.results(who, a.round, threshold=threshold),
            "topic-add": topic_add,
            "initiative-add": initiative_add,
            "initiative-update": initiative_update,
            "measure-add": measure_add,
            "measure-accept": lambda: measure_set(
                "proposed", f"Measure {a.id} is open for residents' votes."
            ),
            "measure-adopt": lambda: measure_set("adopted", f"Adopted measure {a.id}."),
            "measure-reject": lambda: measure_set("rejected", f"Rejected measure {a.id}."),
            "champion-approve": lambda: simple(
                desk.set_champion(who, a.id, "active"),
                f"Approved champion {a.id}. The running bot sends them their link {when}.",
            ),
            "asset-verify": lambda: simple(
                desk.set_asset(who, a.id, "verified"), f"Asset {a.id} verified."
            ),
            "asset-hide": lambda: simple(
                desk.set_asset(who, a.id, "hidden"), f"Asset {a.id} hidden."
            ),
        }
    )
    return actions


async def _broadcast(core: Core, who: Actor, a: argparse.Namespace) -> str:
    settings = core.settings
    now = core.clock()
    if not a.template and not (a.text or "").strip():
        # The shared parser would say how to write it in Telegram (lines after the audience).
        raise StaffError(
            'Give the message with --text "..." (and --tr cy="..." for other languages), or '
            f"use --template NAME: {', '.join(TEMPLATES)}."
        )
    if a.template and (a.text or a.tr):
        raise StaffError(
            "Give the message either with --text (and --tr) or with --template, not both: "
            "a template brings its own words in every language."
        )
    if a.spread is not None and not 0 < a.spread <= 72:
        # Checked here: the shared parser says it as Telegram's "spread=" would be written.
        raise StaffError("--spread takes a number of hours above 0 and up to 72, like --spread 3.")
    first = [a.audience]
    if a.at:
        first.append(f"at={a.at.replace(' ', 'T')}")
    if a.spread:
        first.append(f"spread={a.spread}")
    if a.template:
        first.append(f"template={a.template}")
    lines = [" ".join(shlex.quote(w) for w in first)]
    if a.text:
        lines.append(a.text)
        # Read as round-open reads them: a --tr without "=" was glued onto the English.
        lines += [f"{code}: {words}" for code, words in translation_items(a.tr)]
    request = drafts.parse_request("\n".join(lines), settings.timezone, now)
    new = await drafts.draft(core.desk, who, request)
    details = await drafts.preview(
        core.desk, new, settings.timezone, core.quiet, threshold=settings.suppress_below
    )
    if not a.yes:
        await drafts.discard(core.desk, who, new)
        return f"Preview (nothing queued yet):\n{details}\n\nTo send it, run this again with --yes."
    await drafts.queue(core.desk, who, new)
    start = "at its start time" if request.send_at else f"within {settings.sweep_seconds:g} s"
    return f"Broadcast {new} queued. {by_running_bot(start)}\n{details}"


def _list_broadcasts(conn: Tx, threshold: int) -> str:
    lines = []
    for b in broadcasts.with_status(
        conn, "draft", "scheduled", "sending", "paused", "cancelled", "done"
    ):
        progress = Progress.from_counts(b.id, b.status, broadcasts.counts(conn, b.id), None)
        parts = drafts.shown(progress, threshold).parts()
        ended = b.status in ("done", "cancelled")
        summary = ", ".join(f"{state} {n}" for state, n in sorted(parts.items())) or (
            "sent to nobody" if ended else "not sent to anyone yet"
        )
        # "results to round: -" said neither which round nor that nobody had been sent it.
        lines.append(f"broadcast {b.id} [{b.status}] {b.kind} to {describe(b.audience)}: {summary}")
    return "\n".join(lines) or "No broadcasts yet."
