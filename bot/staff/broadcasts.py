"""Staff broadcasts from a request to a confirmed send: parse, preview, confirm, and the
controls while it goes out (pause, resume, cancel). Used by the staff `/broadcast` command in
Telegram and by `community-voice broadcast`; every change is role-checked and audited."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.jobs.compose import TEMPLATES
from bot.jobs.pacing import QuietHours
from bot.jobs.sender import Progress
from bot.staff import suppress
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.areas import area_names
from bot.staff.auditing import Audit
from bot.staff.commands import no_such
from bot.staff.desk import StaffDesk
from bot.staff.parsing import split_translations, texts
from bot.staff.said import S_, Said, joined
from bot.staff.telling import how_many, told
from bot.store import broadcasts, initiatives, rounds
from bot.store.broadcasts import Audience
from bot.store.db import Tx

# TRANSLATORS: everyone, champions, round:ID, topic:ID, initiative:ID, people:ID and
# area:NAME are what staff type: keep them in English.
AUDIENCE_HELP = S_(
    "everyone, champions, round:ID (took part in a round), topic:ID (chose a topic), "
    "initiative:ID (evaluated it), people:ID (chose its topics, evaluated it, or voted for "
    "or proposed its measures), "
    'area:NAME (use quotes for spaces: area:"Riverside Park")'
)
# What staff may not be allowed to do, as "Your role (viewer) cannot ..." says it.
_SEND = Said("send a broadcast")
_PREFIXES = {
    "round": "round",
    "topic": "topic",
    "initiative": "initiative",
    "people": "initiative_people",
    "area": "area",
}


@dataclass(frozen=True, slots=True)
class Request:
    """A staff request, parsed: who, what, and when."""

    audience: Audience
    content: dict[str, Any]
    send_at: datetime | None
    spread_hours: float | None


def parse_audience(text: str) -> Audience:
    """`everyone`, `champions`, `round:3`, `area:Riverside`..."""
    word = text.strip()
    if word in ("everyone", "champions"):
        return Audience(word)
    prefix, _, value = word.partition(":")
    kind = _PREFIXES.get(prefix)
    if kind is None or not value:
        raise StaffError(
            "Unknown audience {word!r}. Use one of: {audiences}.",
            word=word,
            audiences=Said(AUDIENCE_HELP),
        )
    if kind == "area":
        return Audience(kind, value)
    if not (value.isascii() and value.isdigit()):
        # TRANSLATORS: {prefix} is what staff typed before the colon (round, topic, ...).
        raise StaffError("{prefix}: needs a number, like {prefix}:3.", prefix=prefix)
    return Audience(kind, int(value))


def parse_when(text: str, zone: str, now: datetime) -> datetime:
    """A local date and time (2026-12-01T10:00 or '2026-12-01 10:00') in the bot's zone."""
    try:
        local = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise StaffError(
            "{text!r} is not a time. Write it like 2026-12-01T10:00.", text=text
        ) from None
    when = local if local.tzinfo else local.replace(tzinfo=ZoneInfo(zone))
    if when <= now:
        raise StaffError("That time has already passed. Choose a later time.")
    return when.astimezone(UTC)


def parse_request(message: str, zone: str, now: datetime) -> Request:
    """The `/broadcast` text: first line `AUDIENCE [at=...] [spread=H] [template=NAME]`,
    then the message, then `cy: ...` lines for other languages."""
    lines = message.strip().splitlines()
    if not lines or not lines[0].strip():
        raise StaffError("Say who it is for first: {audiences}.", audiences=Said(AUDIENCE_HELP))
    try:
        words = shlex.split(lines[0])
    except ValueError as exc:
        # TRANSLATORS: {problem} is Python's own English, like "No closing quotation".
        raise StaffError("Could not read the first line: {problem}.", problem=str(exc)) from None
    audience = parse_audience(words[0])
    options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    strays = [w for w in words[1:] if "=" not in w]
    if strays or set(options) - {"at", "spread", "template"}:
        raise StaffError(
            "After the audience, only at=..., spread=... and template=... are understood."
        )
    send_at = parse_when(options["at"], zone, now) if "at" in options else None
    spread = None
    if "spread" in options:
        try:
            spread = float(options["spread"])
        except ValueError:
            raise StaffError("spread= takes a number of hours, like spread=3.") from None
        if not 0 < spread <= 72:
            raise StaffError("spread= must be between 0 and 72 hours.")
    content: dict[str, Any]
    if "template" in options:
        if options["template"] not in TEMPLATES:
            raise StaffError("Templates: {names}.", names=", ".join(TEMPLATES))
        content = {"template": options["template"]}
    else:
        body, translations = split_translations("\n".join(lines[1:]))
        if not body:
            raise StaffError("Write the message on the lines after the audience, or use template=.")
        content = {"texts": texts(body, translations)}
    return Request(audience, content, send_at, spread)


async def draft(desk: StaffDesk, actor: Actor, request: Request) -> int:
    """Save the request as a draft broadcast (nothing is sent until it is confirmed)."""

    desk.check_texts(request.content.get("texts"))

    def work(conn: Tx, log: Audit) -> int:
        audience = request.audience
        _check_exists(conn, audience, actor.channel)
        if audience.type == "area":
            # "area:CF10" or an alias reaches the area as residents' rows name it.
            audience = Audience("area", area_names(conn, [str(audience.value)], actor.channel)[0])
        new = broadcasts.create(
            conn,
            "staff",
            audience,
            request.content,
            log.stamp,
            status="draft",
            send_at=request.send_at.isoformat() if request.send_at else None,
            spread_hours=request.spread_hours,
            created_by=actor.name,
        )
        assert new is not None
        log(
            "broadcast.draft",
            "broadcast",
            new,
            after={"audience": request.audience.to_json(), "content": request.content},
        )
        return new

    return int(await desk.act(actor, Role.STAFF, _SEND, work))


# An audience naming a row that does not exist would reach nobody, and say so only in the
# preview: refused at once, as every other staff command refuses an unknown id.
# (read the row, what it is, the command that lists them and its argument).
_NAMED: dict[str, tuple[Callable[[Tx, int], object], str, str, str]] = {
    "round": (rounds.get, "round", "rounds", ""),
    "topic": (rounds.topic, "topic", "results", "ROUND"),
    "initiative": (initiatives.get, "initiative", "initiatives", ""),
    "initiative_people": (initiatives.get, "initiative", "initiatives", ""),
}


def _check_exists(conn: Tx, audience: Audience, channel: str) -> None:
    named = _NAMED.get(audience.type)
    if named is not None and named[0](conn, int(audience.value)) is None:
        _, what, listing, argument = named
        raise no_such(channel, what, audience.value, listing, argument)


async def preview(
    desk: StaffDesk,
    broadcast_id: int,
    zone: str,
    quiet: QuietHours | None = None,
    *,
    threshold: int,
) -> str:
    """Who would receive it, per language, and how many will get the English fallback; why
    nobody would; and a warning when it is set to start inside quiet hours."""

    found, reach = await desk.db.read(_with_reach, broadcast_id)
    if found is None or reach is None:
        raise StaffError("There is no broadcast {broadcast_id}.", broadcast_id=broadcast_id)
    template = found.content.get("template")
    # A template is translated through the catalogs: only staff's own words can lack some.
    texts = None if template in TEMPLATES else found.content.get("texts")
    lines = [told(reach, found.audience, threshold=threshold, texts=texts)]
    if template in TEMPLATES:
        # TRANSLATORS: {template} is a template's name, as staff choose it (new-round).
        lines.append(Said("Template '{template}', translated for everyone.", template=template))
    start = datetime.fromisoformat(found.send_at) if found.send_at else desk.now()
    if found.send_at:
        # TRANSLATORS: {zone} is a time zone's name: Europe/London.
        lines.append(Said("Starts {start} ({zone}).", start=_minute(start, zone), zone=zone))
    resume = quiet.resume_at(start) if quiet else None
    if resume is not None:
        lines.append(
            Said(
                "⚠️ That is inside quiet hours, when nobody is messaged: it will start at "
                "{start}. Choose another time if that is too late.",
                start=_minute(resume, zone),
            )
        )
    if found.spread_hours:
        lines.append(Said("Spread over {hours} hours.", hours=format(found.spread_hours, "g")))
    # A template's English is its source text: what English readers get, word for word.
    text = TEMPLATES.get(template) if template else (found.content.get("texts") or {}).get("en")
    if text:
        # TRANSLATORS: {text} is the message itself, as staff wrote it.
        lines.append(Said("Message: {text}", text=text))
    return joined(lines)


def _minute(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


async def confirm(desk: StaffDesk, actor: Actor, broadcast_id: int, *, threshold: int) -> str:
    """Send now (queue the ledger) or, with a start time in the future, schedule it. The
    audit says how many it goes to as the preview said it (below `threshold`, "<5")."""
    actor.require(Role.STAFF, _SEND)
    # The audit says how many it goes to, as the preview did: counted in a read first (a whole
    # audience takes longer to count than a write may hold the database; the write below
    # queues only the first thousand, and the sender the rest). Not for one scheduled later.
    _, reach = await desk.db.read(_with_reach, broadcast_id, desk.now().isoformat())

    def work(conn: Tx, log: Audit) -> str:
        found = broadcasts.get(conn, broadcast_id)
        if found is None or found.status != "draft":
            raise StaffError(
                "Broadcast {broadcast_id} is not waiting for confirmation.",
                broadcast_id=broadcast_id,
            )
        if found.send_at and found.send_at > log.stamp:
            broadcasts.set_status(conn, broadcast_id, "scheduled", log.stamp)
            log("broadcast.schedule", "broadcast", broadcast_id, after={"send_at": found.send_at})
            return "scheduled"
        queued = broadcasts.start(conn, broadcast_id, log.stamp)
        # Never the exact count: the audit log is read by more people than the preview.
        told = (
            how_many(reach, threshold) if reach is not None else suppress.count(queued, threshold)
        )
        log("broadcast.send", "broadcast", broadcast_id, after={"recipients": told})
        return "sending"

    return str(await desk.act(actor, Role.STAFF, _SEND, work))


def _with_reach(
    conn: Tx, broadcast_id: int, sending_at: str | None = None
) -> tuple[broadcasts.Broadcast | None, broadcasts.Reach | None]:
    """The broadcast and who it would reach; no reach if it starts after `sending_at`."""
    found = broadcasts.get(conn, broadcast_id)
    if found is None or (sending_at and found.send_at and found.send_at > sending_at):
        return found, None
    return found, broadcasts.reach(conn, found.audience)


async def queue(desk: StaffDesk, actor: Actor, broadcast_id: int) -> None:
    """Confirm a draft for a running bot to start (now, or at its time)."""

    def work(conn: Tx, log: Audit) -> None:
        found = broadcasts.get(conn, broadcast_id)
        if found is None or found.status != "draft":
            raise StaffError(
                "Broadcast {broadcast_id} is not waiting for confirmation.",
                broadcast_id=broadcast_id,
            )
        broadcasts.schedule(conn, broadcast_id, found.send_at or log.stamp)
        log(
            "broadcast.queue",
            "broadcast",
            broadcast_id,
            after={"send_at": found.send_at or log.stamp},
        )

    await desk.act(actor, Role.STAFF, _SEND, work)


async def discard(desk: StaffDesk, actor: Actor, broadcast_id: int) -> None:
    """Forget a draft that was only previewed (it never shows in the list)."""

    def work(conn: Tx, log: Audit) -> None:
        broadcasts.delete_draft(conn, broadcast_id)
        log("broadcast.discard", "broadcast", broadcast_id)

    await desk.act(actor, Role.STAFF, _SEND, work)


# action -> (the statuses it applies to, the status it sets)
CONTROLS = {
    "pause": (("sending",), "paused"),
    "resume": (("paused",), "sending"),
    "cancel": (("draft", "scheduled", "sending", "paused"), "cancelled"),
}
# What staff may not be allowed to do, as "Your role (viewer) cannot ..." says it.
_DOING = {
    "pause": S_("pause a broadcast"),
    "resume": S_("resume a broadcast"),
    "cancel": S_("cancel a broadcast"),
}
# Why an action cannot be done now: a sentence an action, as languages say each verb
# differently.
_NOT_NOW = {
    # TRANSLATORS: {status} is the broadcast's status, one of the words draft, scheduled,
    # sending, paused, cancelled or done as translated elsewhere.
    "pause": S_("Broadcast {broadcast_id} is {status}; it cannot be paused now."),
    # TRANSLATORS: {status} is the broadcast's status, one of the words draft, scheduled,
    # sending, paused, cancelled or done as translated elsewhere.
    "resume": S_("Broadcast {broadcast_id} is {status}; it cannot be resumed now."),
    # TRANSLATORS: {status} is the broadcast's status, one of the words draft, scheduled,
    # sending, paused, cancelled or done as translated elsewhere.
    "cancel": S_("Broadcast {broadcast_id} is {status}; it cannot be cancelled now."),
}
# A broadcast's status as staff read it in _NOT_NOW and its progress (the dashboard's words
# for them).
_STATUSES = {
    "draft": S_("draft"),
    "scheduled": S_("scheduled"),
    "sending": S_("sending"),
    "paused": S_("paused"),
    "cancelled": S_("cancelled"),
    "done": S_("done"),
}


async def control(desk: StaffDesk, actor: Actor, broadcast_id: int, action: str) -> str:
    """Pause, resume or cancel a broadcast; returns its new status."""
    if action not in CONTROLS:
        raise StaffError("A broadcast can be paused, resumed or cancelled.")
    applies, becomes = CONTROLS[action]

    def work(conn: Tx, log: Audit) -> str:
        found = broadcasts.get(conn, broadcast_id)
        if found is None:
            raise StaffError("There is no broadcast {broadcast_id}.", broadcast_id=broadcast_id)
        if found.status == "draft" and action == "cancel":
            # A previewed draft that is not wanted leaves nothing in the list.
            broadcasts.delete_draft(conn, broadcast_id)
            log("broadcast.discard", "broadcast", broadcast_id)
            return "discarded"
        if found.status not in applies:
            status = _STATUSES.get(found.status)
            raise StaffError(
                _NOT_NOW[action],
                broadcast_id=broadcast_id,
                status=Said(status) if status else found.status,
            )
        broadcasts.set_status(conn, broadcast_id, becomes, log.stamp)
        log(
            f"broadcast.{action}",
            "broadcast",
            broadcast_id,
            before={"status": found.status},
            after={"status": becomes},
        )
        return becomes

    return str(await desk.act(actor, Role.STAFF, Said(_DOING[action]), work))


@dataclass(frozen=True, slots=True)
class Shown:
    """A broadcast's progress as it may leave the database: its counts of people as text,
    suppressed as the preview's are (a results broadcast's total is how many took part)."""

    progress: Progress
    total: str
    sent: str
    failed: str
    unreachable: str
    in_doubt: str  # were being sent when the bot stopped ("0" while it is sending)
    waiting: str  # not tried yet, and while it is sending, those under way

    @property
    def bar(self) -> tuple[int, int] | None:
        """(sent, total) for a progress bar; None when either is not shown as a number, as
        the bar's length would give it away."""
        if self.sent.isdigit() and self.total.isdigit():
            return self.progress.sent, self.progress.total
        return None

    def parts(self) -> dict[str, str]:
        """The counts by state, leaving out those shown as 0."""
        found = {
            "sent": self.sent,
            "failed": self.failed,
            "unreachable": self.unreachable,
            "sending": self.in_doubt,
            "queued": self.waiting,
        }
        return {state: n for state, n in found.items() if n != "0"}


def shown(progress: Progress, threshold: int) -> Shown:
    """`progress` with counts from 1 to `threshold - 1` shown as "<5", and others hidden
    ("[c]") where the total would let a small one be worked out."""
    going = progress.status == "sending"
    # While it is sending, the few in flight are counted with those waiting: on their own
    # they are nearly always under 5, and hiding another count for them would blank the bar.
    in_doubt = 0 if going else progress.sending
    waiting = progress.queued + (progress.sending if going else 0)
    counts = [progress.sent, progress.failed, progress.unreachable, in_doubt, waiting]
    sent, failed, unreachable, doubt, rest, total = suppress.breakdown(counts, threshold).shown
    return Shown(progress, total, sent, failed, unreachable, doubt, rest)


def progress_text(progress: Progress, threshold: int) -> str:
    """The staff member's status message, its counts of people suppressed below `threshold`."""
    s = shown(progress, threshold)
    status = progress.status
    lines: list[str] = [
        # TRANSLATORS: {status} is a broadcast's status word (draft, sending, done...).
        Said(
            "Broadcast {broadcast_id} · {status}",
            broadcast_id=progress.broadcast_id,
            status=Said(_STATUSES[status]) if status in _STATUSES else status,
        ),
        Said(
            "Sent {sent} of {total} · unreachable {unreachable} · failed {failed}",
            sent=s.sent,
            total=s.total,
            unreachable=s.unreachable,
            failed=s.failed,
        ),
    ]
    if progress.sending and progress.status != "sending":
        lines.append(
            Said(
                "{count} were being sent when the bot stopped; they are not sent again.",
                count=s.in_doubt,
            )
        )
    note = suppress.hidden_note((s.total, s.sent, s.unreachable, s.failed, s.in_doubt), threshold)
    if note:
        lines.append(note)
    if progress.status == "sending" and progress.eta_seconds:
        minutes = progress.eta_seconds / 60
        lines.append(
            Said("About {minutes} minutes left.", minutes=format(minutes, ".0f"))
            if minutes >= 1
            else Said("Less than a minute left.")
        )
    return joined(lines)
