"""Which pages a resident's step writes to the write-ahead log, by table and index.

    .venv/bin/python bench/pages.py [--residents 200]

Residents do the onboarding of bench/throughput.py (/start, "Yes, I agree", type "Riverside",
"No, thanks") through the bot's own Host and Database on a fresh database, each step one at a
time. All residents take a step, then the next: after each, the log is read frame by frame and
each frame's page named by SQLite's dbstat table (the table or index it belongs to), then
emptied. A commit writes every page its step changed, once: the pages a step writes are most of
what its COMMIT costs (about 6.5 µs each on a 2-core machine), and an index that moves when
nothing it orders changed costs every step a page.

No target of its own: what bench/README.md, "Pages a step writes", explains. Exit status 0; 1
when it could not measure.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.commits import _question
from bot.flows.events import Choose, Text
from bot.flows.registry import default_flows_dir
from bot.host.checks import load_library
from bot.host.hooks import registry
from bot.host.host import Host
from bot.host.replies import Question
from bot.host.steps import Who
from bot.i18n.catalogs import Catalogs
from bot.store import db as store
from bot.store.db import Database

FRAME_HEAD, LOG_HEAD = 24, 32
Step = Callable[[Host, Who, Question | None], Awaitable[Question | None]]


async def _start(host: Host, who: Who, asked: Question | None) -> Question | None:
    return _question(await host.start(who))


async def _agree(host: Host, who: Who, asked: Question | None) -> Question | None:
    assert asked is not None
    out = await host.handle(who, Choose("yes", asked.node_id), session_id=asked.session_id)
    return _question(out)


async def _area(host: Host, who: Who, asked: Question | None) -> Question | None:
    return _question(await host.handle(who, Text("Riverside")))


async def _decline(host: Host, who: Who, asked: Question | None) -> Question | None:
    assert asked is not None
    choice = Choose(asked.buttons[-1].option_id, asked.node_id)
    await host.handle(who, choice, session_id=asked.session_id)
    return None


STEPS: list[tuple[str, Step]] = [
    ("/start", _start),
    ("tap “Yes, I agree”", _agree),
    ("type “Riverside”", _area),
    ("tap “No, thanks”", _decline),
]


class Clock:
    """A second on at each reading: the times rows and indexes hold move, as in service."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


async def empty_log(db: Database) -> None:
    """Copy the whole log into the file and empty it, once `db`'s checkpointer is done (two
    checkpoints cannot run at once)."""
    if db._checkpointing is not None:
        await db._checkpointing
    with sqlite3.connect(db.path) as conn:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        raise RuntimeError("the log could not be emptied")


def pages_written(path: Path) -> tuple[Counter[str], int]:
    """Frames in the log by the table or index their page belongs to; and the commits."""
    log = Path(f"{path}-wal").read_bytes()
    if len(log) < LOG_HEAD:
        return Counter(), 0
    page_size = int.from_bytes(log[8:12], "big")
    frames = [
        (int.from_bytes(log[at : at + 4], "big"), int.from_bytes(log[at + 4 : at + 8], "big"))
        for at in range(LOG_HEAD, len(log) - FRAME_HEAD, FRAME_HEAD + page_size)
    ]
    with sqlite3.connect(path) as conn:
        owner = dict(conn.execute("SELECT pageno, name FROM dbstat"))
    named = Counter(owner.get(number, f"page {number}") for number, _ in frames)
    return named, sum(1 for _, size_after in frames if size_after)  # a commit's last frame


async def run(residents: int) -> list[tuple[str, Counter[str], int]]:
    """Per step of the onboarding: pages by table or index, and commits, for all residents."""
    store.CHECKPOINT_EVERY, store.CHECKPOINT_AFTER_COMMITS = 1e9, 1_000_000_000
    found = []
    with tempfile.TemporaryDirectory(prefix="cv-pages-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        db = await Database.open(path)
        try:
            hooks = registry(lambda: "c-bench")
            host = Host(
                db, load_library([default_flows_dir()], hooks), Catalogs(), hooks,
                clock=Clock(), organisation="Riverside Health Team",
            )  # fmt: skip
            await db.write(lambda conn: None)  # the first write's checkpoint, out of the way
            people = [Who("telegram", str(n), str(n), "en") for n in range(1, residents + 1)]
            asked: list[Question | None] = [None] * residents
            for label, step in STEPS:
                await empty_log(db)
                for n, who in enumerate(people):
                    asked[n] = await step(host, who, asked[n])
                named, commits = pages_written(path)
                found.append((label, named, commits))
        finally:
            await db.close()
    return found


def report(found: list[tuple[str, Counter[str], int]]) -> list[str]:
    lines = []
    every: Counter[str] = Counter()
    all_commits = 0
    for label, named, commits in found:
        if not commits:
            raise RuntimeError(f"{label}: nothing was committed")
        every.update(named)
        all_commits += commits
        lines.append(f"{label}: {sum(named.values()) / commits:.2f} pages a commit ({commits})")
        lines += [f"  {count / commits:5.2f} {name}" for name, count in sorted(named.items())]
    total = sum(every.values())
    return [
        f"every step: {total / all_commits:.2f} pages a commit ({all_commits} commits)",
        *lines,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200, help="residents (200)")
    args = parser.parse_args(argv)
    if args.residents < 1:
        parser.error("--residents must be 1 or more")
    try:
        lines = report(asyncio.run(run(args.residents)))
    except (RuntimeError, sqlite3.Error) as error:
        print(f"could not measure: {error}", file=sys.stderr)
        return 1
    print(f"Pages written to the log by {args.residents} residents' steps, one at a time")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
