"""Staff and their roles (admins only): invite a colleague with a one-time link, change a
role, remove someone (after a page asking to confirm)."""

from __future__ import annotations

from aiohttp import web

from bot.staff.actor import Role
from bot.staff.staffing import bot_username, invite_text, parse_role
from bot.store import staffing
from bot.web.forms import field, optional
from bot.web.i18n import W_, tr
from bot.web.server import ACTOR, Dashboard, Handler


async def show(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /staff."""
    members = await d.core.db.read(staffing.members)
    return d.page(request, "staff.html", members=members, roles=[r.label for r in Role])


async def invite(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /staff/invite: the link is shown once, on the next page."""
    form = await request.post()

    async def work() -> str:
        role = parse_role(field(form, "role"))
        username = await bot_username(d.core.desk, d.core.settings.bot_username)
        made = await d.core.roster.invite(request[ACTOR], role, optional(form, "name"))
        return invite_text(made, username)

    return await d.act(request, work, "/staff")


async def set_role(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /staff/{id}/role."""
    member_id = int(request.match_info["id"])
    form = await request.post()

    async def work() -> str:
        role = parse_role(field(form, "role"))
        member = await d.core.roster.set_role(request[ACTOR], member_id, role)
        return tr(W_("{name} is now {role}."), name=member.name, role=role.label)

    return await d.act(request, work, "/staff")


async def confirm_remove(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """GET /staff/{id}/remove."""
    member = await d.core.db.read(staffing.get, int(request.match_info["id"]))
    if member is None or member.removed_at is not None:
        raise web.HTTPNotFound()
    return d.page(request, "staff_remove.html", member=member)


async def remove(d: Dashboard, request: web.Request) -> web.StreamResponse:
    """POST /staff/{id}/remove."""
    member_id = int(request.match_info["id"])

    async def work() -> str:
        member = await d.core.roster.remove(request[ACTOR], member_id)
        return tr(W_("Removed {name} from the staff."), name=member.name)

    return await d.act(request, work, "/staff")


ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/staff", show, Role.ADMIN),
    ("POST", "/staff/invite", invite, Role.ADMIN),
    ("POST", "/staff/{id:\\d+}/role", set_role, Role.ADMIN),
    ("GET", "/staff/{id:\\d+}/remove", confirm_remove, Role.ADMIN),
    ("POST", "/staff/{id:\\d+}/remove", remove, Role.ADMIN),
)
