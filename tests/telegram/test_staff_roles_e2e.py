"""Roles in Telegram, checked on the server for every staff command and every staff button.

The commands and buttons are taken from the running bot's own handlers and the code's tables
(COMMANDS, broadcasting.ACTIONS), so a new staff command is covered without touching this
file, and one registered without a role fails here."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.staff.actor import Role
from bot.telegram.application import CHAMPION_COMMANDS
from bot.telegram.application import COMMANDS as RESIDENT_COMMANDS
from bot.telegram.broadcasting import ACTIONS, control
from bot.telegram.staffcommands import COMMANDS
from tests.telegram.conftest import STAFF_ID, Harness

STRANGER, VIEWER, COLLEAGUE = 3001, 3002, 3003
NOT_STAFF = "Sorry, only staff can do that. Send /menu to see what you can do."
ARGS = "1 2 3"  # enough words that every command gets past "Use: ..." if it were allowed


def staff_handlers(tg: Harness) -> tuple[set[str], list[str]]:
    """The staff commands and the button patterns the running bot has handlers for."""
    residents = {name for name, _ in RESIDENT_COMMANDS} | set(CHAMPION_COMMANDS)
    commands: set[str] = set()
    patterns: list[str] = []
    for group in tg.bot.app.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                commands |= set(handler.commands) - residents
            elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                pattern = handler.pattern
                patterns.append(pattern.pattern if isinstance(pattern, re.Pattern) else pattern)
    return commands, patterns


def everything(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table."""
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(map(tuple, conn.execute(f'SELECT * FROM "{n}"'))) for n in names}


async def join(tg: Harness, user: int, role: str, name: str) -> None:
    """An admin invites `user` in Telegram and they open the link."""
    await tg.text(STAFF_ID, f"/staff_invite {role} {name}")
    invitation = tg.last(STAFF_ID).text or ""
    payload = re.search(r"start=(staff-[\w-]+)", invitation)
    assert payload, invitation
    await tg.command(user, "start", payload.group(1), first_name=name)


async def test_every_staff_handler_has_a_role_in_the_command_table(tg: Harness) -> None:
    commands, patterns = staff_handlers(tg)
    assert commands == set(COMMANDS)
    assert all(isinstance(c.role, Role) for c in COMMANDS.values())
    assert len(patterns) == 1 and re.match(patterns[0], control("send", 1))


async def test_strangers_and_viewers_are_refused_every_action_and_nothing_changes(
    tg: Harness,
) -> None:
    await join(tg, VIEWER, "viewer", "Vera")
    assert (tg.last(VIEWER).text or "").startswith("Welcome to the team, Vera. You are now viewer")
    await tg.text(STAFF_ID, "/broadcast everyone\nHello")  # a draft to press buttons on
    draft = tg.last(STAFF_ID)
    before = everything(tg.db)

    commands, _ = staff_handlers(tg)
    for name in sorted(commands):
        await tg.text(STRANGER, f"/{name} {ARGS}")
        assert tg.last(STRANGER).text == NOT_STAFF, name
        if COMMANDS[name].role > Role.VIEWER:
            await tg.text(VIEWER, f"/{name} {ARGS}")
            needs = COMMANDS[name].role.label
            assert (tg.last(VIEWER).text or "").startswith(
                f"Not done: Your role (viewer) cannot use /{name}; that needs {needs}. "
                "Ask an admin."
            ), name
    for action in ACTIONS:
        for user, said in ((STRANGER, "Only staff can do that."), (VIEWER, "Your role (viewer)")):
            # The control's data forged on a message in their own chat: refused, and said so.
            tg.api.press(user, draft.message_id, control(action, 1), chat_id=user)
            await tg.settle()
            assert (tg.api.callback_answers[-1][1] or "").startswith(said), (action, user)
            # A press "from" them on the staff member's own message cannot come from Telegram
            # (the chat is not theirs): answered, and nothing else.
            tg.api.press(user, draft.message_id, control(action, 1), chat_id=STAFF_ID)
            await tg.settle()
            assert tg.api.callback_answers[-1][1] is None, (action, user)
    assert everything(tg.db) == before


async def test_a_viewer_may_read_and_make_reports_but_not_act(tg: Harness) -> None:
    await join(tg, VIEWER, "viewer", "Vera")
    await tg.text(VIEWER, "/rounds")
    assert tg.last(VIEWER).text == "No rounds yet."
    await tg.text(VIEWER, "/report")
    report = tg.last(VIEWER)
    assert report.document_name and report.document_name.endswith(".html")
    assert b"Statement 2: Evaluation" in (report.document_bytes or b"")
    assert tg.rows("SELECT actor, role, action FROM audit_log WHERE action = 'report.make'") == [
        ("tg:Vera#2", "viewer", "report.make")
    ]


async def test_an_admin_invites_changes_and_removes_a_colleague(tg: Harness) -> None:
    await join(tg, COLLEAGUE, "staff", "Sam")
    assert tg.rows("SELECT name, telegram_user_id, role FROM staff_members WHERE id = 2") == [
        ("Sam", COLLEAGUE, "staff")
    ]
    # Only the hash of the token is kept, and the link works once.
    invitation = tg.api.sent(STAFF_ID)[-1].text or ""
    token = re.search(r"start=staff-([\w-]+)", invitation)
    assert token and token.group(1) not in str(everything(tg.db))
    await tg.command(STRANGER, "start", f"staff-{token.group(1)}")
    assert tg.last(STRANGER).text == (
        "This staff invitation has already been used. Ask an admin for a new one."
    )
    await tg.text(COLLEAGUE, "/round_open 2099-01-31")
    assert (tg.last(COLLEAGUE).text or "").startswith("Opened round 1.")
    await tg.text(COLLEAGUE, "/staff_list")
    assert (tg.last(COLLEAGUE).text or "").startswith("Not done: Your role (staff) cannot")

    await tg.text(STAFF_ID, "/staff_role 2 viewer")
    assert tg.last(STAFF_ID).text == "Staff member 2 (Sam) is now viewer."
    await tg.text(COLLEAGUE, "/round_close 1")
    assert (tg.last(COLLEAGUE).text or "").startswith("Not done: Your role (viewer) cannot")
    await tg.text(STAFF_ID, "/staff_remove 2")
    assert tg.last(STAFF_ID).text == "Removed staff member 2 (Sam)."
    await tg.text(COLLEAGUE, "/rounds")
    assert tg.last(COLLEAGUE).text == NOT_STAFF
    await tg.text(STAFF_ID, "/staff_remove 1")
    assert tg.last(STAFF_ID).text == (
        "Not done: That would leave no admin. Make someone else an admin first."
    )
    actions = [r[0] for r in tg.rows("SELECT action FROM audit_log WHERE action LIKE 'staff.%'")]
    assert actions == ["staff.seed", "staff.invite", "staff.join", "staff.role", "staff.remove"]
    # Staff are named in the audit log without their Telegram ids.
    actors = {r[0] for r in tg.rows("SELECT actor FROM audit_log")}
    assert not any(str(STAFF_ID) in a or str(COLLEAGUE) in a for a in actors), actors


async def test_an_expired_invitation_is_refused(tg: Harness) -> None:
    await tg.text(STAFF_ID, "/staff_invite viewer")
    payload = re.search(r"start=(staff-[\w-]+)", tg.last(STAFF_ID).text or "")
    assert payload
    with sqlite3.connect(tg.db) as conn:
        conn.execute("UPDATE staff_invites SET expires_at = '2000-01-01T00:00:00+00:00'")
    await tg.command(VIEWER, "start", payload.group(1))
    assert tg.last(VIEWER).text == "This staff invitation has expired. Ask an admin for a new one."
    assert tg.rows("SELECT COUNT(*) FROM staff_members") == [(1,)]
    assert tg.rows("SELECT COUNT(*) FROM participants") == [(0,)]  # the host never saw it


async def test_export_and_report_files_are_sent_to_staff(tg: Harness) -> None:
    await tg.text(STAFF_ID, "/export answers csv")
    sent = tg.last(STAFF_ID)
    assert sent.document_name is not None and sent.document_name.startswith(
        "community-voice-answers-"
    )
    assert (sent.document_bytes or b"").startswith(b"id,participant,session_id,flow_id")
    await tg.text(STAFF_ID, "/report 2026-01-01 2099-12-31 format=xlsx")
    assert (tg.last(STAFF_ID).document_name or "").endswith(".xlsx")
    await tg.text(STAFF_ID, "/export nothing")
    assert (tg.last(STAFF_ID).text or "").startswith("Not done: Export one of: all, participants")
