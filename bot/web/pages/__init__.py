"""Every page of the dashboard, at stable paths (links and bookmarks keep working), with the
least role each needs. Forms post to the same paths; every change goes through bot/staff/."""

from __future__ import annotations

from bot.staff.actor import Role
from bot.web.pages import (
    assets,
    audit,
    broadcasts,
    champions,
    initiatives,
    overview,
    reports,
    rounds,
    staff,
    words,
)
from bot.web.server import Handler

V, S, A = Role.VIEWER, Role.STAFF, Role.ADMIN
ROUTES: tuple[tuple[str, str, Handler, Role], ...] = (
    ("GET", "/", overview.show, V),
    *rounds.ROUTES,
    *initiatives.ROUTES,
    *words.ROUTES,
    *assets.ROUTES,
    *champions.ROUTES,
    *broadcasts.ROUTES,
    *reports.ROUTES,
    *staff.ROUTES,
    ("GET", "/audit", audit.show, V),
)
