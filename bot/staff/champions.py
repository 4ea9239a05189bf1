"""Staff work with champions (QS148 statement 4): their life cycle (approve, pause, retire,
reactivate), what they achieved, and their support requests. Every change is role-checked
and audited in its own transaction (StaffDesk.act)."""

from __future__ import annotations

from bot.i18n.catalogs import Catalogs
from bot.staff import notices
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.commands import command, lists, no_such
from bot.staff.desk import StaffDesk, champion_is
from bot.staff.said import S_, Said
from bot.store import broadcasts, champions, participants, support
from bot.store.champions import RETIRED, Champion
from bot.store.db import Tx
from bot.store.referral_stats import FLOWS, referral_stats

# verb: (the status it gives, the statuses it may come from)
CHANGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "approve": ("active", ("interested",)),
    "pause": ("paused", ("active",)),
    "retire": (RETIRED, ("interested", "active", "paused")),
    "reactivate": ("active", ("paused", RETIRED)),
}
# What each change is, as a role's refusal says it ("Your role (viewer) cannot ..."), and why
# it cannot be done from another status (the statuses of CHANGES, a sentence a verb: the
# test of the refusals checks they agree).
_DOING = {
    "approve": S_("approve a champion"),
    "pause": S_("pause a champion"),
    "retire": S_("retire a champion"),
    "reactivate": S_("reactivate a champion"),
}
_ONLY = {
    # TRANSLATORS: {state} is a sentence such as "Champion 3 is paused".
    "approve": S_("{state}: only a champion who is interested can be approved."),
    # TRANSLATORS: {state} is a sentence such as "Champion 3 is retired".
    "pause": S_("{state}: only a champion who is active can be paused."),
    # TRANSLATORS: {state} is a sentence such as "Champion 3 is retired".
    "retire": S_("{state}: only a champion who is interested or active or paused can be retired."),
    # TRANSLATORS: {state} is a sentence such as "Champion 3 is retired".
    "reactivate": S_("{state}: only a champion who is paused or retired can be reactivated."),
}


def status_word(status: str) -> str:
    """A status as staff say it."""
    return "retired" if status == RETIRED else status


async def change(desk: StaffDesk, actor: Actor, champion_id: int, verb: str) -> int:
    """Approve, pause, retire or reactivate a champion; returns their participant id. Their
    link keeps attributing newcomers whatever their status."""
    new, allowed = CHANGES[verb]

    def work(conn: Tx, log: Audit) -> int:
        found = _champion(conn, champion_id, actor.channel)
        if found.status not in allowed:
            raise StaffError(_ONLY[verb], state=champion_is(champion_id, found.status))
        champions.set_status(conn, champion_id, new, log.stamp)
        if verb in ("pause", "retire") or actor.channel == "cli":
            # Told, as the sign-up promised: Telegram and the dashboard tell an approved or
            # reactivated champion at once; the command line cannot send, the running bot does.
            notices.queue(conn, found.participant_id, new, log.stamp, actor.name)
        log(
            f"champion.{verb}",
            "champion",
            champion_id,
            before={"status": found.status},
            after={"status": new},
        )
        return found.participant_id

    return int(await desk.act(actor, Role.STAFF, Said(_DOING[verb]), work))


async def stats(desk: StaffDesk, actor: Actor, champion_id: int) -> str:
    """What a champion achieved (as they see it: small numbers hidden), their last
    check-in and their open support requests, in plain English."""
    actor.require(Role.VIEWER, Said("see a champion's figures"))
    return await desk.db.read(_stats, champion_id, actor.channel)


def _stats(conn: Tx, champion_id: int, channel: str) -> str:
    found = _champion(conn, champion_id, channel)
    figures = referral_stats(conn, champion_id, FLOWS)
    approved = (found.approved_at or "-")[:10]
    first = (found.first_approved_at or "")[:10]
    if first and first != approved:
        approved += f" (first approved {first})"
    lines = [
        f"Champion {found.id} [{status_word(found.status)}], approved {approved}; "
        f"roles {', '.join(found.roles) or '-'}",
        f"Joined through their link: {figures.joined.text()}",
    ]
    lines += [f"  finished {flow}: {figures.finished[flow].text()}" for flow in FLOWS]
    for week in reversed(figures.weeks):
        done = ", ".join(
            f"{flow} {shown.text()}" for flow, shown in week.finished.items() if shown.text() != "0"
        )
        lines.append(
            f"  week of {week.monday}: {week.joined.text()} joined" + (f"; {done}" if done else "")
        )
    checkin = support.last_checkin(conn, found.participant_id)
    if checkin is None:
        lines.append("Last check-in answer: none yet")
    else:
        said = "all good" if checkin[1] == "ok" else "asked for support"
        lines.append(f"Last check-in answer: {checkin[0][:10]} ({said})")
    waiting = support.with_status(conn, "open", champion_id)
    lines.append(f"Open support requests: {len(waiting)}")
    lines += [f"  {request_line(r)}" for r in waiting]
    lines.append(
        "As the champion sees it: counts of 1 to 4 always show as <5, and a total that would "
        "give one of them away shows as the least it could be, with a + (for example 8+)."
    )
    return "\n".join(lines)


def request_line(request: support.Request) -> str:
    """One request on one line."""
    when = request.created_at[:16].replace("T", " ")
    return (
        f"#{request.id} from champion {request.champion_id}, {when}{written_in(request)}: "
        f"{words(request)}"
    )


def written_in(request: support.Request) -> str:
    """ ", in Polish (pl)": the language of the chat it came from, when it is not English."""
    code = request.written_in
    if not code or code == "en":
        return ""
    return f", in {Catalogs.english_name(code)} ({code})"


def words(request: support.Request) -> str:
    """What they asked, or that it is a voice note."""
    value = request.request
    if isinstance(value, dict) and "voice" in value:
        return f"(a voice note, {value.get('duration', '?')} s)"
    return f"“{value}”"


async def open_requests(desk: StaffDesk, actor: Actor) -> str:
    """Support requests waiting for an answer, oldest first."""
    actor.require(Role.VIEWER, Said("list support requests"))
    waiting = await desk.db.read(support.with_status, "open")
    if not waiting:
        return "No open support requests."
    return "\n".join(request_line(r) for r in waiting)


async def answer(desk: StaffDesk, actor: Actor, request_id: int, text: str) -> support.Request:
    """Answer a request: the answer goes to the champion (with a sentence in their language
    saying it is our team's answer), is recorded, and the request closes. The message is
    queued with the request's closing, so it cannot be lost or sent twice."""
    if not text.strip():
        raise StaffError("Write the answer after the request number.")

    def work(conn: Tx, log: Audit) -> support.Request:
        found = _open_request(conn, request_id, actor.channel)
        person = participants.get(conn, found.participant_id)
        if person is not None and person.unreachable_at is not None:
            # Closed as answered, it would be counted as answered and reach nobody.
            raise StaffError(
                "The champion of request #{request_id} has blocked the bot, so the answer "
                "cannot reach them. If you answer them another way, {command} closes the "
                "request.",
                request_id=request_id,
                command=command(actor.channel, "support-done", request_id),
            )
        support.close(conn, request_id, text.strip(), True, actor.name, log.stamp)
        notices.to_champion(
            conn,
            found.participant_id,
            {"support_request": request_id},
            log.stamp,
            actor.name,
            audience=broadcasts.ASKER,
            dedupe_key=f"support-answer:{request_id}",
        )
        log("support.answer", "support_request", request_id, after={"answer": text.strip()})
        return found

    result: support.Request = await desk.act(
        actor, Role.STAFF, Said("answer a support request"), work
    )
    return result


async def message(desk: StaffDesk, actor: Actor, champion_id: int, text: str) -> None:
    """A message from our team to one champion, in this chat ("Our team will contact you
    soon", after signing up, had no way to happen). Only to those who said we may contact
    them, and who can be reached; they answer with /support."""
    if not text.strip():
        raise StaffError("Write the message after the champion's number.")

    def work(conn: Tx, log: Audit) -> None:
        found = _champion(conn, champion_id, actor.channel)
        person = participants.get(conn, found.participant_id)
        if person is None:
            raise StaffError(
                "Champion {champion_id} has deleted their data.", champion_id=champion_id
            )
        if not found.may_contact:
            raise StaffError(
                "Champion {champion_id} said our team may not contact them about this: "
                "nothing was sent. They can still write to us with /support.",
                champion_id=champion_id,
            )
        if person.opted_out_at is not None or person.unreachable_at is not None:
            raise StaffError(
                "Champion {champion_id} has stopped messages from the bot (/stop, or blocked "
                "it), so a message cannot reach them.",
                champion_id=champion_id,
            )
        notices.to_champion(
            conn, found.participant_id, {"message": text.strip()}, log.stamp, actor.name
        )
        log("champion.message", "champion", champion_id, after={"message": text.strip()})

    await desk.act(actor, Role.STAFF, Said("send a champion a message"), work)


async def mark_answered(desk: StaffDesk, actor: Actor, request_id: int, note: str = "") -> None:
    """Close a request answered some other way (a phone call, a visit); nothing is sent."""

    def work(conn: Tx, log: Audit) -> None:
        _open_request(conn, request_id, actor.channel)
        support.close(conn, request_id, note.strip() or None, False, actor.name, log.stamp)
        log("support.done", "support_request", request_id, after={"note": note.strip() or None})

    await desk.act(actor, Role.STAFF, Said("close a support request"), work)


def _champion(conn: Tx, champion_id: int, channel: str) -> Champion:
    found = champions.get(conn, champion_id)
    if found is None:
        raise no_such(channel, "champion", champion_id)
    return found


def _open_request(conn: Tx, request_id: int, channel: str) -> support.Request:
    found = support.get(conn, request_id)
    if found is None:
        raise StaffError(
            "There is no support request #{request_id}. {listed}.",
            request_id=request_id,
            listed=lists(channel, "support"),
        )
    if found.status != "open":
        raise StaffError(
            "Support request #{request_id} has already been answered.", request_id=request_id
        )
    if participants.get(conn, found.participant_id) is None:
        raise StaffError(
            "The champion of request #{request_id} has deleted their data.", request_id=request_id
        )
    return found
