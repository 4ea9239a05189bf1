"""Who is acting, in which role, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class StaffError(ValueError):
    """A staff request that cannot be done as asked; the message says why and what to do."""


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
        """Refuse unless the actor's role is at least `role`."""
        if self.role < role:
            raise Refused(
                f"Your role ({self.role.label}) cannot {what}; that needs {role.label}. "
                "Ask an admin."
            )
