"""Deep-link payloads (`/start <payload>`): champion referral codes and flow shortcuts."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

# Telegram's own rule for start parameters.
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FLOW_PREFIX = "flow-"
REFERRAL_PREFIX = "c-"


@dataclass(frozen=True, slots=True)
class DeepLink:
    """What a payload asks for: `kind` is flow, referral or invalid."""

    kind: str
    value: str


def parse(payload: str | None) -> DeepLink | None:
    """Classify a start payload; None when there was none."""
    if payload is None or payload == "":
        return None
    if not PAYLOAD.match(payload):
        return DeepLink("invalid", payload[:64])
    if payload.startswith(FLOW_PREFIX):
        return DeepLink("flow", payload.removeprefix(FLOW_PREFIX))
    return DeepLink("referral", payload)


def new_referral_code() -> str:
    """An unguessable, URL-safe referral code (about 96 bits of randomness)."""
    return REFERRAL_PREFIX + secrets.token_urlsafe(12)


def link(bot_username: str, payload: str) -> str:
    """The t.me link that opens the bot with this payload."""
    return f"https://t.me/{bot_username}?start={payload}"
