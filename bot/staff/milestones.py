"""Initiatives' milestones (dated, each with an owner on the staff) and their update history:
what staff plan and what they did, listable from any channel."""

from __future__ import annotations

from bot.staff import suppress
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.commands import lists
from bot.staff.desk import StaffDesk
from bot.staff.parsing import english, parse_day
from bot.store import initiatives, milestones
from bot.store.db import Tx


async def add(
    desk: StaffDesk, actor: Actor, initiative_id: int, due: str, owner: str, title: str
) -> int:
    """A dated milestone of an initiative, owned by a staff member (by name)."""
    day = parse_day(due, end_of_day=False).date().isoformat()
    owner, title = owner.strip(), title.strip()
    if not owner or not title:
        raise StaffError("A milestone needs an owner and a title.")

    def work(conn: Tx, log: Audit) -> int:
        if initiatives.get(conn, initiative_id) is None:
            raise StaffError(f"There is no initiative {initiative_id}.")
        new = milestones.add(conn, initiative_id, title, day, owner, log.stamp)
        after = {"initiative": initiative_id, "title": title, "due": day, "owner": owner}
        log("milestone.add", "milestone", new, after=after)
        return new

    return int(await desk.act(actor, Role.STAFF, "add a milestone", work))


async def done(desk: StaffDesk, actor: Actor, milestone_id: int, on: str | None = None) -> str:
    """Mark a milestone done (today, or on a given day, not after today); returns the day."""
    today = desk.now().date()
    day = parse_day(on, end_of_day=False).date() if on else today
    if day > today:
        # A milestone is done when it was done: a day to come is most likely a typo (2027
        # for 2026), and would show it done before it was.
        raise StaffError(
            f"{day} is after today ({today}). Give the day milestone {milestone_id} was "
            "done; check the year, or mark it done on the day it is."
        )

    def work(conn: Tx, log: Audit) -> str:
        found = milestones.get(conn, milestone_id)
        if found is None:
            raise StaffError(f"There is no milestone {milestone_id}.")
        if found.done_on is not None and (on is None or found.done_on == day.isoformat()):
            # "Milestone 1 done." twice read as if it were done twice (and moved its day).
            raise StaffError(
                f"Milestone {milestone_id} was already done on {found.done_on}. To correct "
                "the day, give the day it was done."
            )
        milestones.set_done(conn, milestone_id, day.isoformat())
        before = {"done": found.done_on}
        log("milestone.done", "milestone", milestone_id, before=before, after={"done": str(day)})
        return day.isoformat()

    return str(await desk.act(actor, Role.STAFF, "mark a milestone done", work))


async def listing(desk: StaffDesk, actor: Actor, initiative_id: int | None = None) -> str:
    """Milestones, by due date: done, overdue or to come."""
    actor.require(Role.VIEWER, "list milestones")

    def read(conn: Tx) -> list[milestones.Milestone]:
        if initiative_id is not None and initiatives.get(conn, initiative_id) is None:
            # "No milestones yet." read as if initiative 5 were there with none.
            listed = lists(actor.channel, "initiatives")
            raise StaffError(f"There is no initiative {initiative_id}. {listed}.")
        return milestones.of_initiative(conn, initiative_id)

    found = await desk.db.read(read)
    today = desk.now().date().isoformat()
    lines = []
    for m in found:
        state = f"done {m.done_on}" if m.done_on else "overdue" if m.due_on < today else "to do"
        lines.append(
            f"milestone {m.id} [{state}] initiative {m.initiative_id}, due {m.due_on}, "
            f"owner {m.owner}: {m.title}"
        )
    if not lines and initiative_id is not None:
        return f"Initiative {initiative_id} has no milestones yet."
    return "\n".join(lines) or "No milestones yet."


async def history(desk: StaffDesk, actor: Actor, initiative_id: int, threshold: int = 5) -> str:
    """An initiative's updates, oldest first: when, who, status, what was done, and how many
    people the news reached (small numbers suppressed)."""
    actor.require(Role.VIEWER, "see an initiative's history")

    def read(conn: Tx) -> tuple[initiatives.Initiative | None, list[milestones.Update]]:
        return initiatives.get(conn, initiative_id), milestones.history(conn, initiative_id)

    found, updates = await desk.db.read(read)
    if found is None:
        raise StaffError(f"There is no initiative {initiative_id}.")
    lines = [f"Initiative {found.id} [{found.status}]: {english(found.title)}"]
    lines.append(f"Recorded {found.created_at[:10]}.")
    for u in updates:
        what = english(u.note) if u.note else "-"
        status = f"status {u.status}" if u.status else "status unchanged"
        told = suppress.count(u.delivered, threshold)
        lines.append(
            f"{u.created_at[:16].replace('T', ' ')} by {u.by or 'unknown'}: {status}; {what} "
            f"(news delivered to {told} people)"
        )
    if not updates:
        lines.append("No updates yet.")
    return "\n".join(lines)
