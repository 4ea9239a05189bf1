"""The staff commands in Telegram: how to use each, what it does, and the least role that may
(checked on every command, before anything else is read or written)."""

from __future__ import annotations

from typing import NamedTuple

from bot.staff.actor import Role
from bot.telegram.champion_staff import COMMANDS as CHAMPION_COMMANDS
from bot.telegram.text_staff import COMMANDS as TEXT_COMMANDS


class Command(NamedTuple):
    """A staff command: how to use it, what it does, and the least role that may."""

    usage: str
    does: str
    role: Role


V, S, A = Role.VIEWER, Role.STAFF, Role.ADMIN
# Champions' figures and the open support requests only read; the rest change something.
_CHAMPION_READS = ("champion_stats", "support_open")
_TEXT_READS = ("text", "areas")
COMMANDS: dict[str, Command] = {
    "staff": Command("", "list the staff commands you can use", V),
    "dashboard": Command("", "a one-time sign-in link for the staff dashboard in a browser", V),
    "broadcast": Command(
        "AUDIENCE [at=...] [spread=H] [template=NAME]",
        "send a message to many (message on the next lines)",
        S,
    ),
    "rounds": Command("", "list rounds", V),
    "round_open": Command(*TEXT_COMMANDS["round_open"], S),
    "round_close": Command("ROUND", "close a round now", S),
    "results": Command("ROUND", "a round's ranked topics", V),
    "topic_add": Command("ROUND label", "add a topic to an open round", S),
    "initiatives": Command("", "list initiatives", V),
    "initiative_add": Command("TOPIC,TOPIC title", "record an initiative answering topics", S),
    "initiative_update": Command(
        "ID STATUS|- [--again] [--back] [what we did]",
        "planned, active, paused or finished; '-' keeps it; --again repeats the last note, "
        "--back confirms an earlier status",
        S,
    ),
    "initiative_history": Command(
        "ID", "an initiative's updates and milestones: when, who, what", V
    ),
    "milestones": Command("[INITIATIVE]", "milestones by due date", V),
    "milestone_add": Command("INITIATIVE DATE OWNER title", "a dated milestone with an owner", S),
    "milestone_done": Command("ID", "mark a milestone done today", S),
    "milestone_remove": Command("ID", "remove a milestone added by mistake", S),
    "measures": Command("", "list measures, their votes and residents' ideas waiting", V),
    "measure_add": Command("INITIATIVE text", "add an agreed measure to an evaluation plan", S),
    "measure_accept": Command("ID", "let residents vote for a resident's idea", S),
    "measure_adopt": Command("ID", "adopt a measure residents proposed", S),
    "measure_reject": Command("ID", "reject a resident's idea or a measure", S),
    "champions": Command("", "list champions", V),
    "champion_approve": Command("ID", "approve a champion and send them their link", S),
    **{
        name: Command(usage, does, V if name in _CHAMPION_READS else S)
        for name, (usage, does) in CHAMPION_COMMANDS.items()
    },
    "assets": Command("", "list assets", V),
    "answers": Command("[FLOW]", "answers in residents' own words, newest first", V),
    "voice_notes": Command("", "residents' voice notes, newest first, with ids", V),
    "voice": Command("ID", "send me a resident's voice note, with its context", V),
    "suggestions": Command("[ROUND]", "'something else' answers from priority rounds", V),
    "suggestion_link": Command(
        "SUGGESTION INITIATIVE", "an initiative answers a suggestion: its news reaches them", S
    ),
    "suggestion_unlink": Command(
        "SUGGESTION INITIATIVE", "undo a link made by mistake: its news no longer reaches them", S
    ),
    "evaluations": Command("INITIATIVE", "ratings per measure over time, and every comment", V),
    "asset_verify": Command("ID", "mark an asset verified", S),
    "asset_hide": Command("ID", "hide an asset", S),
    **{
        name: Command(usage, does, V if name in _TEXT_READS else S)
        for name, (usage, does) in TEXT_COMMANDS.items()
        if name != "round_open"
    },
    "report": Command(
        "[FROM] [TO] [area=NAME] [format=html|md|xlsx]", "the QS148 evidence report, as a file", V
    ),
    "export": Command("TABLE|all [xlsx|csv|geojson]", "export tables as a file", V),
    "audit": Command("[SINCE]", "the audit log of staff actions (newest first)", V),
    "staff_invite": Command("ROLE [name]", "a one-time link to join as admin, staff or viewer", A),
    "staff_list": Command("", "staff and their roles", A),
    "staff_role": Command("ID ROLE", "change a staff member's role", A),
    "staff_remove": Command("ID", "remove a staff member", A),
}


def help_text(role: Role) -> str:
    """The commands a role may use, one per line."""
    return "\n".join(
        f"/{name} {c.usage}".rstrip() + f": {c.does}"
        for name, c in COMMANDS.items()
        if role >= c.role
    )
