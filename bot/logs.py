"""Logging: one line per event, level from LOG_LEVEL; the bot token appears nowhere."""

from __future__ import annotations

import logging
import sys
from typing import TextIO
from urllib.parse import quote

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def secrets_of(token: str | None) -> list[str]:
    """Every form the token can take in a message: as it is, URL-encoded (a proxy's error page
    may echo the request path), and its secret half alone."""
    if not token:
        return []
    found = {token, quote(token, safe=""), quote(token)}
    _, _, secret = token.partition(":")
    if len(secret) >= 8:
        found.add(secret)
    return sorted(found, key=len, reverse=True)  # the longest first: no half-replaced token


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return text


class RedactingFormatter(logging.Formatter):
    """Formats records as usual, then blanks out secrets (the bot token) wherever they appear,
    tracebacks included."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__(FORMAT)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line, with every secret replaced."""
        return redact(super().format(record), self.secrets)


class RedactingStream:
    """A text stream that blanks out secrets before they reach the real one: for what is
    written to stderr without logging (an uncaught exception's traceback, a warning)."""

    def __init__(self, stream: TextIO, secrets: list[str]) -> None:
        self._stream = stream
        self._secrets = secrets

    def write(self, text: str) -> int:
        """Write `text`, redacted."""
        return self._stream.write(redact(text, self._secrets))

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def configure(level: str, token: str | None = None) -> None:
    """Set up the root logger once; the token never appears in what it writes, nor in
    anything else written to stdout or stderr."""
    secrets = secrets_of(token)
    if secrets:
        sys.stderr = RedactingStream(sys.stderr, secrets)
        sys.stdout = RedactingStream(sys.stdout, secrets)
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(secrets))
    logging.captureWarnings(True)  # warnings too go through the redacting formatter
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
