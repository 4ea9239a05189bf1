"""A resident's step writes on the event loop when the writer connection is free
(Database.write_quick), and waits for the writer thread like any write when it is not."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from bot.store.db import Database


def _note(conn: sqlite3.Connection, text: str) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES (?)", (text,))
    return threading.get_ident()


def _notes(conn: sqlite3.Connection) -> list[str]:
    return [text for (text,) in conn.execute("SELECT text FROM notes ORDER BY rowid")]


async def test_with_the_writer_free_it_runs_on_the_event_loop_and_commits(db: Database) -> None:
    ran_on = await db.write_quick(_note, "first")

    assert ran_on == threading.get_ident()  # no hop to the writer thread
    assert await db.read(_notes) == ["first"]  # committed: another connection sees it


async def test_with_the_writer_busy_it_waits_its_turn_without_holding_up_the_loop(
    db: Database,
) -> None:
    await db.write(_note, "setup")
    started, finish = threading.Event(), threading.Event()

    def long_batch(conn: sqlite3.Connection) -> None:
        started.set()
        finish.wait(10)
        _note(conn, "batch")

    batch = asyncio.create_task(db.write(long_batch))
    assert await asyncio.to_thread(started.wait, 5)
    step = asyncio.create_task(db.write_quick(_note, "step"))
    await asyncio.sleep(0.05)
    assert not step.done()  # it waits for the batch's transaction...
    finish.set()  # ...while the loop goes on (this line runs)
    await batch
    ran_on = await step

    assert ran_on != threading.get_ident()  # on the writer thread, after the batch
    assert await db.read(_notes) == ["setup", "batch", "step"]


async def test_a_step_that_fails_writes_nothing(db: Database) -> None:
    await db.write(_note, "setup")

    def half_done(conn: sqlite3.Connection) -> None:
        _note(conn, "half")
        raise ValueError("the step went wrong")

    with pytest.raises(ValueError, match="went wrong"):
        await db.write_quick(half_done)
    assert await db.read(_notes) == ["setup"]
    await db.write_quick(_note, "next")  # the connection is free again
    assert await db.read(_notes) == ["setup", "next"]


async def test_a_closed_database_refuses_it(db: Database) -> None:
    await db.close()
    with pytest.raises(RuntimeError, match="closed"):
        await db.write_quick(_note, "late")
