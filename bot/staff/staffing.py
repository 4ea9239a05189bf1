"""Who is staff, in which role: admins invite colleagues with a one-time link, change their
role or remove them; every channel asks here who an actor is, on every request."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.desk import StaffDesk
from bot.staff.said import Said
from bot.store import kept, staffing
from bot.store.db import Tx
from bot.store.staffing import Member

INVITE_PREFIX = "staff-"
INVITE_HOURS = 72
SEEDED = "STAFF_TELEGRAM_IDS"
# The name a seeded admin has until Telegram tells us their first name.
SEEDED_NAME = "admin from STAFF_TELEGRAM_IDS"
BOT_USERNAME = "bot_username"  # kept by the running bot (bot.store.kept), for invite links
# Said twice: the invitation was used before, or by someone else at the same moment.
_USED = Said("This staff invitation has already been used. Ask an admin for a new one.")


@dataclass(frozen=True, slots=True)
class NewInvite:
    """An invitation just made: the token is shown once and never stored."""

    id: int
    role: Role
    token: str
    expires_at: str

    @property
    def payload(self) -> str:
        """The deep-link payload: t.me/<bot>?start=<payload>."""
        return INVITE_PREFIX + self.token


def parse_role(text: str) -> Role:
    """admin, staff or viewer."""
    try:
        return Role[text.strip().upper()]
    except KeyError:
        raise StaffError("{role!r} is not a role. Use admin, staff or viewer.", role=text) from None


def token_hash(token: str) -> str:
    """What is kept of an invitation token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def telegram_actor(member: Member) -> Actor:
    """The actor a Telegram staff member acts as (named without their Telegram id, which
    must not reach the audit log or any export)."""
    return Actor(f"tg:{member.name}#{member.id}", Role[member.role.upper()], "telegram")


def describe(member: Member) -> str:
    """One line about a staff member, for admins."""
    where = "Telegram" if member.telegram_user_id is not None else "command line only"
    added = member.added_at[:10]
    return f"staff {member.id} [{member.role}] {member.name} ({where}), added {added}"


async def known_bot_username(desk: StaffDesk, configured: str | None) -> str | None:
    """The bot's username for links: BOT_USERNAME, else the one the running bot keeps."""
    return configured or await desk.db.read(kept.get, BOT_USERNAME)


async def bot_username(desk: StaffDesk, configured: str | None) -> str:
    """The bot's username for an invitation's link; refused when none is known."""
    username = await known_bot_username(desk, configured)
    if not username:
        # A link to "<your bot's username>", shown once, could not be mended afterwards.
        raise StaffError(
            "Set BOT_USERNAME (your bot's username, without @) in .env first, or run the bot "
            "once with its BOT_TOKEN, so that the link opens your bot. No invitation was made."
        )
    return username


def invite_text(invite: NewInvite, username: str) -> str:
    """What an admin is told about a new invitation: the link to pass on, shown only once."""
    link = f"https://t.me/{username}?start={invite.payload}"
    # TRANSLATORS: {role} is a role as staff type it (viewer, staff, admin); {link} the link.
    return Said(
        "Invitation {invite_id} to join as {role}, valid until {until} UTC, for one person:\n"
        "{link}\n"
        "Send it to them privately: whoever opens it first joins. It is not shown again.",
        invite_id=invite.id,
        role=invite.role.label,
        until=invite.expires_at[:16].replace("T", " "),
        link=link,
    )


class StaffRoster:
    """Staff members and invitations over the desk's database, clock and audit log."""

    def __init__(self, desk: StaffDesk, invite_hours: float = INVITE_HOURS) -> None:
        self.desk = desk
        self.invite_hours = invite_hours

    async def seed_admins(self, telegram_ids: Iterable[int]) -> list[int]:
        """Add as admins the ids from STAFF_TELEGRAM_IDS that are not in the table yet (a
        removed admin stays removed); returns the new members' ids."""
        wanted = sorted(set(telegram_ids))

        def missing(conn: Tx) -> list[int]:
            return [u for u in wanted if staffing.by_telegram(conn, u) is None]

        if not wanted or not await self.desk.db.read(missing):
            return []  # the usual start: nothing to write, so no write transaction
        system = Actor(f"config:{SEEDED}", Role.ADMIN, "config")

        def work(conn: Tx, log: Audit) -> list[int]:
            added = []
            for user_id in missing(conn):  # again: another process may have added them
                new = staffing.add(conn, SEEDED_NAME, "admin", log.stamp, SEEDED, user_id)
                log("staff.seed", "staff", new, after={"role": "admin"})
                added.append(new)
            if not added:
                log("staff.seed", "staff", None, after={"added": 0})
            return added

        return list(await self.desk.act(system, Role.ADMIN, Said("add admins"), work))

    async def telegram_actor(self, user_id: int, first_name: str | None = None) -> Actor | None:
        """The actor behind a Telegram user, read from the table on every request; None for
        anyone who is not (or no longer) staff."""
        member = await self.desk.db.read(staffing.by_telegram, user_id)
        if member is None or member.removed_at is not None:
            return None
        if member.name == SEEDED_NAME and first_name:
            name = first_name.strip()[:64] or SEEDED_NAME
            await self.desk.db.write(staffing.set_name, member.id, name)
            member = replace(member, name=name)
        return telegram_actor(member)

    async def telegram_ids(self) -> list[tuple[int, Role]]:
        """The Telegram user ids of current staff and their roles (for command menus)."""
        found = await self.desk.db.read(staffing.members)
        return [(m.telegram_user_id, Role[m.role.upper()]) for m in found if m.telegram_user_id]

    async def invite(self, actor: Actor, role: Role, name: str | None = None) -> NewInvite:
        """A one-time invitation to join in `role`, valid for `invite_hours`."""
        token = secrets.token_urlsafe(24)
        expires = (self.desk.now() + timedelta(hours=self.invite_hours)).isoformat()
        label = name.strip()[:64] if name and name.strip() else None

        def work(conn: Tx, log: Audit) -> int:
            new = staffing.create_invite(
                conn, token_hash(token), role.label, label, actor.name, log.stamp, expires
            )
            log(
                "staff.invite",
                "invite",
                new,
                after={"role": role.label, "name": label, "expires": expires},
            )
            return new

        new = int(await self.desk.act(actor, Role.ADMIN, Said("invite staff"), work))
        return NewInvite(new, role, token, expires)

    async def accept(self, token: str, telegram_user_id: int, first_name: str) -> Member:
        """Join as staff with an invitation (single use, before it expires)."""
        hashed = token_hash(token)

        def work(conn: Tx) -> Member:
            invite = staffing.invite_by_hash(conn, hashed)
            now = self.desk.now()
            if invite is None:
                raise StaffError("This staff invitation is not valid. Ask an admin for a new one.")
            if invite.used_at is not None:
                raise StaffError(_USED)
            if invite.expires_at <= now.isoformat():
                raise StaffError("This staff invitation has expired. Ask an admin for a new one.")
            stamp = now.isoformat()
            found = staffing.by_telegram(conn, telegram_user_id)
            name = invite.name or first_name.strip()[:64] or "staff member"
            before = None
            if found is None:
                member_id = staffing.add(
                    conn, name, invite.role, stamp, invite.created_by, telegram_user_id
                )
            else:
                member_id = found.id
                before = {"role": found.role, "removed": found.removed_at is not None}
                staffing.rejoin(conn, member_id, invite.role, stamp, invite.created_by)
            if not staffing.use_invite(conn, invite.id, member_id, stamp):
                raise StaffError(_USED)
            member = staffing.get(conn, member_id)
            assert member is not None
            log = Audit(conn, telegram_actor(member), now)
            log("staff.join", "staff", member_id, before=before, after={"invite": invite.id})
            return member

        return await self.desk.db.write(work)

    async def members(self, actor: Actor) -> str:
        """Current staff, one per line."""
        actor.require(Role.ADMIN, Said("list staff"))
        found = await self.desk.db.read(staffing.members)
        return "\n".join(describe(m) for m in found) or "No staff yet."

    async def set_role(self, actor: Actor, member_id: int, role: Role) -> Member:
        """Give a staff member another role (there is always an admin left)."""

        def work(conn: Tx, log: Audit) -> Member:
            member = _current(conn, member_id)
            if member.role == "admin" and role is not Role.ADMIN:
                _keep_an_admin(conn, member_id)
            staffing.set_role(conn, member_id, role.label)
            log(
                "staff.role",
                "staff",
                member_id,
                before={"role": member.role},
                after={"role": role.label},
            )
            changed = staffing.get(conn, member_id)
            assert changed is not None
            return changed

        return await self.desk.act(actor, Role.ADMIN, Said("change a role"), work)  # type: ignore[no-any-return]

    async def remove(self, actor: Actor, member_id: int) -> Member:
        """Remove a staff member (the last admin cannot be removed)."""

        def work(conn: Tx, log: Audit) -> Member:
            member = _current(conn, member_id)
            if member.role == "admin":
                _keep_an_admin(conn, member_id)
            staffing.remove(conn, member_id, log.stamp, actor.name)
            log("staff.remove", "staff", member_id, before={"role": member.role})
            return member

        return await self.desk.act(actor, Role.ADMIN, Said("remove staff"), work)  # type: ignore[no-any-return]


def _current(conn: Tx, member_id: int) -> Member:
    member = staffing.get(conn, member_id)
    if member is None or member.removed_at is not None:
        raise StaffError(
            "There is no staff member {member_id}. 'staff list' shows them.", member_id=member_id
        )
    return member


def _keep_an_admin(conn: Tx, leaving: int) -> None:
    others = [m for m in staffing.members(conn) if m.role == "admin" and m.id != leaving]
    if not others:
        raise StaffError("That would leave no admin. Make someone else an admin first.")
