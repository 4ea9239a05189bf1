"""A resident's step writes on the event loop when the writer connection is free
(Database.write_quick), the steps of one turn of the loop sharing one commit; when a thread
has the connection, the step waits for it to let go and then writes on the loop, with the
other steps that waited."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store.db import STEPS_A_COMMIT, Database, last_step_of_turn


@pytest.fixture(autouse=True)
def _no_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    # A checkpoint holds the writer for a moment (tests/store/test_checkpoints.py); a step
    # meeting it waits for it, which on a slow machine would split the steps these tests
    # expect to share a commit.
    monkeypatch.setattr(Database, "_checkpoint_soon", lambda self: None)


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


async def _batch_in_the_writer_thread(db: Database) -> tuple[asyncio.Task[None], threading.Event]:
    """A write holding the writer thread until the event is set (it then notes "batch")."""
    started, finish = threading.Event(), threading.Event()

    def long_batch(conn: sqlite3.Connection) -> None:
        started.set()
        finish.wait(10)
        _note(conn, "batch")

    batch = asyncio.create_task(db.write(long_batch))
    assert await asyncio.to_thread(started.wait, 5)
    return batch, finish


async def test_with_the_writer_busy_it_waits_its_turn_without_holding_up_the_loop(
    db: Database,
) -> None:
    await db.write(_note, "setup")
    batch, finish = await _batch_in_the_writer_thread(db)
    step = asyncio.create_task(db.write_quick(_note, "step"))
    await asyncio.sleep(0.05)
    assert not step.done()  # it waits for the batch's transaction...
    finish.set()  # ...while the loop goes on (this line runs)
    await batch
    ran_on = await step

    assert ran_on == threading.get_ident()  # then on the loop, not queued in the thread
    assert await db.read(_notes) == ["setup", "batch", "step"]


async def test_steps_that_waited_for_a_thread_share_one_commit_on_the_loop(db: Database) -> None:
    # Sent to the writer thread, each would have had a transaction of its own there, and
    # the steps coming meanwhile would have followed (bench/README.md, "At 305d95c, 5cecb09,
    # 4b4b17a and 819ec62").
    await db.write(_note, "setup")
    batch, finish = await _batch_in_the_writer_thread(db)
    steps = [asyncio.create_task(db.write_quick(_note, f"resident {n}")) for n in range(5)]
    await asyncio.sleep(0.05)
    assert not any(step.done() for step in steps)
    commits = _commits(db)
    finish.set()
    await batch
    ran_on = await asyncio.gather(*steps)

    assert set(ran_on) == {threading.get_ident()}
    assert commits == ["COMMIT", "COMMIT"]  # the batch's, then the five steps' one
    assert await db.read(_notes) == ["setup", "batch"] + [f"resident {n}" for n in range(5)]


WAIT = 5.0  # seconds: a step still waiting by then was never woken (a failure, not a hang)


async def _until(condition: Callable[[], bool]) -> None:
    """Poll what the database's own code changes (it sets no event for a test to wait on)."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def _step_waiting_for_a_batch(
    db: Database,
) -> tuple[asyncio.Task[None], threading.Event, asyncio.Task[int]]:
    """After "setup": a batch holding the writer thread (set the event to end it), and a step
    ("step") waiting for it."""
    await db.write(_note, "setup")
    batch, finish = await _batch_in_the_writer_thread(db)
    step = asyncio.create_task(db.write_quick(_note, "step"))
    await _until(lambda: bool(db._waiting))
    return batch, finish, step


async def _spurious_wake_while_held(
    db: Database, *, thread_work: bool
) -> tuple[asyncio.Task[int], threading.Event, asyncio.Future[None]]:
    """A step waiting for a holder that wakes it while still holding the writer (as if it had
    let go and taken it again at once); the holder is the writer thread's own work if
    `thread_work`, else another thread (as the checkpointer is). Set the event to let go."""
    held, woken, finish = threading.Event(), threading.Event(), threading.Event()

    def hold(*_: object) -> None:
        held.set()
        woken.wait(WAIT)
        db._let_go()
        finish.wait(WAIT)

    def checkpointer() -> None:
        try:
            with db._writer_lock:
                hold()
        finally:
            db._let_go()

    wakes = []
    wake = db._wake_waiting

    def counted() -> None:
        wakes.append(1)
        wake()

    db._wake_waiting = counted  # type: ignore[method-assign]
    holder: asyncio.Future[None] = (
        asyncio.ensure_future(db._on_writer(hold))
        if thread_work
        else asyncio.ensure_future(asyncio.to_thread(checkpointer))
    )
    assert await asyncio.to_thread(held.wait, WAIT)
    step = asyncio.create_task(db.write_quick(_note, "step"))
    await _until(lambda: bool(db._waiting))
    woken.set()
    await _until(lambda: bool(wakes))  # woken (spuriously), and then...
    return step, finish, holder


async def test_a_step_woken_while_the_checkpointer_still_holds_the_writer_waits_again(
    db: Database,
) -> None:
    await db.write(_note, "setup")
    step, finish, holder = await _spurious_wake_while_held(db, thread_work=False)

    await _until(lambda: bool(db._waiting))  # ...waits again, not queued in the thread
    assert not db._thread_holds
    finish.set()
    await holder
    assert await asyncio.wait_for(step, WAIT) == threading.get_ident()
    assert await db.read(_notes) == ["setup", "step"]


async def test_a_step_woken_while_the_writer_thread_has_work_queues_there_behind_it(
    db: Database,
) -> None:
    # It waits for the thread to let go, not for as long as the thread has work.
    await db.write(_note, "setup")
    step, finish, holder = await _spurious_wake_while_held(db, thread_work=True)

    await _until(lambda: not db._steps_waiting)  # ...queued behind the holder's work
    finish.set()
    await holder
    assert await asyncio.wait_for(step, WAIT) != threading.get_ident()
    assert await db.read(_notes) == ["setup", "step"]


async def test_a_step_woken_as_the_checkpointer_takes_over_from_the_writer_thread_runs_on_the_loop(
    db: Database,
) -> None:
    # The writer thread lets go and the checkpointer, blocked on the writer, takes it: the
    # step waits for the checkpointer too, and does not queue in the thread for nothing.
    batch, finish, step = await _step_waiting_for_a_batch(db)
    taken, give_back = threading.Event(), threading.Event()

    def checkpointer() -> None:
        try:
            with db._writer_lock:  # blocked until the batch lets go (or the step, if first)
                taken.set()
                give_back.wait(WAIT)
        finally:
            db._let_go()

    checkpoint = asyncio.ensure_future(asyncio.to_thread(checkpointer))
    await asyncio.sleep(0.05)
    finish.set()
    await batch
    assert await asyncio.to_thread(taken.wait, WAIT)
    give_back.set()
    await asyncio.wait_for(checkpoint, WAIT)

    assert await asyncio.wait_for(step, WAIT) == threading.get_ident()
    assert await db.read(_notes) == ["setup", "batch", "step"]


async def test_a_step_goes_ahead_of_the_next_write_of_the_coroutine_it_waited_for(
    db: Database,
) -> None:
    # A broadcast's sender writes one batch after another; the step that waited for one goes
    # before the next, on the loop, not behind it in the thread.
    batch, finish, step = await _step_waiting_for_a_batch(db)

    async def next_batch() -> None:
        await batch
        await db.write(_note, "next batch")

    sender = asyncio.create_task(next_batch())
    finish.set()
    await asyncio.wait_for(sender, WAIT)

    assert await asyncio.wait_for(step, WAIT) == threading.get_ident()
    assert await db.read(_notes) == ["setup", "batch", "step", "next batch"]


async def test_a_step_waiting_when_the_database_closes_is_saved(db: Database) -> None:
    batch, finish, step = await _step_waiting_for_a_batch(db)

    closing = asyncio.create_task(db.close())
    await asyncio.sleep(0.05)
    finish.set()
    await asyncio.wait_for(closing, WAIT)
    await batch
    await asyncio.wait_for(step, WAIT)

    with contextlib.closing(sqlite3.connect(db.path)) as conn:
        assert _notes(conn) == ["setup", "batch", "step"]


async def test_a_waiting_step_cancelled_is_not_saved_and_the_others_are(db: Database) -> None:
    await db.write(_note, "setup")
    batch, finish = await _batch_in_the_writer_thread(db)
    kept = asyncio.create_task(db.write_quick(_note, "kept"))
    dropped = asyncio.create_task(db.write_quick(_note, "dropped"))
    await _until(lambda: len(db._waiting) == 2)

    dropped.cancel()
    await _until(lambda: len(db._waiting) == 1)
    finish.set()
    await batch

    assert await asyncio.wait_for(kept, WAIT) == threading.get_ident()
    assert dropped.cancelled()
    assert await db.read(_notes) == ["setup", "batch", "kept"]


class _LetGoAtOnce:
    """The writer lock, as if a thread held it at a step's first look and let go at once."""

    def __init__(self, lock: threading.Lock) -> None:
        self.lock, self.refused = lock, False

    def acquire(self, blocking: bool = True) -> bool:
        if not blocking and not self.refused:
            self.refused = True
            return False
        return self.lock.acquire(blocking)

    def release(self) -> None:
        self.lock.release()

    def locked(self) -> bool:
        return self.lock.locked()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


async def test_a_step_that_finds_the_writer_free_again_at_its_second_look_runs_on_the_loop(
    db: Database,
) -> None:
    await db.write(_note, "setup")
    db._writer_lock = _LetGoAtOnce(db._writer_lock)  # type: ignore[assignment]

    assert await asyncio.wait_for(db.write_quick(_note, "step"), WAIT) == threading.get_ident()
    assert await db.read(_notes) == ["setup", "step"]


class _SlowLastPass:
    """The checkpointer's connection, its pass with the writer held kept going until told."""

    def __init__(self, conn: sqlite3.Connection, db: Database) -> None:
        self.conn, self.db = conn, db
        self.holding, self.finish = threading.Event(), threading.Event()

    def execute(self, sql: str) -> sqlite3.Cursor:
        if self.db._writer_lock.locked():
            self.holding.set()
            self.finish.wait(10)
        return self.conn.execute(sql)


async def test_a_step_waiting_for_the_checkpointers_last_pass_runs_on_the_loop_after_it(
    db: Database,
) -> None:
    # The checkpointer copies what was committed during its first pass with the writer held
    # (about a millisecond); a step meeting it used to go to the writer thread.
    await db.write(_note, "setup")
    slow = _SlowLastPass(sqlite3.connect(db.path, check_same_thread=False), db)
    db._checkpointer = slow  # type: ignore[assignment]
    try:
        checkpoint = asyncio.create_task(asyncio.to_thread(db._checkpoint))
        assert await asyncio.to_thread(slow.holding.wait, 5)
        step = asyncio.create_task(db.write_quick(_note, "step"))
        await asyncio.sleep(0.05)
        assert not step.done()
        slow.finish.set()
        await asyncio.wait_for(checkpoint, WAIT)
        assert await asyncio.wait_for(step, WAIT) == threading.get_ident()
        assert await db.read(_notes) == ["setup", "step"]
    finally:
        db._checkpointer = None
        slow.conn.close()


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


def _commits(db: Database) -> list[str]:
    """Every COMMIT the writer connection runs from now on."""
    seen: list[str] = []
    assert db._writer is not None
    db._writer.set_trace_callback(
        lambda sql: seen.append(sql) if sql.startswith("COMMIT") else None
    )
    return seen


async def _step(db: Database, happened: list[str], text: str, *, last: bool = False) -> None:
    """A resident's step (marked the last of its turn if `last`), noting when it returned."""
    if last:
        last_step_of_turn.set(True)  # in this task's own context, as the update processor does
    await db.write_quick(_note, text)
    happened.append(f"{text} returned")  # its reply would be sent now


async def test_steps_in_one_turn_of_the_loop_share_one_commit_and_each_waits_for_it(
    db: Database,
) -> None:
    await db.write(_note, "setup")
    happened = _commits(db)

    await asyncio.gather(*(_step(db, happened, f"resident {n}") for n in range(5)))

    assert happened[0] == "COMMIT"  # before any step returned
    assert sorted(happened[1:]) == [f"resident {n} returned" for n in range(5)]
    assert await db.read(_notes) == ["setup"] + [f"resident {n}" for n in range(5)]


async def test_at_most_so_many_steps_share_a_commit(db: Database) -> None:
    await db.write(_note, "setup")
    commits = _commits(db)

    await asyncio.gather(*(db.write_quick(_note, str(n)) for n in range(STEPS_A_COMMIT + 4)))

    assert commits == ["COMMIT", "COMMIT"]  # STEPS_A_COMMIT, then the last four
    assert await db.read(_notes) == ["setup"] + [str(n) for n in range(STEPS_A_COMMIT + 4)]


async def test_the_last_step_of_a_turn_commits_at_once_without_a_turn_of_the_loop(
    db: Database,
) -> None:
    await db.write(_note, "setup")
    commits = _commits(db)
    later: list[str] = []
    seen: list[list[str]] = []

    async def step() -> None:
        await _step(db, [], "alone", last=True)
        seen.append([*commits, *later])  # what had happened by the time it returned

    task = asyncio.create_task(step())
    asyncio.get_running_loop().call_soon(later.append, "the rest of the turn")
    await task

    assert seen == [["COMMIT"]]  # committed, and nothing else of the turn ran meanwhile
    assert await db.read(_notes) == ["setup", "alone"]


async def test_the_last_step_of_a_turn_commits_the_steps_before_it_and_nobody_waits_longer(
    db: Database,
) -> None:
    await db.write(_note, "setup")
    happened = _commits(db)

    await asyncio.gather(
        _step(db, happened, "first"),
        _step(db, happened, "second"),
        _step(db, happened, "last", last=True),
        _step(db, happened, "after"),
    )

    # One commit for the three, made by the last as it joined: it returns at once, the two
    # before it a turn later; a step after it in the turn begins a transaction of its own.
    assert happened[:2] == ["COMMIT", "last returned"]
    assert sorted(happened[2:]) == ["COMMIT", "after returned", "first returned", "second returned"]
    assert happened.count("COMMIT") == 2
    assert await db.read(_notes) == ["setup", "first", "second", "last", "after"]


async def test_the_mark_is_for_the_steps_first_write_only(db: Database) -> None:
    await db.write(_note, "setup")
    commits = _commits(db)
    order: list[str] = []

    async def update() -> None:
        last_step_of_turn.set(True)
        await db.write_quick(_note, "step")
        order.append("step committed")
        await db.write_quick(_note, "its second write")  # shares a turn like any other
        order.append("second committed")

    async def other() -> None:  # begins in the same turn, after the update's first write
        await db.write_quick(_note, "another resident")
        order.append("other committed")

    await asyncio.gather(update(), other())

    # The step alone; then its second write and the other's, together, a turn later.
    assert commits == ["COMMIT", "COMMIT"]
    assert await db.read(_notes) == ["setup", "step", "its second write", "another resident"]
    assert order[0] == "step committed"


async def test_a_marked_step_that_waited_for_a_thread_waits_for_those_woken_with_it(
    db: Database,
) -> None:
    # The mark is about the turn its update began in; woken later, with others that waited,
    # it shares their commit as any step does.
    await db.write(_note, "setup")
    batch, finish = await _batch_in_the_writer_thread(db)
    happened: list[str] = []
    steps = [asyncio.create_task(_step(db, happened, "marked", last=True))]
    steps += [asyncio.create_task(_step(db, happened, f"resident {n}")) for n in range(3)]
    await _until(lambda: len(db._waiting) == 4)
    commits = _commits(db)
    finish.set()
    await batch
    await asyncio.gather(*steps)

    assert commits == ["COMMIT", "COMMIT"]  # the batch's, then the four steps' one
    assert await db.read(_notes) == ["setup", "batch", "marked"] + [
        f"resident {n}" for n in range(3)
    ]


async def test_a_step_that_fails_among_others_undoes_only_its_own_work(db: Database) -> None:
    await db.write(_note, "setup")

    def half_done(conn: sqlite3.Connection) -> None:
        _note(conn, "half")
        raise ValueError("the step went wrong")

    first, failed, last = await asyncio.gather(
        db.write_quick(_note, "first"),
        db.write_quick(half_done),
        db.write_quick(_note, "last"),
        return_exceptions=True,
    )

    assert isinstance(failed, ValueError)
    assert first == last == threading.get_ident()
    assert await db.read(_notes) == ["setup", "first", "last"]
    await db.write_quick(_note, "next")  # the connection is free again
    assert await db.read(_notes) == ["setup", "first", "last", "next"]


async def test_when_a_step_takes_the_whole_transaction_with_it_every_step_is_told(
    db: Database,
) -> None:
    await db.write(_note, "setup")

    def ruinous(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")  # as SQLite itself does on some errors (a full disk)
        raise sqlite3.OperationalError("database or disk is full")

    first, failed, last = await asyncio.gather(
        db.write_quick(_note, "first"),
        db.write_quick(ruinous),
        db.write_quick(_note, "last"),
        return_exceptions=True,
    )

    assert isinstance(failed, sqlite3.OperationalError)
    assert "disk is full" in str(failed)
    # "first" had been written before and was rolled back with it: its caller is not told it
    # was saved. "last" began a transaction of its own and was.
    assert isinstance(first, sqlite3.OperationalError)
    assert "disk is full" in str(first)
    assert last == threading.get_ident()
    assert await db.read(_notes) == ["setup", "last"]


async def test_a_step_whose_work_cannot_be_released_fails_with_the_others(db: Database) -> None:
    await db.write(_note, "setup")

    def leaves_a_statement_running(conn: sqlite3.Connection) -> sqlite3.Cursor:
        # Its rows are written, its statement not finished: SQLite cannot end its savepoint.
        return conn.execute("INSERT INTO notes (text) VALUES ('j1'), ('j2') RETURNING text")

    first, running = await asyncio.gather(
        db.write_quick(_note, "first"),
        db.write_quick(leaves_a_statement_running),
        return_exceptions=True,
    )

    # Told it failed, and it did: nothing of it (nor of the step it shared a commit with) saved.
    assert isinstance(running, sqlite3.OperationalError)
    assert isinstance(first, sqlite3.OperationalError)
    assert await db.read(_notes) == ["setup"]
    await db.write_quick(_note, "next")
    assert await db.read(_notes) == ["setup", "next"]


async def test_a_commit_that_fails_fails_every_step_in_it_and_saves_none(db: Database) -> None:
    await db.write(_note, "setup")

    def violates_at_commit(conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS child (id INTEGER PRIMARY KEY, parent INTEGER "
            "REFERENCES child (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        conn.execute("INSERT INTO child (parent) VALUES (999)")  # fails only at COMMIT

    outcomes = await asyncio.gather(
        db.write_quick(violates_at_commit),
        db.write_quick(_note, "second"),
        return_exceptions=True,
    )

    assert isinstance(outcomes[0], sqlite3.IntegrityError)
    assert isinstance(outcomes[1], sqlite3.OperationalError)
    assert "FOREIGN KEY" in str(outcomes[1])
    assert await db.read(_notes) == ["setup"]
    await db.write_quick(_note, "next")
    assert await db.read(_notes) == ["setup", "next"]


async def test_a_step_whose_caller_is_cancelled_is_saved_with_the_others(db: Database) -> None:
    await db.write(_note, "setup")
    first = asyncio.create_task(db.write_quick(_note, "first"))
    second = asyncio.create_task(db.write_quick(_note, "second"))
    await asyncio.sleep(0)  # both have run their work; the commit is the loop's next turn
    first.cancel()
    second.cancel()

    for task in (first, second):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await db.read(_notes) == ["setup", "first", "second"]
    await db.write_quick(_note, "next")
    assert await db.read(_notes) == ["setup", "first", "second", "next"]


async def test_closing_saves_the_steps_of_the_turn_in_progress(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "closing.sqlite3")
    await db.write(_note, "setup")
    steps = [asyncio.create_task(db.write_quick(_note, f"step {n}")) for n in range(3)]
    await asyncio.sleep(0)  # their work is done, the commit not yet
    committed_by: list[object] = []
    assert db._writer is not None
    db._writer.set_trace_callback(
        lambda sql: committed_by.append(asyncio.current_task()) if sql == "COMMIT" else None
    )
    await db.close()
    await asyncio.gather(*steps)

    assert committed_by == [asyncio.current_task()]  # by close(), not by a step afterwards

    reopened = await Database.open(tmp_path / "closing.sqlite3")
    try:
        assert await reopened.read(_notes) == ["setup", "step 0", "step 1", "step 2"]
    finally:
        await reopened.close()


async def test_a_transaction_a_failed_rollback_left_open_is_ended_before_the_next_write(
    db: Database,
) -> None:
    await db.write(_note, "setup")
    assert db._writer is not None
    db._writer.execute("BEGIN")  # as a ROLLBACK that failed (a disk error) would leave it
    db._writer.execute("INSERT INTO notes (text) VALUES ('never committed')")

    await db.write(_note, "next")  # not "cannot start a transaction within a transaction"

    assert await db.read(_notes) == ["setup", "next"]


async def test_closing_closes_every_connection_even_when_the_last_commit_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await Database.open(tmp_path / "failing.sqlite3")
    await db.write(_note, "setup")
    step = asyncio.create_task(db.write_quick(_note, "step"))
    await asyncio.sleep(0)  # its work is done, the commit not yet

    def broken(batch: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db, "_commit_steps", broken)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        await db.close()

    assert db._writer is None  # closed all the same
    with pytest.raises(sqlite3.OperationalError):
        await step
