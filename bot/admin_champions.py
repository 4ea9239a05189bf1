"""`community-voice admin` commands for champions: life cycle, figures, posters, support."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.app import Core
from bot.jobs.artwork import MatplotlibArtwork, Poster
from bot.staff import champions as desk_champions
from bot.staff.actor import Actor, StaffError
from bot.staff.posters import PosterDesk
from bot.store import champions, support
from bot.store.db import Tx

ACTIONS = (
    "champion-pause",
    "champion-retire",
    "champion-reactivate",
    "champion-stats",
    "champion-poster",
    "poster",
    "support",
    "support-answer",
    "support-done",
    "champions-report",
)


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The champion subcommands of `admin`."""
    for verb, help_text in (
        ("pause", "pause a champion (their link still welcomes and counts people)"),
        ("retire", "retire a champion: no more check-ins; their link still works"),
        ("reactivate", "make a paused or retired champion active again"),
    ):
        actions.add_parser(f"champion-{verb}", help=help_text).add_argument("id", type=int)
    p = actions.add_parser(
        "champion-stats", help="who joined through a champion, last check-in, open requests"
    )
    p.add_argument("id", type=int)
    p = actions.add_parser(
        "champion-poster", help="write a champion's poster (PDF and PNG) to this folder"
    )
    p.add_argument("id", type=int)
    p.add_argument("--lang", help="one or two languages, e.g. cy,en (default: theirs and en)")
    p = actions.add_parser("poster", help="write a poster for a place (the bot's own link)")
    p.add_argument("--place", required=True, help='where it hangs, e.g. "Riverside Library"')
    p.add_argument("--lang", help="one or two languages, e.g. en,ur (default: en)")
    p.add_argument("--flow", help="a flow the link opens, e.g. priorities")
    p = actions.add_parser(
        "champion-message",
        help="send one champion a message from our team (they answer with /support)",
    )
    p.add_argument("id", type=int)
    p.add_argument("text")
    actions.add_parser("support", help="champions' support requests waiting for an answer")
    p = actions.add_parser("support-answer", help="answer a support request (it is sent)")
    p.add_argument("id", type=int)
    p.add_argument("text")
    p = actions.add_parser("support-done", help="close a request answered another way")
    p.add_argument("id", type=int)
    p.add_argument("--note", default="", help="how it was answered")
    actions.add_parser("champions-report", help="QS148 statement 4: champions and support")


async def run(core: Core, who: Actor, a: argparse.Namespace) -> str:
    """Carry out one champion command."""
    desk = core.desk
    verb = a.action.removeprefix("champion-")
    if verb in ("pause", "retire", "reactivate"):
        await desk_champions.change(desk, who, a.id, verb)
        return (
            f"Champion {a.id} is {desk_champions.status_word(_status(verb))}. The running bot "
            f"tells them within {core.settings.sweep_seconds:g} s."
        )
    if a.action == "champion-stats":
        return await desk_champions.stats(desk, who, a.id)
    if a.action == "champion-message":
        await desk_champions.message(desk, who, a.id, a.text)
        return (
            f"The running bot sends champion {a.id} your message within "
            f"{core.settings.sweep_seconds:g} s, with a line in their language."
        )
    if a.action in ("champion-poster", "poster"):
        return await _poster(core, who, a)
    if a.action == "support":
        return await desk_champions.open_requests(desk, who)
    if a.action == "support-answer":
        found = await desk_champions.answer(desk, who, a.id, a.text)
        return (
            f"Support request #{a.id} is closed. The running bot sends the answer to champion "
            f"{found.champion_id} within {core.settings.sweep_seconds:g} s."
        )
    if a.action == "support-done":
        await desk_champions.mark_answered(desk, who, a.id, a.note)
        return f"Support request #{a.id} is closed. Nothing was sent."
    return await core.db.read(_report)


def _status(verb: str) -> str:
    return desk_champions.CHANGES[verb][0]


async def _poster(core: Core, who: Actor, a: argparse.Namespace) -> str:
    if not core.settings.bot_username:
        raise StaffError(
            "Set BOT_USERNAME (your bot's username, without @) in .env first, so that the "
            "poster's QR code opens your bot."
        )
    posters = PosterDesk(
        core.desk,
        MatplotlibArtwork(core.catalogs),
        core.settings.bot_username,
        core.settings.organisation,
    )
    stem: str
    poster: Poster
    if a.action == "champion-poster":
        stem, poster = await posters.for_champion(who, a.id, a.lang)
    else:
        stem, poster = await posters.for_place(who, a.place, a.lang, a.flow, set(core.flows.ids()))
    paths = [Path.cwd() / f"{stem}.pdf", Path.cwd() / f"{stem}.png"]
    paths[0].write_bytes(poster.pdf)
    paths[1].write_bytes(poster.png)
    return "\n".join(str(p) for p in paths)


def _report(conn: Tx) -> str:
    counts = {s: len(champions.all_champions(conn, s)) for s in champions.STATUSES}
    waiting = len(support.with_status(conn, "open"))
    return (
        "QS148 statement 4: peer and lay roles\n"
        f"Champions: {counts['active']} active, {counts['paused']} paused, "
        f"{counts[champions.RETIRED]} retired, {counts['interested']} waiting for approval\n"
        f"Monthly check-ins answered: {support.checkins_answered(conn)}\n"
        f"Support requests answered: {support.answered_count(conn)} "
        f"(open: {waiting})"
    )
