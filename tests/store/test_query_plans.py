"""Every query a resident's tap or a broadcast recipient costs goes straight to that
resident's rows through an index: none scans, or searches by something wider than one
resident, a table that grows with the number of residents (checked with EXPLAIN QUERY PLAN
on every statement the bot ran for taps, a results broadcast and a /delete)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.app import Core, Services, open_core
from bot.config import Settings
from bot.flows.events import Choose, Text
from bot.host.steps import Who
from bot.jobs.chartworker import InlineCharts
from bot.store import db as db_module
from tests.conftest import CODE, STAFF

# Tables that grow with residents and what they do; the others (rounds, topics,
# initiatives, measures, broadcasts, ...) grow with staff work and stay small.
GROWING = {
    "participants",
    "sessions",
    "answers",
    "priority_submissions",
    "priority_choices",
    "evaluations",
    "evaluation_ratings",
    "measure_votes",
    "assets",
    "champions",
    "referrals",
    "deliveries",
    "inbox",
    "audit_log",
}
PLAN = re.compile(r"\b(SCAN|SEARCH) (\w+)(?: USING .*?\((.*)\))?")
# A table named in a statement, and its alias if it has one ("FROM sessions s"): the plan names
# a table by its alias, so "SCAN s" is a scan of sessions.
NAMED = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)
NOT_ALIAS = {
    "WHERE",
    "ON",
    "JOIN",
    "LEFT",
    "INNER",
    "CROSS",
    "NATURAL",
    "USING",
    "ORDER",
    "GROUP",
    "LIMIT",
    "UNION",
    "SET",
    "VALUES",
    "AND",
    "OR",
    "HAVING",
    "WINDOW",
    "EXCEPT",
    "INTERSECT",
    "RETURNING",
}
# A search of a growing table must narrow it to one resident (or one row): by one of these.
NARROW = {
    "participant_id",
    "session_id",
    "submission_id",
    "evaluation_id",
    "rowid",
    "id",
    "channel_user_id",
    "code",
    "champion_id",  # the people one champion brought in (/delete of that champion)
}
# Once a broadcast, a round or a sweep (not per tap, not per recipient): these read a whole
# audience, a whole ledger or a whole round's choices, by design.
ONCE = (
    "SELECT id FROM (SELECT p.id FROM participants p",  # queueing the audience, in chunks
    "SELECT MAX(id) FROM participants",  # where queueing ends (the last rowid: one step)
    "SELECT state, COUNT(*) FROM deliveries",  # progress
    "SELECT d.participant_id, p.channel",  # claiming the next recipients (LIMITed)
    "SELECT DISTINCT p.channel FROM deliveries",  # anyone left for another channel?
    "UPDATE deliveries SET state = 'queued', updated_at = ",  # a sender starting again
    "SELECT COUNT(*) FROM priority_submissions WHERE round_id",  # a round's results
    "SELECT t.*, COUNT(c.participant_id) AS people",  # a round's results
    "SELECT COALESCE(p.locale, 'en'), p.channel",  # who a staff action will tell
    "SELECT participant_id FROM champions WHERE status",  # champions due a check-in
)
# Once a broadcast or a sweep too, but searched through an index of their own: wider than one
# resident, never a walk through the whole table (ordered by id, the reminder sweep walked
# every session there ever was, every minute).
WIDE_SEARCH = (
    "SELECT s.id, s.participant_id, p.consent_at",  # the reminder sweep
    "SELECT DISTINCT COALESCE(p.locale, 'en') FROM deliveries",  # a broadcast's languages
    "SELECT m.*, (SELECT COUNT(*) FROM measure_votes",  # an initiative's measures, its votes
    "SELECT EXISTS (SELECT 1 FROM priority_submissions WHERE round_id",  # anyone? (one row)
)


@contextmanager
def traced() -> Iterator[list[str]]:
    """Every statement run on any new database connection, with its values filled in."""
    statements: list[str] = []
    real = db_module.connect

    def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
        conn = real(path, readonly=readonly)
        conn.set_trace_callback(statements.append)
        return conn

    db_module.connect = connect  # type: ignore[assignment]
    try:
        yield statements
    finally:
        db_module.connect = real  # type: ignore[assignment]


def _wide(path: Path, statements: list[str]) -> dict[str, str]:
    """Statements whose plan reads a growing table without narrowing it to one resident:
    a full scan, or a search by something wider (a round, a state) but for WIDE_SEARCH's, with
    the plan line. The plan names a table by the statement's alias for it, if any."""
    found: dict[str, str] = {}
    conn = sqlite3.connect(path)
    try:
        for sql in dict.fromkeys(statements):
            head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
            if head not in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
                continue
            if sql.lstrip().startswith(ONCE):
                continue
            aliases = {
                alias: table
                for table, alias in NAMED.findall(sql)
                if alias and alias.upper() not in NOT_ALIAS
            }
            for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
                match = PLAN.search(row[3])
                if match is None or aliases.get(match.group(2), match.group(2)) not in GROWING:
                    continue
                used = set(re.findall(r"(\w+)[=<>]", match.group(3) or ""))
                if match.group(1) == "SCAN" or not (
                    used & NARROW or sql.lstrip().startswith(WIDE_SEARCH)
                ):
                    found[sql] = row[3]
    finally:
        conn.close()
    return found


async def _resident_and_broadcast(core: Core) -> None:
    await core.desk.seed_demo(STAFF)
    host = core.host
    for n in range(6):
        # Simulator residents, so the results go out through the console outbound here.
        who = Who("console", str(500 + n), str(500 + n), "en")
        await host.start(who, CODE if n == 0 else None)
        # consent, an area, back and another (the first is left out at the end), no questions
        for typed in ("1", "Splott", "back", "Riverside", "2"):
            await host.handle(who, Text(typed))
        await host.handle(who, Choose("priorities", "pick"))
        for typed in ("1", "2", "done", "1", "2", "1"):  # two topics, order, no more, send
            await host.handle(who, Text(typed))
        await host.begin(who, "evaluation")
        for typed in ("1", "4", "3", "s", "s"):
            await host.handle(who, Text(typed))
        for _ in range(2):  # votes, then votes answered again (they replace the first)
            await host.begin(who, "measures")
            for typed in ("1", "1", "done", "2"):  # a project, a measure, done, no idea
                await host.handle(who, Text(typed))
        await host.begin(who, "assets")
        await host.repeat(who)
    rounds = await core.desk.listing(STAFF, "rounds", threshold=5)
    round_id = int(rounds.split()[1])
    await core.desk.close_round(STAFF, round_id)
    services = Services(core, {}, charts=InlineCharts())
    await services.jobs.sweep()
    await asyncio.gather(*services.jobs.running.values())
    await host.forget(Who("console", "505", "505", "en"))


async def test_no_tap_or_recipient_query_scans_a_growing_table(tmp_path: Path) -> None:
    path = tmp_path / "plans.sqlite3"
    settings = Settings.from_env({"DATABASE_PATH": str(path), "QUIET_HOURS": ""}, dotenv=False)
    with traced() as statements:
        async with open_core(settings, new_code=lambda: CODE) as core:
            statements.clear()  # the migrations ran once; what follows is the bot at work
            await _resident_and_broadcast(core)
    # It really traced the work: every resident's priorities and the results going out.
    did = "\n".join(statements)
    for step in (
        "INSERT INTO priority_choices",
        "INSERT INTO evaluations",
        "DELETE FROM measure_votes",
        "DELETE FROM answers WHERE session_id",
        "FROM measure_votes v JOIN measures m",
        "SET state = 'sending'",
        "INSERT INTO inbox",
        "DELETE FROM participants",
    ):
        assert step in did, step
    assert _wide(path, statements) == {}
