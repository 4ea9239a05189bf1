"""`community-voice admin` commands to hear residents: answers in their own words, voice
notes, "something else" suggestions (and linking them to initiatives), evaluations."""

from __future__ import annotations

import argparse

from bot.app import Core
from bot.staff.actor import Actor
from bot.staff.hearing import DEFAULT_LIMIT

ACTIONS = (
    "answers",
    "voice-notes",
    "voice",
    "suggestions",
    "suggestion-link",
    "suggestion-unlink",
    "evaluations",
)


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The admin subcommands that read residents' words."""
    p = actions.add_parser("answers", help="answers in residents' own words, newest first")
    p.add_argument("--flow", help="only this flow's questions (e.g. assets)")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    p = actions.add_parser("voice-notes", help="residents' voice notes, newest first, with ids")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    p = actions.add_parser(
        "voice",
        help="a voice note's context and Telegram file id (staff hear it in Telegram: /voice ID)",
    )
    p.add_argument("id", type=int)
    p = actions.add_parser("suggestions", help="'something else' answers from priority rounds")
    p.add_argument("--round", type=int, help="only this round's")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    p = actions.add_parser(
        "suggestion-link",
        help="say an initiative answers a suggestion: its news then reaches that person",
    )
    p.add_argument("suggestion", type=int)
    p.add_argument("initiative", type=int)
    p = actions.add_parser(
        "suggestion-unlink",
        help="undo a link made by mistake: the initiative's news no longer reaches that person",
    )
    p.add_argument("suggestion", type=int)
    p.add_argument("initiative", type=int)
    p = actions.add_parser(
        "evaluations", help="an initiative's ratings per measure over time, and every comment"
    )
    p.add_argument("initiative", type=int)


async def run(core: Core, who: Actor, a: argparse.Namespace) -> str:
    """Carry out one of ACTIONS."""
    hearing = core.hearing()
    if a.action == "answers":
        return await hearing.answers(who, a.flow, a.limit)
    if a.action == "voice-notes":
        return await hearing.voice_notes(who, a.limit)
    if a.action == "voice":
        file_id, context = await hearing.voice(who, a.id)
        return (
            f"Voice note {a.id}: {context}\nTelegram file id: {file_id}\n"
            f"To hear it, send /voice {a.id} to the bot in Telegram: it sends you the recording."
        )
    if a.action == "suggestions":
        return await hearing.suggestions(who, a.round, a.limit)
    if a.action == "suggestion-link":
        return await hearing.link(who, a.suggestion, a.initiative)
    if a.action == "suggestion-unlink":
        return await hearing.unlink(who, a.suggestion, a.initiative)
    return await hearing.evaluations(who, a.initiative)
