"""Numbered SQL migrations, applied at start, each inside one transaction."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered script from bot/store/migrations."""

    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    """Every shipped migration, in order."""
    found: list[Migration] = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database (0 for a new file)."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def applied(conn: sqlite3.Connection) -> set[int]:
    """The versions recorded in the database."""
    current_version(conn)  # makes the table on a new file
    return {int(row[0]) for row in conn.execute("SELECT version FROM schema_version")}


def upgrade(conn: sqlite3.Connection, migrations: list[Migration] | None = None) -> int:
    """Apply every migration the database has not had; returns the highest version.

    Numbers are handed out to branches in advance, so a database can meet 0008 before 0006:
    each one not yet recorded is applied, in order, not only those above the highest.
    `conn` must be in autocommit mode (isolation_level=None): each migration runs statement
    by statement inside its own BEGIN ... COMMIT, so a failing one leaves the database exactly
    as it was (executescript() would commit on its own).
    """
    done = applied(conn)
    version = max(done, default=0)
    for migration in migrations if migrations is not None else available():
        if migration.version in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements(migration.sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.version,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        log.info("applied migration %s", migration.name)
        version = max(version, migration.version)
    return version


def statements(sql: str) -> list[str]:
    """A script's statements, split where SQLite itself says one is complete, so a `;` or
    `--` inside a string literal, or the statements inside a trigger, do not split it."""
    found: list[str] = []
    start = 0
    for end, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : end + 1]):
            if _has_code(sql[start:end]):
                found.append(sql[start : end + 1].strip())
            start = end + 1
    if _has_code(sql[start:]):
        raise ValueError(f"the last statement is not complete: {sql[start:].strip()[:80]!r}")
    return found


def _has_code(text: str) -> bool:
    """True when `text` holds more than whitespace and `--` comments."""
    return any(line.split("--", 1)[0].strip() for line in text.splitlines())
