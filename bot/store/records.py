"""Plain records the store hands out; the layers above never see rows or SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Participant:
    """A resident known to the bot on one channel."""

    id: int
    channel: str
    channel_user_id: str
    chat_id: str
    locale: str | None
    area: str | None
    consent_at: str | None
    created_at: str
    opted_out_at: str | None
    unreachable_at: str | None
    next_flow: str | None = None  # a flow a deep link asked for, opened after onboarding

    @property
    def consented(self) -> bool:
        """True once the participant agreed to take part."""
        return self.consent_at is not None


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session row: its id binds callback data to it."""

    id: int
    participant_id: int
    flow_id: str
    flow_hash: str
    node_id: str | None
    state_json: str
    status: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class Answer:
    """One saved reply from the append-only log."""

    id: int
    participant_id: int
    session_id: int | None
    flow_id: str
    node_id: str
    key: str
    value: Any
    created_at: str


@dataclass(frozen=True, slots=True)
class Champion:
    """A resident in a peer or lay role, with their referral code."""

    id: int
    participant_id: int
    code: str
    status: str
