"""Numbered SQL migrations, applied at start, each inside one transaction."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

import aiosqlite

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


async def current_version(db: aiosqlite.Connection) -> int:
    """The schema version recorded in the database (0 for a new file)."""
    await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    async with db.execute("SELECT MAX(version) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


async def upgrade(db: aiosqlite.Connection, migrations: list[Migration] | None = None) -> int:
    """Apply every migration newer than the database; returns the version reached."""
    version = await current_version(db)
    for migration in migrations if migrations is not None else available():
        if migration.version <= version:
            continue
        # The connection is in autocommit mode (the store manages transactions itself), and
        # executescript() would commit on its own: run statement by statement inside BEGIN so a
        # failing migration leaves the database exactly as it was.
        await db.execute("BEGIN")
        try:
            for statement in _statements(migration.sql):
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_version (version) VALUES (?)", (migration.version,)
            )
        except Exception:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
        log.info("applied migration %s", migration.name)
        version = migration.version
    return version


def _statements(sql: str) -> list[str]:
    without_comments = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in without_comments.split(";") if s.strip()]
