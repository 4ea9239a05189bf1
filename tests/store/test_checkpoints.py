"""Checkpoints (the write-ahead log copied into the database file) run beside the writer;
a commit that fails is rolled back.

Left to SQLite, the commit that fills the log to 1,000 pages copies it, fsyncs included, and
every tap queued behind that commit waits: tens of milliseconds on this machine's disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.store import db as store
from bot.store.db import Database

ROW_BYTES = 4000  # about a page each


def _add_rows(conn: sqlite3.Connection, count: int) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body BLOB)")
    conn.executemany(
        "INSERT INTO filler (body) VALUES (?)", ((bytes(ROW_BYTES),) for _ in range(count))
    )


def _count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM filler").fetchone()[0])


async def _until(condition: object, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_commit_that_fills_the_log_does_not_copy_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cv.sqlite3"
    db = await Database.open(path)
    try:
        await db.write(_add_rows, 1)  # starts the first checkpoint; let it finish
        assert await _until(lambda: db._checkpointing is None)
        monkeypatch.setattr(store, "CHECKPOINT_EVERY", 3600.0)  # no other for the test
        size = path.stat().st_size

        await db.write(_add_rows, 1500)  # 1,500 pages: over SQLite's 1,000 for its own

        assert path.stat().st_size == size  # still all in the log
        assert Path(f"{path}-wal").stat().st_size > 1500 * ROW_BYTES
        assert await db.read(_count) == 1501
    finally:
        await db.close()


async def test_the_log_is_copied_into_the_database_file_soon_after_writes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cv.sqlite3"
    db = await Database.open(path)
    try:
        await asyncio.sleep(store.CHECKPOINT_EVERY)  # the schema's checkpoint is behind us
        await db.write(_add_rows, 10)
        await asyncio.sleep(store.CHECKPOINT_EVERY)
        await db.write(_add_rows, 500)  # 2 MB: SQLite alone would leave it in the log

        assert await _until(lambda: path.stat().st_size > 500 * ROW_BYTES)
    finally:
        await db.close()
    assert not Path(f"{path}-wal").exists()  # the last connection closed folded it all in
    reopened = await Database.open(path)
    try:
        assert await reopened.read(_count) == 510
    finally:
        await reopened.close()


def _replace(conn: sqlite3.Connection, n: int) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS kept (id INTEGER PRIMARY KEY, n INTEGER)")
    conn.execute("INSERT OR REPLACE INTO kept VALUES (?, ?)", (n % 100, n))


async def test_the_log_stops_growing_under_steady_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The outcome, whichever does it: the checkpointer starts the log again, and SQLite's own
    # checkpoint (set low here) is the backstop should it not.
    monkeypatch.setattr(store, "CHECKPOINT_BACKSTOP", 300)  # pages: about 1.2 MB
    path = tmp_path / "cv.sqlite3"
    db = await Database.open(path)
    try:
        loop = asyncio.get_running_loop()
        started, n = loop.time(), 0
        while loop.time() - started < 4:
            await db.write_quick(_replace, n)
            n += 1
            await asyncio.sleep(0.002)
        assert Path(f"{path}-wal").stat().st_size < 4 * 300 * 4096
    finally:
        await db.close()


async def test_the_checkpointer_starts_the_log_again_under_steady_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Commits land while the checkpointer copies, so the log is never all copied unless the
    # checkpointer copies the last of it with the writer held; then the next write starts the
    # log from its beginning, and SQLite's backstop (its checkpoint in a step's commit, on the
    # event loop) is never needed. Here there is none: without the writer held, the log grew
    # by 2 to 4 MB a second, for good.
    monkeypatch.setattr(store, "CHECKPOINT_BACKSTOP", 0)  # 0: SQLite never checkpoints
    monkeypatch.setattr(store, "CHECKPOINT_EVERY", 0.25)
    path = tmp_path / "cv.sqlite3"
    db = await Database.open(path)
    try:
        await db.write_quick(_replace, 0)
        assert await _until(lambda: db._checkpointing is None)
        # The log file never shrinks: empty it of the schema's pages (700 KB), so that its
        # size afterwards is what these writes left in it.
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert Path(f"{path}-wal").stat().st_size == 0
        loop = asyncio.get_running_loop()
        started, n = loop.time(), 0
        while loop.time() - started < 3:
            await db.write_quick(_replace, n)
            n += 1
            await asyncio.sleep(0.001)
        # Each write adds a page or so to the log: kept for good, the log would hold them all.
        assert Path(f"{path}-wal").stat().st_size < n * 4096 / 3
    finally:
        await db.close()


async def test_many_commits_start_a_checkpoint_before_its_second_is_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 1,000 steps a second the log reached SQLite's backstop between two checkpoints a
    # second apart, and the backstop's checkpoint ran in a step's commit on the event loop.
    db = await Database.open(tmp_path / "cv.sqlite3")
    try:
        await db.write_quick(_replace, 0)
        assert await _until(lambda: db._checkpointing is None)
        monkeypatch.setattr(store, "CHECKPOINT_EVERY", 3600.0)  # time alone starts none
        begun: list[float] = []
        checkpoint = db._checkpoint

        def noted() -> None:
            begun.append(1)
            checkpoint()

        monkeypatch.setattr(db, "_checkpoint", noted)
        # Two residents' steps a commit: commits are counted, not steps (steps sharing commits
        # write fewer pages each, and a checkpoint holding the writer splits their commits).
        for n in range(store.CHECKPOINT_AFTER_COMMITS - 1):
            await asyncio.gather(db.write_quick(_replace, n), db.write_quick(_replace, n + 1))
        await asyncio.sleep(0.05)
        assert begun == []

        await asyncio.gather(db.write_quick(_replace, 0), db.write_quick(_replace, 1))
        assert await _until(lambda: db._checkpointing is None and begun == [1])
    finally:
        await db.close()


def _make_then_violate(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS child (id INTEGER PRIMARY KEY, parent INTEGER "
        "REFERENCES child (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    conn.execute("INSERT INTO child (parent) VALUES (999)")  # fails only at COMMIT


async def test_a_commit_that_fails_is_rolled_back_and_the_writer_goes_on(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await db.write_quick(_make_then_violate)
    await db.write_quick(_add_rows, 1)  # not "cannot start a transaction within a transaction"
    assert await db.read(_count) == 1
