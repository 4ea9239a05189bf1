"""Signing in to the staff dashboard: one-time links (from /dashboard in Telegram or
`community-voice dashboard-link` on the server) that open a browser session. Links expire in
minutes and work once; sessions end after an idle time or on signing out. Only hashes of
tokens are kept. Every link made and every sign-in is in the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.desk import StaffDesk
from bot.staff.said import Said
from bot.staff.staffing import token_hash
from bot.store import dashboard, staffing
from bot.store.db import Tx
from bot.store.staffing import Member

LINK_MINUTES = 10
# A session's last-seen time is written at most this often (not on every page).
TOUCH_SECONDS = 60


@dataclass(frozen=True, slots=True)
class NewLink:
    """A login link just made: the token is shown once and never stored."""

    token: str
    expires_at: str

    def url(self, base: str) -> str:
        """The link to open, under the dashboard's address."""
        return f"{base.rstrip('/')}/login/{self.token}"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A browser session: the cookie's value (never stored) and who it is."""

    token: str
    actor: Actor
    session_id: int


def web_name(name: str, member_id: int | None) -> str:
    """How the audit log names someone using the dashboard."""
    return f"web:{name}" + (f"#{member_id}" if member_id is not None else "")


class DashboardDoor:
    """Links and sessions over the desk's database, clock and audit log."""

    def __init__(self, desk: StaffDesk, idle: timedelta = timedelta(minutes=30)) -> None:
        self.desk = desk
        self.idle = idle

    async def link_for_member(self, actor: Actor, member_id: int) -> NewLink:
        """A link for a staff member (who sent /dashboard): their role is read from the staff
        table on every page, so a change or removal takes effect at once."""

        def find(conn: Tx) -> Member:
            member = staffing.get(conn, member_id)
            if member is None or member.removed_at is not None:
                raise StaffError("Only current staff can open the dashboard.")
            return member

        member = await self.desk.db.read(find)
        return await self._link(actor, web_name(member.name, member.id), member.id, member.role)

    async def link_for_operator(self, actor: Actor, name: str, role: Role = Role.ADMIN) -> NewLink:
        """A link made on the server (`dashboard-link --as NAME`): whoever runs commands there
        is an admin already; `role` may give a lesser one."""
        name = name.strip()[:64]
        if not name:
            raise StaffError("Say who the link is for: --as NAME.")
        return await self._link(actor, web_name(name, None), None, role.label)

    async def _link(self, actor: Actor, name: str, member_id: int | None, role: str) -> NewLink:
        token = secrets.token_urlsafe(24)
        expires = (self.desk.now() + timedelta(minutes=LINK_MINUTES)).isoformat()

        def work(conn: Tx, log: Audit) -> None:
            new = dashboard.create_link(
                conn, token_hash(token), name, member_id, role, log.stamp, expires
            )
            log("dashboard.link", "dashboard_link", new, after={"for": name, "role": role})

        await self.desk.act(actor, Role.VIEWER, Said("open the dashboard"), work)
        return NewLink(token, expires)

    async def sign_in(self, token: str) -> SignedIn:
        """Open a session with a link (once, before it expires)."""
        hashed = token_hash(token)
        cookie = secrets.token_urlsafe(32)

        def work(conn: Tx) -> SignedIn:
            now = self.desk.now()
            found = dashboard.link(conn, hashed)
            # Each with what to do next in the same sentence for translators, not a part
            # they would see on its own.
            if found is None:
                raise StaffError(
                    "This sign-in link is not valid. Send /dashboard to the bot (or ask an "
                    "admin) for a new link."
                )
            if found.used_at is not None:
                raise StaffError(
                    "This sign-in link has already been used. Send /dashboard to the bot (or "
                    "ask an admin) for a new link."
                )
            if found.expires_at <= now.isoformat():
                raise StaffError(
                    "This sign-in link has expired. Send /dashboard to the bot (or ask an "
                    "admin) for a new link."
                )
            role = _current_role(conn, found.member_id, found.role)
            if role is None:
                raise StaffError("You are no longer on the staff list. Ask an admin.")
            if not dashboard.use_link(conn, found.id, now.isoformat()):
                raise StaffError(
                    "This sign-in link has already been used. Send /dashboard to the bot (or "
                    "ask an admin) for a new link."
                )
            actor = Actor(found.name, role, "web")
            session_id = dashboard.create_session(
                conn, token_hash(cookie), found.name, found.member_id, found.role, now.isoformat()
            )
            Audit(conn, actor, now)("dashboard.login", "dashboard_session", session_id)
            return SignedIn(cookie, actor, session_id)

        return await self.desk.db.write(work)

    async def actor(self, cookie: str) -> tuple[Actor, int] | None:
        """Who a session cookie belongs to now, and the session's id; None when it is
        unknown, signed out, idle too long, or its staff member was removed."""
        hashed = token_hash(cookie)
        now = self.desk.now()

        def read(conn: Tx) -> tuple[dashboard.Session, Role | None] | None:
            found = dashboard.session(conn, hashed)
            if found is None or found.ended_at is not None:
                return None
            return found, _current_role(conn, found.member_id, found.role)

        found = await self.desk.db.read(read)
        if found is None:
            return None
        session, role = found
        seen = datetime.fromisoformat(session.last_seen_at)
        if role is None or now - seen > self.idle:
            await self.desk.db.write(dashboard.end_session, session.id, now.isoformat())
            return None
        if (now - seen).total_seconds() >= TOUCH_SECONDS:
            await self.desk.db.write(dashboard.touch, session.id, now.isoformat())
        return Actor(session.name, role, "web"), session.id

    async def sign_out(self, actor: Actor, session_id: int) -> None:
        """End the session (recorded in the audit log)."""

        def work(conn: Tx, log: Audit) -> None:
            dashboard.end_session(conn, session_id, log.stamp)
            log("dashboard.logout", "dashboard_session", session_id)

        await self.desk.act(actor, Role.VIEWER, Said("sign out"), work)


def _current_role(conn: Tx, member_id: int | None, role: str) -> Role | None:
    """The role from the staff table for a staff member's session (None once removed); the
    link's role for one made on the server."""
    if member_id is None:
        return Role[role.upper()]
    member = staffing.get(conn, member_id)
    if member is None or member.removed_at is not None:
        return None
    return Role[member.role.upper()]
