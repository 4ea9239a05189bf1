"""Regression tests for defects found in review: each names what went wrong."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.console.outbound import ConsoleOutbound
from bot.flows import engine
from bot.flows.events import Choose, Context, Text
from bot.flows.loader import load_flow
from bot.host.host import Host
from bot.host.steps import Who
from bot.jobs.outbound import InDoubt
from bot.jobs.pacing import Pacer, QuietHours
from bot.jobs.sender import BroadcastSender
from bot.logs import RedactingFormatter
from bot.staff.desk import StaffDesk
from bot.staff.parsing import parse_day
from bot.store import broadcasts, inbox, participants, rounds
from bot.store.broadcasts import Audience
from bot.store.db import Database, Tx
from tests.conftest import FIXED_NOW, STAFF, fixed_clock
from tests.jobs.conftest import RecordingOutbound, VirtualClock, residents
from tests.jobs.test_sender import TextComposer

TOKEN = "123456:SECRET-token"


def test_the_token_never_reaches_a_log_line_even_in_a_traceback() -> None:
    formatter = RedactingFormatter([TOKEN])
    try:
        raise RuntimeError(f"Connection timeout to host https://api.telegram.org/bot{TOKEN}/x")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, "f", 1, "failed", (), None)
        import sys

        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert TOKEN not in text and "[redacted]" in text


async def test_transport_errors_do_not_carry_the_request_url() -> None:
    from telegram.error import NetworkError
    from telegram.request import RequestData

    from bot.telegram.http import AiohttpRequest

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()  # a server that drops every connection at once

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(connect_timeout=30)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(
                f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", "POST", RequestData()
            )
    finally:
        await request.shutdown()
        server.close()
        await server.wait_closed()
    assert TOKEN not in str(caught.value) and caught.value.__cause__ is None


async def _started_broadcast(db: Database, text: str = "Hi") -> int:
    """A staff message to everyone, queued."""
    content = {"texts": {"en": text}}
    now = FIXED_NOW.isoformat()
    bid = await db.write(broadcasts.create, "staff", Audience("everyone"), content, now)
    assert bid is not None
    await db.write(broadcasts.start, bid, now)
    return bid


async def test_stopping_during_quiet_hours_leaves_nothing_in_doubt(db: Database) -> None:
    await residents(db, 5)
    bid = await _started_broadcast(db)
    night = VirtualClock(start=datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    waiting = asyncio.Event()

    async def the_night(seconds: float) -> None:
        waiting.set()  # the sender is waiting for the morning
        await asyncio.Event().wait()  # ... until the bot is stopped

    pacer = Pacer(
        30,
        quiet=QuietHours.parse("21:00-08:00", "Europe/London"),
        wall=night.wall,
        sleep=the_night,
    )
    sender = BroadcastSender(
        db, TextComposer(), {"telegram": RecordingOutbound(night)}, pacer, clock=fixed_clock
    )
    task = asyncio.create_task(sender.run(bid))
    await asyncio.wait_for(waiting.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.read(broadcasts.counts, bid) == {"queued": 5}


async def test_a_timeout_is_not_retried_because_it_may_have_been_delivered(db: Database) -> None:
    await residents(db, 2)
    clock = VirtualClock()
    outbound = RecordingOutbound(clock)
    outbound.script["1"] = [InDoubt("1")]
    bid = await _started_broadcast(db)
    pacer = Pacer(30, monotonic=clock.monotonic, sleep=clock.sleep)
    await BroadcastSender(
        db, TextComposer(), {"telegram": outbound}, pacer, clock=fixed_clock, sleep=clock.sleep
    ).run(bid)
    assert [c for _, c, _ in outbound.sent] == ["2"]
    assert await db.read(broadcasts.counts, bid) == {"failed": 1, "sent": 1}


async def test_simulator_residents_get_broadcasts_only_from_a_sender_that_reaches_them(
    db: Database, tmp_path: Path
) -> None:
    await residents(db, 1)  # on Telegram, chat "1"

    def simulator_resident(conn: Tx) -> None:
        console = participants.find_or_create(
            conn, "console", "amina", "amina", FIXED_NOW.isoformat()
        )
        participants.update(conn, console.id, {"consent_at": FIXED_NOW.isoformat()})

    await db.write(simulator_resident)
    # Staff see everyone who will get it, the simulator's residents included.
    assert (await db.read(broadcasts.reach, Audience("everyone"))).locales == {"en": 2}
    bid = await _started_broadcast(db, "Hello from the team")
    clock = VirtualClock()
    pacer = Pacer(30, monotonic=clock.monotonic, sleep=clock.sleep)

    # A bot that can only reach Telegram sends to Telegram and leaves Amina's message queued
    # for a process that can reach her; the broadcast is not done.
    telegram = RecordingOutbound(clock)
    only_telegram = BroadcastSender(
        db, TextComposer(), {"telegram": telegram}, pacer, clock=fixed_clock, sleep=clock.sleep
    )
    progress = await only_telegram.run(bid)
    assert [(chat, m.text) for _, chat, m in telegram.sent] == [("1", "Hello from the team")]
    assert progress is not None and progress.status == "sending"
    assert (progress.sent, progress.queued) == (1, 1)
    assert await db.read(broadcasts.waiting_channels, bid) == {"console"}
    stored = await db.read(broadcasts.get, bid)
    assert stored is not None and stored.status == "sending"  # not "done"
    assert await db.write(inbox.take, "amina", FIXED_NOW.isoformat()) == []

    # A bot with the simulator's inbox delivers it there, once, and the broadcast is done.
    both = BroadcastSender(
        db,
        TextComposer(),
        {"telegram": telegram, "console": ConsoleOutbound(db, tmp_path / "charts", fixed_clock)},
        pacer,
        clock=fixed_clock,
        sleep=clock.sleep,
    )
    done = await both.run(bid)
    assert done is not None and done.status == "done" and (done.sent, done.queued) == (2, 0)
    assert len(telegram.sent) == 1  # Telegram's resident was not sent it again
    [note] = await db.write(inbox.take, "amina", FIXED_NOW.isoformat())
    assert note.text == "Hello from the team" and note.image_path is None
    assert await db.read(broadcasts.counts, bid) == {"sent": 2}
    stored = await db.read(broadcasts.get, bid)
    assert stored is not None and stored.status == "done"


async def test_a_typed_superscript_digit_is_just_text(host: Host) -> None:
    who = Who("telegram", "77", "77", "en")
    await host.begin(who)
    out = await host.handle(who, Text("²"))
    assert "Please tap Yes or No." in [getattr(r, "text", "") for r in out.replies]


def test_back_after_the_flow_file_changed_skips_questions_that_are_gone(tmp_path: Path) -> None:
    text = """\
id: f
title: F
start: a
nodes:
  - {id: a, kind: choice, text: "A", options: [{id: x, label: X}], next: b}
  - {id: b, kind: choice, text: "B", options: [{id: y, label: Y}], next: c}
  - {id: c, kind: text, text: "C", next: end}
  - {id: end, kind: end}
"""
    path = tmp_path / "f.yaml"
    path.write_text(text)
    flow, _ = load_flow(path)
    assert flow is not None
    ctx = Context(now=FIXED_NOW)
    session = engine.resume(flow, engine.start(flow, ctx).session, Choose("x"), ctx).session
    session = engine.resume(flow, session, Choose("y"), ctx).session  # history: a, b
    path.write_text(text.replace("id: b,", "id: bb,").replace("next: b}", "next: bb}"))
    changed, _ = load_flow(path)
    assert changed is not None
    step = engine.resume(changed, session, Text("back"), ctx)
    asks = [e for e in step.events if e.__class__.__name__ == "Ask"]
    assert asks and asks[-1].node.id == "a"  # b is gone, so back goes to a, not a crash


async def test_answers_given_across_a_round_closing_are_not_filed_under_the_next_round(
    host: Host, desk: StaffDesk, db: Database
) -> None:
    first = await desk.open_round(STAFF, (FIXED_NOW + timedelta(days=5)).date().isoformat())
    who = Who("telegram", "88", "88", "en")
    await host.begin(who)
    await host.handle(who, Choose("yes"))  # consent
    await host.handle(who, Choose("_skip"))  # area
    await host.handle(who, Choose("no"))  # about you -> menu
    await host.begin(who, "priorities")
    topic = (await db.read(rounds.topics, first))[0]
    await host.handle(who, Choose(f"t{topic.id}"))
    await host.handle(who, Choose("_done"))
    await host.handle(who, Choose("no"))  # nothing else
    await desk.close_round(STAFF, first)
    await desk.open_round(STAFF, (FIXED_NOW + timedelta(days=9)).date().isoformat())
    out = await host.handle(who, Choose("yes"))
    rows = await db.read(_submitted_rounds)
    assert rows == []  # not under the second round, and not counted after the first closed
    # ... and they are told so, not thanked with a promise of results they will not get.
    said = [getattr(r, "text", "") for r in out.replies]
    assert any("this question closed before you sent your answer" in t for t in said), said
    assert not any("When the question closes" in t for t in said), said


def _submitted_rounds(conn: Tx) -> list[int]:
    return [int(r[0]) for r in conn.execute("SELECT round_id FROM priority_submissions")]


def test_closing_dates_with_an_offset_are_stored_in_utc() -> None:
    assert parse_day("2026-12-01T10:00:00+01:00") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
