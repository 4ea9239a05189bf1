"""The database: one SQLite file, one writer thread, a few reader threads, a checkpointer.

Every piece of work is a plain function of a `Tx` (an open transaction), run in one hop to a
database thread: `await db.write(fn, ...)` runs it inside BEGIN IMMEDIATE ... COMMIT on the one
writer connection, `await db.read(fn, ...)` inside a read transaction on a reader connection
(WAL lets readers work beside the writer, so a long report never holds up a resident's tap).
`await db.write_quick(fn, ...)`, for a resident's step, runs it right there on the event loop
when the writer connection is free, and makes no hop at all; the steps that one turn of the loop
runs share one transaction, each in a savepoint of its own, and one COMMIT.

Why not aiosqlite: it sends each statement to its thread separately, so a tap that reads and
writes a handful of rows pays a handful of thread round trips and holds a lock across them;
here a whole step (read, decide, write) is one round trip, and no work's transaction is left
open across an `await` (the steps' shared one stays open for one turn of the loop, the writer
held, with no step's work half done in it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Concatenate, NewType, ParamSpec, TypeVar

from bot.store import migrate, places

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
# An open transaction: what `write` and `read` hand the work they run. Only bot/store/ runs
# statements on it; the layers above pass it on to store functions and never see SQL.
Tx = NewType("Tx", sqlite3.Connection)
Work = Callable[Concatenate[Tx, P], T]

READERS = 2
# This often (seconds), and only after writes, a thread of its own copies what the
# write-ahead log holds into the database file (a checkpoint). Left to SQLite, the commit that
# fills the log to 1,000 pages does it, and its two fsyncs held up every resident's tap
# behind that commit for 10-20 ms.
CHECKPOINT_EVERY = 1.0
# ...or sooner, once this many commits have been made since the last began. A step alone
# commits about a dozen pages of log, so at 1,000 steps a second the log reached the backstop
# below in 0.8 s, and the backstop's checkpoint ran in a step's commit on the event loop: 25-32
# ms, every second (bench/commits.py --rate 1000). 250 commits: about 3,000 pages of steps one
# at a time, 6,000 of steps sharing commits (about 25 pages for 15). Counting steps instead
# ran it several times as often when they shared commits, and the steps that its writer-held
# pass sent to the writer thread shared none: ours' CPU a step saturated 0.78-0.83 ms against
# 0.65-0.68 (bench/throughput.py --paced none, alternated).
CHECKPOINT_AFTER_COMMITS = 250
# The checkpointer copies the log in at most this many passes without holding the writer,
# and holds it (every resident's write waiting) only once they have copied all of it, to
# start the log again, or once the log has grown to this many pages (steps committing faster
# than the disk syncs).
CHECKPOINT_PASSES = 4
CHECKPOINT_HOLD_AT = 5_000
# SQLite's own checkpoint in the commit stays as a backstop, at this many pages of log, should
# the checkpointer fail (a reader on an old snapshot holds up both alike, until it ends).
CHECKPOINT_BACKSTOP = 10_000
# At most this many residents' steps share a commit (Database.write_quick): the first step's
# reply waits for the others' work, about 0.2 ms each. 16 at a time cost 30% less CPU a step
# than one at a time (bench/commits.py --together 16).
STEPS_A_COMMIT = 16
# Prepared statements kept per connection; the hot path uses a few dozen distinct ones.
STATEMENT_CACHE = 256
# Pages of the file each connection keeps, in KiB (SQLite's default is 2,000). A broadcast
# fills every connection's cache, and emptying them afterwards (`shrink_caches`) does not give
# all of it back to the system (the C allocator keeps pages shared with what the threads
# allocated meanwhile). A quarter of the default: RSS after a results broadcast at 1000/s
# 0.9 MB lower and its peak 3 MB lower, rate, CPU a message and `/delete` unchanged
# (bench/README.md, "At a832864"). The database's pages stay in the system's file cache.
PAGE_CACHE_KIB = 500
# True in the task of a resident's update that the update processor marks as the last to begin
# in this turn of the event loop (the last that one answer to getUpdates brought): its step
# commits at once, with the steps that began before it in this turn, instead of waiting for
# the rest of the turn, in which no other update of its answer begins (Database.write_quick).
# Its first write takes it; nobody's is ever committed before their work is in.
last_step_of_turn: ContextVar[bool] = ContextVar("last_step_of_turn", default=False)


def _area_key(area: str | None) -> str:
    return places.area_key(area or "")


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with our settings; transactions are begun and ended explicitly."""
    conn = sqlite3.connect(
        path,
        isolation_level=None,
        check_same_thread=False,  # each is used by one thread at a time (see Database)
        cached_statements=STATEMENT_CACHE,
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")  # negative: KiB, not pages
    # Areas residents typed compared in SQL as everywhere else (case and spacing aside, "Ynys
    # Môn" and "YNYS  MÔN" one area): SQLite's own lower() changes only A to Z.
    conn.create_function("area_key", 1, _area_key, deterministic=True)
    if readonly:
        conn.execute("PRAGMA query_only=ON")
    return conn


def _start_log_again(conn: sqlite3.Connection) -> None:
    """Once a checkpoint has copied all of the write-ahead log, write one page so that SQLite
    starts the log again from its beginning here (it does so in the first write after such a
    checkpoint), syncing the log's new header. The page: the file's header, the unused
    `user_version` written back unchanged. Skipped if another process is writing."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # busy: the next step's commit starts it again instead
        return
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        conn.execute(f"PRAGMA user_version={int(version)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # (a failed COMMIT may have rolled it back already)
            with contextlib.suppress(sqlite3.Error):  # the first error is the one to tell
                conn.execute("ROLLBACK")
        raise


def _end_stale(writer: sqlite3.Connection) -> None:
    """Roll back a transaction a failed rollback left open (a disk error), before the next;
    else every later write would fail to begin, and the open one hold the file's write lock."""
    if writer.in_transaction:
        log.warning("the writer's last transaction was still open: rolled back")
        writer.execute("ROLLBACK")


class CannotOpen(Exception):
    """The database file cannot be made or opened where the settings put it."""


@dataclass(slots=True)
class _Steps:
    """Residents' steps sharing one transaction (Database.write_quick), committed by the first
    a turn of the loop later, by the STEPS_A_COMMIT-th, by a step marked the last of its turn
    (`last_step_of_turn`), or by close()."""

    waiting: list[asyncio.Future[None]] = field(default_factory=list)  # the later steps
    error: BaseException | None = None  # why it was rolled back, if it was


@dataclass(slots=True)
class _Reader:
    """A reader thread's connection; `in_use` is held while it runs a read."""

    conn: sqlite3.Connection
    in_use: threading.Lock = field(default_factory=threading.Lock)


class Database:
    """The bot's SQLite database. Open with `await Database.open(path)`; close when done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer_pool = ThreadPoolExecutor(1, thread_name_prefix="db-writer")
        self._reader_pool = ThreadPoolExecutor(READERS, thread_name_prefix="db-reader")
        self._writer: sqlite3.Connection | None = None
        self._readers: dict[int, _Reader] = {}
        self._readers_lock = threading.Lock()
        self._checkpoint_pool = ThreadPoolExecutor(1, thread_name_prefix="db-checkpoint")
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointing: asyncio.Future[None] | None = None
        self._checkpointed_at = -math.inf  # event loop time
        self._commits = 0  # since the last checkpoint began
        self._writer_lock = threading.Lock()  # held while the writer connection is in use
        self._batch: _Steps | None = None  # residents' steps' transaction, open on the loop
        # Steps that found a thread holding the writer, waiting for it to let go (write_quick):
        # each step's own future, resolved on the loop (`_wake_waiting`) when a thread does.
        self._waiting: list[asyncio.Future[None]] = []
        self._steps_waiting = 0  # steps in `_thread_lets_go`, until they go on
        self._steps_gone: asyncio.Event | None = None  # set when none are, once closing
        # Whether the writer thread holds the writer (set and cleared by that thread only): a
        # woken step that finds it taken again queues there, behind the thread's work.
        self._thread_holds = False
        self._closed = False

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating if needed) the database and bring its schema up to date."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CannotOpen(f"cannot make the folder {path.parent}: {exc.strerror}") from None
        db = cls(path)
        try:
            await db._on_writer(db._open_writer)
        except (OSError, sqlite3.DatabaseError) as exc:  # "file is not a database" too
            opened = db._writer is not None  # then a migration failed: not about the file
            await db.close()
            if opened:
                raise
            raise CannotOpen(f"cannot open {path}: {exc}") from None
        except BaseException:
            await db.close()
            raise
        return db

    def _open_writer(self) -> None:
        conn = connect(self.path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_BACKSTOP}")
        self._writer = conn
        migrate.upgrade(conn)
        # A step in a savepoint keeps a copy of each page it changes (freed when it ends).
        # SQLite moves the copies to a temporary file once one step's pass 64 KiB, and the
        # transaction's later steps then write theirs there too: 16 steps sharing a commit
        # cost no less CPU each than one alone, and 30% less with the copies in memory. After
        # the migrations: an index they build on a large table sorts in files, not memory.
        conn.execute("PRAGMA temp_store=MEMORY")

    async def close(self) -> None:
        """Finish queued work, then close every connection."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._batch is not None:  # steps waiting for the loop's next turn: save them
                self._commit_steps(self._batch)
            if self._steps_waiting:
                # Steps waiting for a thread to let the writer go (or woken, and not yet gone
                # on): they queue in the writer thread, which finishes its queue before
                # closing. Each queues in the same turn of the loop as it goes on.
                gone = self._steps_gone = asyncio.Event()
                self._wake_waiting()
                await gone.wait()
        finally:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._shutdown)

    def _shutdown(self) -> None:
        self._writer_pool.shutdown(wait=True)
        self._reader_pool.shutdown(wait=True)
        self._checkpoint_pool.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        if self._writer is not None:  # the last to close: SQLite checkpoints and removes the log
            self._writer.close()
            self._writer = None
        for reader in self._readers.values():
            reader.conn.close()
        self._readers.clear()

    async def shrink_caches(self) -> None:
        """Let every connection give back the page cache its reads filled.

        Each connection keeps up to PAGE_CACHE_KIB of pages it has read, for good: after a
        broadcast to thousands of people all of them are full, memory the bot holds while
        idle. SQLite reads a page again from the file (usually still in the system's file
        cache) when next needed. A reader in the middle of a read keeps its cache; nobody
        waits for it.
        """
        await self._on_writer(self._shrink_all)

    def _shrink_all(self) -> None:
        assert self._writer is not None, "the database is not open"
        self._writer.execute("PRAGMA shrink_memory")
        with self._readers_lock:
            readers = list(self._readers.values())
        for reader in readers:
            if reader.in_use.acquire(blocking=False):
                try:
                    reader.conn.execute("PRAGMA shrink_memory")
                finally:
                    reader.in_use.release()

    # -- work ------------------------------------------------------------------------------

    async def write(self, fn: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn(conn, ...)` in one write transaction (committed, or rolled back if it
        raises); everything it reads is consistent with what it writes."""
        return await self._in_writer_thread(fn, args, kwargs)

    async def write_quick(self, fn: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`write` for work that takes well under a millisecond: a resident's step.

        When the writer connection is free it runs here, on the event loop, saving the hop to
        the writer thread and back: a thread to wake, the interpreter's lock to hand over
        twice, the loop to wake (bench/throughput.py: 1.74 against 2.19 ms of CPU a step).
        When a thread has the connection (a broadcast's batch, the checkpointer's last pass)
        the step waits for it to let go, then runs here as above, with the others that waited
        (ahead of the coroutine whose write it was: the wake-up is queued on the loop before
        that write's own result). If the connection is taken again by then, the step waits
        again, unless the writer thread has work queued: then it queues there behind it, like
        any write, so that a broadcast's batches and the steps take turns. It may go ahead of
        writes queued but not yet begun: none waits on another's order. Sent straight to the
        writer thread, one step kept the connection there for the next: each step alone in its
        transaction, each of the thread's statements waiting for the event loop to hand over
        the interpreter's lock (up to 5 ms), so that the steps arriving meanwhile followed it
        there, 0.5-6 ms each, for as long as they came faster than that (cascades of 100-300 ms
        and up to 125 ms a step at 675 steps a second, every few seconds, most of them started
        by the checkpointer's pass of a millisecond; bench/README.md, "At 305d95c, 5cecb09,
        4b4b17a and 819ec62").

        Group commit: the first step begins a transaction and lets the loop finish its turn;
        every step the other residents' updates run meanwhile joins it in a savepoint of its
        own, and the first commits them all. A COMMIT writes each page the steps changed
        once, however many of them changed it (the answers' indexes' last pages, the log's
        header): about 85 µs of a step's 210 when alone, when the steps are saturating the
        loop or catching up after the machine took its CPU away. A step's own error rolls
        back its savepoint only; a failed COMMIT (a full disk, say) fails every step in it.
        Each caller returns only once its work is committed, so nothing is replied to that
        is not saved. The first step's reply waits for the others' work (about 0.2 ms each),
        so the STEPS_A_COMMIT-th commits them all there and then. So does a step the update
        processor marked as the last of its turn (`last_step_of_turn`), unless it had to wait
        for a thread: the rest of the turn would only have kept the steps waiting, the first
        of them for a whole turn of the loop (0.3-0.6 ms, more on a busy machine, where a
        resident's one step was alone in most commits).

        The loop waits for each step's work, so never use it for work that grows with the
        data; nor while another process may hold the database's write lock for long (the
        loop would wait for that too: a command-line staff action takes milliseconds).
        """
        if self._closed:
            raise RuntimeError("the database is closed")
        last = last_step_of_turn.get()
        if last:  # the step's own, not its update's later writes' (they come turns later)
            last_step_of_turn.set(False)
        waited = False
        while True:
            if self._closed:  # it waited, and was queued before closing: saved as queued
                return await self._in_writer_thread(fn, args, kwargs, closing=True)
            batch = self._batch
            if batch is not None:  # a step earlier in this turn of the loop has it open
                result = self._in_savepoint(batch, fn, args, kwargs)
                committed = asyncio.get_running_loop().create_future()
                batch.waiting.append(committed)
                if (last and not waited) or len(batch.waiting) + 1 >= STEPS_A_COMMIT:
                    self._commit_steps(batch)  # its outcome is in `committed`, as the others'
                await committed
                return result
            if self._writer_lock.acquire(blocking=False):
                break
            # A thread has the writer (the loop's own steps never hold it across an await
            # without a batch open).
            if waited and self._thread_holds:
                return await self._in_writer_thread(fn, args, kwargs, closing=False)
            await self._thread_lets_go()
            waited = True
        try:
            result = self._open_steps(fn, args, kwargs)
        except BaseException:
            self._writer_lock.release()
            raise
        batch = self._batch = _Steps()
        try:
            if not last or waited:  # (after a wait for a thread, the turn is another)
                await asyncio.sleep(0)  # the rest of this turn of the loop: its steps join in
        finally:
            failed = self._commit_steps(batch)  # even if cancelled: the others wait for it
        if failed is not None:
            raise failed
        if batch.error is not None:  # a joined step's failure took the transaction with it
            raise batch.error
        return result

    def _open_steps(self, fn: Work[P, T], args: tuple[object, ...], kwargs: dict[str, object]) -> T:
        """Begin the steps' transaction with the first step's work (rolled back if it raises)."""
        return self._begun("BEGIN IMMEDIATE", fn, args, kwargs)

    def _begun(
        self, begin: str, fn: Work[P, T], args: tuple[object, ...], kwargs: dict[str, object]
    ) -> T:
        """Begin a transaction on the writer and run `fn` in it; rolled back if it raises."""
        conn = self._writer
        assert conn is not None, "the database is not open"
        _end_stale(conn)
        conn.execute(begin)
        try:
            return fn(Tx(conn), *args, **kwargs)  # type: ignore[arg-type]
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _in_savepoint(
        self, batch: _Steps, fn: Work[P, T], args: tuple[object, ...], kwargs: dict[str, object]
    ) -> T:
        """A later step's work in the open transaction; only its own is undone if it raises."""
        conn = self._writer
        assert conn is not None, "the database is not open"
        conn.execute("SAVEPOINT step")
        try:
            result = fn(Tx(conn), *args, **kwargs)  # type: ignore[arg-type]
        except BaseException as error:
            try:
                conn.execute("ROLLBACK TO step")
                conn.execute("RELEASE step")
            except BaseException:
                # SQLite rolled back the whole transaction (some errors do: a full disk), and
                # the other steps' work with it: they are told.
                self._end_steps(batch, error)
            raise
        try:
            conn.execute("RELEASE step")
        except BaseException as error:
            # Its work cannot be committed apart from the others' (SQLite refuses while a
            # statement of it is still running): none is saved, and every step is told.
            del result  # a cursor it returned, kept by the traceback, would keep it running
            self._end_steps(batch, error)
            raise
        return result

    def _commit_steps(self, batch: _Steps) -> BaseException | None:
        """Commit the steps' transaction; the error if it could not (it is rolled back)."""
        if self._batch is not batch:  # ended already (by close, or a step's failure)
            return None
        conn = self._writer
        assert conn is not None, "the database is not open"
        try:
            conn.execute("COMMIT")
        except BaseException as error:
            self._end_steps(batch, error)
            return error
        self._batch = None
        self._writer_lock.release()
        for committed in batch.waiting:
            if not committed.done():  # else its caller was cancelled: its work is saved anyway
                committed.set_result(None)
        self._checkpoint_soon()
        return None

    def _end_steps(self, batch: _Steps, error: BaseException) -> None:
        """Roll back the steps' transaction; every step in it gets an error."""
        conn = self._writer
        self._batch = None
        try:
            if conn is not None and conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error as failed:  # the next write rolls it back first (_end_stale)
            log.warning("the steps' transaction could not be rolled back: %s", failed)
        finally:
            self._writer_lock.release()
            batch.error = sqlite3.OperationalError(f"the steps' transaction failed: {error}")
            batch.error.__cause__ = error
            for committed in batch.waiting:
                if not committed.done():
                    committed.set_exception(batch.error)

    async def read(self, fn: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn(conn, ...)` in one read transaction on a reader connection."""
        loop = asyncio.get_running_loop()
        call = functools.partial(self._read, fn, args, kwargs)
        return await loop.run_in_executor(self._reader_pool, call)

    def _read(self, fn: Work[P, T], args: tuple[object, ...], kwargs: dict[str, object]) -> T:
        reader = self._reader()
        with reader.in_use:
            conn = reader.conn
            conn.execute("BEGIN")
            try:
                return fn(Tx(conn), *args, **kwargs)  # type: ignore[arg-type]
            finally:
                conn.execute("COMMIT")

    def _reader(self) -> _Reader:
        ident = threading.get_ident()
        reader = self._readers.get(ident)
        if reader is None:
            reader = _Reader(connect(self.path, readonly=True))
            with self._readers_lock:
                self._readers[ident] = reader
        return reader

    def _checkpoint_soon(self) -> None:
        """After a commit, start a checkpoint unless one is running, or one started under
        CHECKPOINT_EVERY ago and fewer than CHECKPOINT_AFTER_COMMITS commits since.

        PASSIVE: it copies what no reader still needs and waits for nobody; the writer goes
        on appending meanwhile, and the log is reused from its start once all of it is in.
        """
        loop = asyncio.get_running_loop()
        self._commits += 1
        if (
            self._closed
            or self._checkpointing is not None
            or (
                loop.time() - self._checkpointed_at < CHECKPOINT_EVERY
                and self._commits < CHECKPOINT_AFTER_COMMITS
            )
        ):
            return
        self._checkpointed_at, self._commits = loop.time(), 0
        self._checkpointing = loop.run_in_executor(self._checkpoint_pool, self._checkpoint)
        self._checkpointing.add_done_callback(self._checkpoint_done)

    def _checkpoint(self) -> None:
        conn = self._checkpointer
        if conn is None:
            conn = self._checkpointer = connect(self.path)
            # Its one write (below) is skipped, not waited for, while another process writes:
            # residents' steps would be waiting behind it.
            conn.execute("PRAGMA busy_timeout=0")
        # Most of the log is copied while residents' steps go on committing, then what they
        # committed meanwhile, until nothing was (a pass of a few pages takes well under a
        # millisecond; steps commit every few).
        for _ in range(CHECKPOINT_PASSES):
            (version,) = conn.execute("PRAGMA data_version").fetchone()
            _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if copied >= frames and conn.execute("PRAGMA data_version").fetchone()[0] == version:
                break
        else:
            # Steps commit faster than a pass syncs the disk: try again next time, unless the
            # log has grown long (SQLite's backstop would checkpoint it in a step's commit).
            if frames < CHECKPOINT_HOLD_AT:
                return
        if frames <= 0:
            return
        try:
            with self._writer_lock:
                # With the writer held: whatever came since (mostly nothing: no copy, no
                # sync), and then the log is started again from its beginning, here. Never
                # all copied, under a steady load the log grew to the backstop, whose
                # checkpoint ran in a step's commit on the event loop: 4-17 ms, every two
                # seconds at 500 steps a second (bench/README.md, "The checkpoint"). Left to
                # the next step's commit, starting it again synced its header to disk there,
                # on the event loop, every resident waiting for the disk once a second (and
                # the writer was held for two syncs before it: 60 ms when a sync takes 20).
                try:
                    _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if 0 < frames <= copied:
                        _start_log_again(conn)
                except BaseException:
                    # Closed, the writer still held: a transaction a failed write left open
                    # on it would hold the file's write lock, every resident's step waiting
                    # for it and then failing. A new connection next time.
                    self._checkpointer = None
                    conn.close()
                    raise
        finally:
            self._let_go()

    def _checkpoint_done(self, done: asyncio.Future[None]) -> None:
        self._checkpointing = None
        if not done.cancelled() and done.exception() is not None:
            # Nothing is lost: what the log holds stays there until a checkpoint succeeds.
            log.warning("checkpoint failed: %s", done.exception())

    async def _in_writer_thread(
        self,
        fn: Work[P, T],
        args: tuple[object, ...],
        kwargs: dict[str, object],
        *,
        closing: bool = False,
    ) -> T:
        """`fn` in a write transaction of its own, in the writer thread; `closing`: queued there
        even if the database has begun closing (a step that had been waiting before)."""
        result: T = await self._on_writer(
            self._in_transaction, "BEGIN IMMEDIATE", fn, args, kwargs, closing=closing
        )
        self._checkpoint_soon()
        return result

    async def _on_writer(self, fn: Callable[..., T], *args: object, closing: bool = False) -> T:
        if self._closed and not closing:
            raise RuntimeError("the database is closed")
        loop = asyncio.get_running_loop()
        call = functools.partial(self._holding_writer, fn, *args)
        return await loop.run_in_executor(self._writer_pool, call)

    def _holding_writer(self, fn: Callable[..., T], *args: object) -> T:
        try:
            with self._writer_lock:
                self._thread_holds = True
                try:
                    return fn(*args)
                finally:
                    self._thread_holds = False
        finally:
            self._let_go()

    async def _thread_lets_go(self) -> None:
        """Wait until the thread holding the writer lets it go (at once if it just has)."""
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiting)
        self._steps_waiting += 1
        try:
            # Listed before this second look: a thread letting go after it sees the list
            # (`_let_go` reads it after releasing the lock), so the wake-up cannot be lost.
            if self._writer_lock.acquire(blocking=False):
                self._writer_lock.release()
                return
            await waiting
        finally:
            self._steps_waiting -= 1
            if waiting in self._waiting:
                self._waiting.remove(waiting)
            if not self._steps_waiting and self._steps_gone is not None:
                self._steps_gone.set()  # close() goes on once this step has queued its work

    def _let_go(self) -> None:
        """In a thread that has just released the writer lock: wake the steps waiting for it."""
        if not self._waiting:
            return
        for loop in {each.get_loop() for each in list(self._waiting)}:
            try:
                loop.call_soon_threadsafe(self._wake_waiting)
            except RuntimeError:  # that loop has closed: nobody there is waiting any more
                pass

    def _wake_waiting(self) -> None:
        """On a loop: wake its steps waiting for a thread to let the writer go."""
        loop = asyncio.get_running_loop()
        mine = [each for each in self._waiting if each.get_loop() is loop]
        self._waiting = [each for each in self._waiting if each.get_loop() is not loop]
        for each in mine:
            if not each.done():  # else cancelled
                each.set_result(None)

    def _in_transaction(
        self, begin: str, fn: Work[P, T], args: tuple[object, ...], kwargs: dict[str, object]
    ) -> T:
        result = self._begun(begin, fn, args, kwargs)
        conn = self._writer
        assert conn is not None, "the database is not open"
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # else every later write would find it still open
                conn.execute("ROLLBACK")
            raise
        return result
