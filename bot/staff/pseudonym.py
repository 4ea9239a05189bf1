"""Pseudonyms for participants in exports: a keyed hash (HMAC-SHA256) of the participant id.

The same secret gives the same pseudonym in every export, so analysts can join tables and
exports made months apart; without the secret a pseudonym cannot be turned back into an id
(or into anything Telegram knows). The secret is EXPORT_SECRET, or one made on first use and
kept in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from bot.store import kept
from bot.store.db import Tx

SECRET_NAME = "export_pseudonym_secret"
PREFIX = "p-"
LENGTH = 16  # hex digits: 64 bits, so 100,000 people collide with odds of about 1 in 3 billion


def ensure_secret(conn: Tx, now: str) -> str:
    """The kept secret, made now if there is none yet (in a write transaction)."""
    return kept.ensure(conn, SECRET_NAME, secrets.token_hex(32), now)


class Pseudonyms:
    """participant id -> pseudonym, for one export."""

    def __init__(self, secret: str) -> None:
        self._base = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)

    def __call__(self, participant_id: int | None) -> str:
        """The participant's pseudonym ("" for none)."""
        if participant_id is None:
            return ""
        mac = self._base.copy()
        mac.update(b"participant:%d" % participant_id)
        return PREFIX + mac.hexdigest()[:LENGTH]
