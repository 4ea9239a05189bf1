"""Logging: one line per event, level from LOG_LEVEL."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str) -> None:
    """Set up the root logger once."""
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format=FORMAT)
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
