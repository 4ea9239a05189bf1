"""The store gives back the page caches a broadcast's reads filled (Database.shrink_caches)."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import sqlite3
import threading
from collections.abc import Callable

from bot.store.db import PAGE_CACHE_KIB, READERS, Database

ROWS = 4000
ROW_BYTES = 1000  # 4 MB of rows: more than a connection's page cache holds
MB = 1024 * 1024


def _sqlite_memory_used() -> Callable[[], int]:
    """SQLite's own count of the heap it holds, across every connection in this process.

    The library is the one Python's sqlite3 module is linked with (loading it again returns
    the same copy), so the count includes the store's connections.
    """
    path = ctypes.util.find_library("sqlite3")
    assert path is not None, "no libsqlite3 found: this test reads SQLite's memory counter"
    library = ctypes.CDLL(path)
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return library.sqlite3_memory_used


def _fill(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)")
    conn.executemany(
        "INSERT INTO filler (body) VALUES (?)", ((bytes(ROW_BYTES),) for _ in range(ROWS))
    )


def _read_all(conn: sqlite3.Connection) -> int:
    return sum(len(body) for (body,) in conn.execute("SELECT body FROM filler"))


def _read_all_together(conn: sqlite3.Connection, barrier: threading.Barrier) -> int:
    barrier.wait()  # both reader threads at once: each opens and fills a connection
    return _read_all(conn)


async def test_shrinking_gives_back_every_connections_cached_pages(db: Database) -> None:
    memory_used = _sqlite_memory_used()
    await db.write(_fill)
    assert await db.write(_read_all) == ROWS * ROW_BYTES
    barrier = threading.Barrier(READERS, timeout=5)
    reads = [db.read(_read_all_together, barrier) for _ in range(READERS)]
    assert await asyncio.gather(*reads) == [ROWS * ROW_BYTES] * READERS
    before = memory_used()

    await db.shrink_caches()

    # Three full caches (the writer's and two readers'), each of PAGE_CACHE_KIB.
    assert before - memory_used() > 0.75 * 3 * PAGE_CACHE_KIB * 1024
    assert await db.read(_read_all) == ROWS * ROW_BYTES  # read again from the file


async def test_a_reader_busy_reading_is_passed_over_not_waited_for(db: Database) -> None:
    await db.write(_fill)
    reading, finish = threading.Event(), threading.Event()

    def long_read(conn: sqlite3.Connection) -> int:
        reading.set()
        finish.wait(10)
        return _read_all(conn)

    report = asyncio.create_task(db.read(long_read))
    assert await asyncio.to_thread(reading.wait, 5)
    try:
        await asyncio.wait_for(db.shrink_caches(), 2)
    finally:
        finish.set()
    assert await report == ROWS * ROW_BYTES


async def test_every_connection_keeps_at_most_a_quarter_of_sqlites_default_cache(
    db: Database,
) -> None:
    # A read fills at most this much (the default, 2,000 KiB, left the bot 1 MB fuller after a
    # broadcast: bench/README.md).
    assert PAGE_CACHE_KIB <= 500
    await db.write(_fill)
    pragma = "PRAGMA cache_size"
    assert await db.write(lambda conn: conn.execute(pragma).fetchone()[0]) == -PAGE_CACHE_KIB
    assert await db.read(lambda conn: conn.execute(pragma).fetchone()[0]) == -PAGE_CACHE_KIB
