"""The repository: every read and write the bot makes, over one aiosqlite connection."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import migrate
from bot.store.records import Answer, Champion, Participant, StoredSession

log = logging.getLogger(__name__)

_UNSET: Any = object()


@dataclass(slots=True)
class NewAnswer:
    """An answer to append in a step's transaction."""

    flow_id: str
    node_id: str
    key: str
    value: Any


@dataclass(slots=True)
class ParticipantChanges:
    """Participant fields a step changes (effects); fields left unset stay as they are."""

    values: dict[str, Any] = field(default_factory=dict)

    def set(self, column: str, value: Any) -> None:
        """Change `column` to `value` when the step is committed."""
        if column not in _PARTICIPANT_COLUMNS:
            raise ValueError(f"not a participant field: {column}")
        self.values[column] = value


_PARTICIPANT_COLUMNS = frozenset(
    {"locale", "area", "consent_at", "opted_out_at", "unreachable_at", "chat_id", "next_flow"}
)


@dataclass(slots=True)
class SessionWrite:
    """The session state a step leaves behind."""

    session_id: int | None
    flow_id: str
    flow_hash: str
    node_id: str | None
    state_json: str
    status: str


class Store:
    """The bot's database. Open with `await Store.open(path)`; close when done."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        # One connection is shared by every concurrent conversation: transactions must not
        # interleave on it, so each one holds this lock from BEGIN to COMMIT.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the database at `path` and bring its schema up to date."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA busy_timeout=5000")
        try:
            await migrate.upgrade(db)
        except Exception:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        """Close the connection."""
        await self._db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back if the block raises."""
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """One row of a read query (for the store's own modules)."""
        async with self._lock, self._db.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Every row of a read query (for the store's own modules)."""
        async with self._lock, self._db.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    # -- schema ----------------------------------------------------------------------------

    async def schema_version(self) -> int:
        """The migration version the database is at."""
        row = await self.fetch_one("SELECT MAX(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    async def tables(self) -> list[str]:
        """Every table name, for tests and exports that must cover them all."""
        rows = await self.fetch_all(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        return [str(r[0]) for r in rows]

    # -- participants ----------------------------------------------------------------------

    async def find_participant(self, channel: str, channel_user_id: str) -> Participant | None:
        """The participant known on `channel` by that user id, if any."""
        row = await self.fetch_one(
            "SELECT * FROM participants WHERE channel = ? AND channel_user_id = ?",
            (channel, channel_user_id),
        )
        return _participant(row) if row else None

    async def participant(self, participant_id: int) -> Participant | None:
        """The participant with this id, if they still exist."""
        row = await self.fetch_one("SELECT * FROM participants WHERE id = ?", (participant_id,))
        return _participant(row) if row else None

    async def ensure_participant(
        self, channel: str, channel_user_id: str, chat_id: str, now: str
    ) -> Participant:
        """The participant for this channel user, created on first contact."""
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO participants (channel, channel_user_id, chat_id, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel, channel_user_id) DO NOTHING",
                (channel, channel_user_id, chat_id, now),
            )
            async with db.execute(
                "SELECT * FROM participants WHERE channel = ? AND channel_user_id = ?",
                (channel, channel_user_id),
            ) as cur:
                row = await cur.fetchone()
        assert row is not None
        return _participant(row)

    async def update_participant(self, participant_id: int, changes: ParticipantChanges) -> None:
        """Apply field changes outside a flow step (e.g. /stop, blocked bot)."""
        if not changes.values:
            return
        async with self.transaction() as db:
            await _apply_changes(db, participant_id, changes)

    async def forget_participant(self, participant_id: int) -> None:
        """Erase the participant and, through ON DELETE CASCADE, every row about them."""
        async with self.transaction() as db:
            await _forget(db, participant_id)

    async def export_participant(self, participant_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row about the participant, table by table (for /mydata)."""
        export: dict[str, list[dict[str, Any]]] = {}
        for table in await self.tables():
            if table == "participants":
                sql = "SELECT * FROM participants WHERE id = ?"
            elif table == "measures":
                # Measures they proposed (the only rows that name them as proposed_by).
                sql = "SELECT * FROM measures WHERE proposed_by = ? ORDER BY id"
            elif "participant_id" in await self._columns(table):
                sql = f'SELECT * FROM "{table}" WHERE participant_id = ? ORDER BY rowid'
            else:
                continue
            export[table] = [dict(row) for row in await self.fetch_all(sql, (participant_id,))]
        return export

    async def _columns(self, table: str) -> set[str]:
        rows = await self.fetch_all(f'PRAGMA table_info("{table}")')
        return {str(r["name"]) for r in rows}

    # -- sessions and answers --------------------------------------------------------------

    async def active_session(self, participant_id: int) -> StoredSession | None:
        """The session the participant is in the middle of, if any."""
        row = await self.fetch_one(
            "SELECT * FROM sessions WHERE participant_id = ? AND status = 'active'",
            (participant_id,),
        )
        return _session(row) if row else None

    async def latest_session(self, participant_id: int) -> StoredSession | None:
        """The most recently touched session, finished or not."""
        row = await self.fetch_one(
            "SELECT * FROM sessions WHERE participant_id = ? ORDER BY updated_at DESC, id DESC "
            "LIMIT 1",
            (participant_id,),
        )
        return _session(row) if row else None

    async def commit_step(
        self,
        participant_id: int,
        session: SessionWrite,
        answers: list[NewAnswer],
        changes: ParticipantChanges,
        now: str,
        *,
        forget: bool = False,
        writers: Sequence[Callable[[aiosqlite.Connection], Awaitable[None]]] = (),
    ) -> int | None:
        """Write a step's session, answers and participant changes in one transaction.

        Returns the session id (None when the participant was forgotten). This is committed
        before the reply is sent, so an acknowledged answer survives any crash.
        """
        async with self.transaction() as db:
            if forget:
                await _forget(db, participant_id)
                return None
            session_id = session.session_id
            if session_id is None:
                # Starting a new flow replaces whatever was in progress (answers are kept).
                await db.execute(
                    "UPDATE sessions SET status = 'cancelled', updated_at = ? "
                    "WHERE participant_id = ? AND status = 'active'",
                    (now, participant_id),
                )
                cur = await db.execute(
                    "INSERT INTO sessions (participant_id, flow_id, flow_hash, node_id, "
                    "state_json, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        participant_id,
                        session.flow_id,
                        session.flow_hash,
                        session.node_id,
                        session.state_json,
                        session.status,
                        now,
                        now,
                    ),
                )
                session_id = cur.lastrowid
            else:
                await db.execute(
                    "UPDATE sessions SET flow_hash = ?, node_id = ?, state_json = ?, status = ?, "
                    "updated_at = ? WHERE id = ?",
                    (
                        session.flow_hash,
                        session.node_id,
                        session.state_json,
                        session.status,
                        now,
                        session_id,
                    ),
                )
            if answers:
                await db.executemany(
                    "INSERT INTO answers (participant_id, session_id, flow_id, node_id, key, "
                    "value_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            participant_id,
                            session_id,
                            a.flow_id,
                            a.node_id,
                            a.key,
                            json.dumps(a.value, ensure_ascii=False),
                            now,
                        )
                        for a in answers
                    ],
                )
            await _apply_changes(db, participant_id, changes)
            for write in writers:
                await write(db)
        return session_id

    # -- champions and referrals -----------------------------------------------------------

    async def create_champion(
        self, participant_id: int, code: str, now: str, status: str = "interested"
    ) -> int:
        """Make the participant a champion with this referral code; returns the champion id."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO champions (participant_id, code, status, created_at) "
                "VALUES (?, ?, ?, ?)",
                (participant_id, code, status, now),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def champion_by_code(self, code: str) -> Champion | None:
        """The champion whose referral code this is, if any."""
        row = await self.fetch_one("SELECT * FROM champions WHERE code = ?", (code,))
        return (
            Champion(row["id"], row["participant_id"], row["code"], row["status"]) if row else None
        )

    async def record_referral(
        self, participant_id: int, champion_id: int, code: str, now: str
    ) -> bool:
        """Attribute the participant to a champion; first touch wins, never overwritten."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO referrals (participant_id, champion_id, code, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (participant_id) DO NOTHING",
                (participant_id, champion_id, code, now),
            )
        return cur.rowcount == 1

    async def referred_by(self, champion_id: int) -> list[int]:
        """Participant ids who joined through this champion's link."""
        rows = await self.fetch_all(
            "SELECT participant_id FROM referrals WHERE champion_id = ? ORDER BY created_at",
            (champion_id,),
        )
        return [int(r[0]) for r in rows]

    async def record_answer(
        self, participant_id: int, flow_id: str, node_id: str, key: str, value: Any, now: str
    ) -> None:
        """Append one answer given outside a flow session (e.g. a check-in button)."""
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO answers (participant_id, session_id, flow_id, node_id, key, "
                "value_json, created_at) VALUES (?, NULL, ?, ?, ?, ?, ?)",
                (participant_id, flow_id, node_id, key, json.dumps(value), now),
            )

    async def answers_for(self, participant_id: int, flow_id: str | None = None) -> list[Answer]:
        """The participant's answer log, oldest first."""
        sql = "SELECT * FROM answers WHERE participant_id = ?"
        params: list[Any] = [participant_id]
        if flow_id is not None:
            sql += " AND flow_id = ?"
            params.append(flow_id)
        rows = await self.fetch_all(sql + " ORDER BY id", params)
        return [_answer(r) for r in rows]


async def _forget(db: aiosqlite.Connection, participant_id: int) -> None:
    # A measure they proposed goes too, unless staff adopted it into an evaluation plan: then
    # it belongs to the plan and only loses its link to them (ON DELETE SET NULL).
    await db.execute(
        "DELETE FROM measures WHERE proposed_by = ? AND (status != 'adopted' "
        "OR text LIKE '%\"voice\"%')",  # a voice note is their own voice: it always goes
        (participant_id,),
    )
    await db.execute("DELETE FROM participants WHERE id = ?", (participant_id,))


async def _apply_changes(
    db: aiosqlite.Connection, participant_id: int, changes: ParticipantChanges
) -> None:
    if not changes.values:
        return
    columns = sorted(changes.values)
    assignments = ", ".join(f"{c} = ?" for c in columns)
    await db.execute(
        f"UPDATE participants SET {assignments} WHERE id = ?",
        (*(changes.values[c] for c in columns), participant_id),
    )


def _participant(row: aiosqlite.Row) -> Participant:
    return Participant(
        id=row["id"],
        channel=row["channel"],
        channel_user_id=row["channel_user_id"],
        chat_id=row["chat_id"],
        locale=row["locale"],
        area=row["area"],
        consent_at=row["consent_at"],
        created_at=row["created_at"],
        opted_out_at=row["opted_out_at"],
        unreachable_at=row["unreachable_at"],
        next_flow=row["next_flow"],
    )


def _session(row: aiosqlite.Row) -> StoredSession:
    return StoredSession(
        id=row["id"],
        participant_id=row["participant_id"],
        flow_id=row["flow_id"],
        flow_hash=row["flow_hash"],
        node_id=row["node_id"],
        state_json=row["state_json"],
        status=row["status"],
        updated_at=row["updated_at"],
    )


def _answer(row: aiosqlite.Row) -> Answer:
    return Answer(
        id=row["id"],
        participant_id=row["participant_id"],
        session_id=row["session_id"],
        flow_id=row["flow_id"],
        node_id=row["node_id"],
        key=row["key"],
        value=json.loads(row["value_json"]),
        created_at=row["created_at"],
    )
