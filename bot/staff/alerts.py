"""Telling staff about champions' support requests: who hears, and what they read."""

from __future__ import annotations

import re

from bot.staff.actor import Role
from bot.staff.champions import words, written_in
from bot.store import champions, staffing, support
from bot.store.db import Tx

# Staff answer by replying to an alert: the request's number is read back from its first line.
ALERT_ID = re.compile(r"^🙋 Support request #(\d+)\b")


def who_to_alert(conn: Tx) -> list[int]:
    """The Telegram user ids told about support requests: current staff who may answer
    them (role staff or admin; viewers only read)."""
    return sorted(
        m.telegram_user_id
        for m in staffing.members(conn)
        if m.telegram_user_id is not None and Role[m.role.upper()] >= Role.STAFF
    )


def alert_text(conn: Tx, request: support.Request) -> str:
    """The alert, in plain English, with the champion's words."""
    champion = champions.get(conn, request.champion_id)
    about = (
        f"champion {request.champion_id} (roles {', '.join(champion.roles) or '-'}; "
        f"languages {', '.join(champion.languages) or '-'})"
        if champion
        else f"champion {request.champion_id}"
    )
    return (
        f"🙋 Support request #{request.id} from {about}{written_in(request)}:\n"
        f"{words(request)}\n\n"
        f"Reply to this message to answer: your reply is sent to them, with a line in their "
        f"language saying it is from our team. Or: /support_answer {request.id} your answer; "
        f"/support_done {request.id} if you answered another way."
    )


def request_id_in(text: str | None) -> int | None:
    """The request number of an alert's text, if it is one."""
    found = ALERT_ID.match(text or "")
    return int(found.group(1)) if found else None
