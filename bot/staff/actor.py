"""Who is acting, in which role, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from bot.staff.said import Said


class StaffError(ValueError):
    """A staff request that cannot be done as asked; the message says why and what to do.

    `StaffError("There is no round {round_id}.", round_id=7)`: the template is English,
    marked for the dashboard's translators by being written here (see bot/staff/said.py);
    `str(error)` is the English, `error.said` the text the dashboard translates."""

    def __init__(self, message: str, /, **params: Any) -> None:
        said = message if isinstance(message, Said) and not params else Said(message, **params)
        super().__init__(str(said))
        self.said = said


class Refused(StaffError):
    """The actor's role does not allow this."""


class Role(IntEnum):
    """Staff roles, each allowed what the ones below it are."""

    VIEWER = 1  # reports and exports only
    STAFF = 2  # rounds, initiatives, measures, assets, champions, broadcasts
    ADMIN = 3  # and manages staff

    @property
    def label(self) -> str:
        """The role's name, as staff write it."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Actor:
    """A staff member acting through a channel: `name` is how the audit log names them
    (e.g. "tg:9000", "cli:amina")."""

    name: str
    role: Role
    channel: str

    def require(self, role: Role, what: str) -> None:
        """Refuse unless the actor's role is at least `role` (`what` they tried: "open a
        round", or `Said` to be translated on the dashboard)."""
        if self.role < role:
            # TRANSLATORS: {what} is an action ("open a round"), translated on its own;
            # {role} and {needed} are the roles' names as staff type them: viewer, staff, admin.
            raise Refused(
                "Your role ({role}) cannot {what}; that needs {needed}. Ask an admin.",
                role=self.role.label,
                what=what,
                needed=role.label,
            )
