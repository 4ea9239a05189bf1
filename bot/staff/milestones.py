"""Initiatives' milestones (dated, each with an owner on the staff) and their update history:
what staff plan and what they did, listable from any channel."""

from __future__ import annotations

from typing import Any

from bot.staff import suppress
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.commands import no_such
from bot.staff.desk import StaffDesk
from bot.staff.parsing import english, parse_day
from bot.staff.said import Said
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
            raise no_such(actor.channel, "initiative", initiative_id)
        for m in milestones.of_initiative(conn, initiative_id):
            # Sent twice (a second tap, a command run again), it was listed twice, and one
            # of the two stayed "overdue" once the other was marked done.
            if (_key(m.title), m.due_on, _key(m.owner)) == (_key(title), day, _key(owner)):
                raise StaffError(
                    "Initiative {initiative_id} already has that milestone: milestone "
                    "{milestone_id}, due {day}, owner {owner}: {title}. Nothing was added.",
                    initiative_id=initiative_id,
                    milestone_id=m.id,
                    day=day,
                    owner=m.owner,
                    title=m.title,
                )
        new = milestones.add(conn, initiative_id, title, day, owner, log.stamp)
        after = {"initiative": initiative_id, "title": title, "due": day, "owner": owner}
        log("milestone.add", "milestone", new, after=after)
        return new

    return int(await desk.act(actor, Role.STAFF, Said("add a milestone"), work))


async def done(desk: StaffDesk, actor: Actor, milestone_id: int, on: str | None = None) -> str:
    """Mark a milestone done (today, or on a given day, not after today); returns the day."""
    today = desk.now().date()
    day = parse_day(on, end_of_day=False).date() if on else today
    if day > today:
        # A milestone is done when it was done: a day to come is most likely a typo (2027
        # for 2026), and would show it done before it was.
        raise StaffError(
            "{day} is after today ({today}). Give the day milestone {milestone_id} was "
            "done; check the year, or mark it done on the day it is.",
            day=day,
            today=today,
            milestone_id=milestone_id,
        )

    def work(conn: Tx, log: Audit) -> str:
        found = milestones.get(conn, milestone_id)
        if found is None:
            raise no_such(actor.channel, "milestone", milestone_id)
        if found.done_on is not None and (on is None or found.done_on == day.isoformat()):
            # "Milestone 1 done." twice read as if it were done twice (and moved its day).
            raise StaffError(
                "Milestone {milestone_id} was already done on {day}. To correct the day, "
                "give the day it was done.",
                milestone_id=milestone_id,
                day=found.done_on,
            )
        milestones.set_done(conn, milestone_id, day.isoformat())
        before = {"done": found.done_on}
        log("milestone.done", "milestone", milestone_id, before=before, after={"done": str(day)})
        return day.isoformat()

    return str(await desk.act(actor, Role.STAFF, Said("mark a milestone done"), work))


async def remove(desk: StaffDesk, actor: Actor, milestone_id: int) -> milestones.Milestone:
    """Remove a milestone (added by mistake, or no longer planned); returns what it was. Its
    audit entries keep it in the initiative's history."""

    def work(conn: Tx, log: Audit) -> milestones.Milestone:
        found = milestones.get(conn, milestone_id)
        if found is None:
            raise no_such(actor.channel, "milestone", milestone_id)
        milestones.remove(conn, milestone_id)
        before = {
            "initiative": found.initiative_id,
            "title": found.title,
            "due": found.due_on,
            "owner": found.owner,
            "done": found.done_on,
        }
        log("milestone.remove", "milestone", milestone_id, before=before)
        return found

    removed: milestones.Milestone = await desk.act(
        actor, Role.STAFF, Said("remove a milestone"), work
    )
    return removed


def said_removed(m: milestones.Milestone) -> str:
    """What staff are told when a milestone is removed (on the command line and in Telegram)."""
    return (
        f"Removed milestone {m.id} of initiative {m.initiative_id} (due {m.due_on}, owner "
        f"{m.owner}: {m.title})."
    )


async def listing(desk: StaffDesk, actor: Actor, initiative_id: int | None = None) -> str:
    """Milestones, by due date: done, overdue or to come."""
    actor.require(Role.VIEWER, Said("list milestones"))

    def read(conn: Tx) -> list[milestones.Milestone]:
        if initiative_id is not None and initiatives.get(conn, initiative_id) is None:
            # "No milestones yet." read as if initiative 5 were there with none.
            raise no_such(actor.channel, "initiative", initiative_id)
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
    """An initiative's updates and what was done to its milestones, oldest first: when, who,
    status, what was done, and how many people the news reached (small numbers suppressed)."""
    actor.require(Role.VIEWER, Said("see an initiative's history"))

    def read(conn: Tx) -> tuple[Any, ...]:
        return (
            initiatives.get(conn, initiative_id),
            milestones.history(conn, initiative_id),
            milestones.steps(conn, initiative_id),
        )

    found, updates, steps = await desk.db.read(read)
    if found is None:
        raise no_such(actor.channel, "initiative", initiative_id)
    lines = [f"Initiative {found.id} [{found.status}]: {english(found.title)}"]
    lines.append(f"Recorded {found.created_at[:10]}.")
    events: list[tuple[str, str]] = []
    for u in updates:
        what = english(u.note) if u.note else "-"
        status = f"status {u.status}" if u.status else "status unchanged"
        told = suppress.count(u.delivered, threshold)
        # Read just after the update, "0" alone would say nobody was told.
        so_far = " so far: still being sent" if u.sending else ""
        said = f"{status}; {what} (news delivered to {told} people{so_far})"
        events.append((u.created_at, f"{_when(u.created_at)} by {u.by or 'unknown'}: {said}"))
    for step in steps:
        events.append((step.at, f"{_when(step.at)} by {step.by}: {said_step(step)}"))
    # Sorted by time, updates before milestones at the same moment (a stable sort).
    lines += [line for _, line in sorted(events, key=lambda e: e[0])]
    if not updates:
        lines.append("No updates yet.")
    return "\n".join(lines)


def said_step(step: milestones.Step) -> str:
    """A milestone's step in the history, in staff's words."""
    m = f"milestone {step.milestone_id}"
    if step.action == "done":
        return f"{m} done on {step.done_on}: {step.title}"
    done = "added" if step.action == "add" else "removed"
    return f"{m} {done}, due {step.due_on}, owner {step.owner}: {step.title}"


def _when(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def _key(text: str) -> str:
    """Words as compared for a repeat: case and spacing aside."""
    return " ".join(text.split()).casefold()
