"""Logging: one line per event, level from LOG_LEVEL."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats records as usual, then blanks out secrets (the bot token) wherever they appear,
    tracebacks included."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__(FORMAT)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line, with every secret replaced."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


def configure(level: str, secrets: list[str] | None = None) -> None:
    """Set up the root logger once; `secrets` never appear in what it writes."""
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(secrets or []))
    quiet_libraries()


# httpx logs every request URL at INFO, and Bot API URLs contain the bot token; APScheduler
# logs "Running job" and "executed successfully" at INFO on every sweep, and PTB's Application
# three lines for every start and stop, which bury what the bot itself says (it says when it
# starts and stops). Their warnings and errors still show.
NOISY = ("httpx", "httpcore", "apscheduler", "telegram.ext.Application")


def quiet_libraries() -> None:
    """Only warnings and errors from the libraries in NOISY."""
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
