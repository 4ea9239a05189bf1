"""Regression tests for defects found in review: each names what went wrong."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversation import Conversation, Who
from bot.engagement.staff import Staff, parse_day
from bot.flows import engine
from bot.flows.events import Choose, Context, Text
from bot.flows.loader import load_flow
from bot.jobs.outbound import InDoubt
from bot.jobs.pacing import Pacer, QuietHours
from bot.jobs.sender import BroadcastSender
from bot.logs import RedactingFormatter
from bot.store.broadcasts import Audience, Broadcasts
from bot.store.engagement import Engagement
from bot.store.repository import ParticipantChanges, Store
from tests.conftest import FIXED_NOW
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


async def test_stopping_during_quiet_hours_leaves_nothing_in_doubt(store: Store) -> None:
    await residents(store, 5)
    b = Broadcasts(store)
    bid = await b.create(
        "staff", Audience("everyone"), {"texts": {"en": "Hi"}}, FIXED_NOW.isoformat()
    )
    assert bid is not None
    await b.start(bid, FIXED_NOW.isoformat())
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
        b, TextComposer(), RecordingOutbound(night), pacer, clock=lambda: FIXED_NOW
    )
    task = asyncio.create_task(sender.run(bid))
    await asyncio.wait_for(waiting.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await b.counts(bid) == {"queued": 5}


async def test_a_timeout_is_not_retried_because_it_may_have_been_delivered(store: Store) -> None:
    await residents(store, 2)
    clock = VirtualClock()
    outbound = RecordingOutbound(clock)
    outbound.script["1"] = [InDoubt("1")]
    b = Broadcasts(store)
    bid = await b.create(
        "staff", Audience("everyone"), {"texts": {"en": "Hi"}}, FIXED_NOW.isoformat()
    )
    assert bid is not None
    await b.start(bid, FIXED_NOW.isoformat())
    pacer = Pacer(30, monotonic=clock.monotonic, sleep=clock.sleep)
    await BroadcastSender(
        b, TextComposer(), outbound, pacer, clock=lambda: FIXED_NOW, sleep=clock.sleep
    ).run(bid)
    assert [c for _, c, _ in outbound.sent] == ["2"]
    assert await b.counts(bid) == {"failed": 1, "sent": 1}


async def test_simulator_residents_are_never_in_a_broadcast_audience(store: Store) -> None:
    await residents(store, 1)
    console = await store.ensure_participant("console", "amina", "amina", FIXED_NOW.isoformat())
    changes = ParticipantChanges()
    changes.set("consent_at", FIXED_NOW.isoformat())
    await store.update_participant(console.id, changes)
    assert await Broadcasts(store).preview(Audience("everyone")) == {"en": 1}


async def test_a_typed_superscript_digit_is_just_text(conversation: Conversation) -> None:
    who = Who("telegram", "77", "77", "en")
    await conversation.begin(who)
    out = await conversation.handle(who, Text("²"))
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
    conversation: Conversation, store: Store
) -> None:
    staff = Staff(Engagement(store), lambda: FIXED_NOW)
    first = await staff.open_round((FIXED_NOW + timedelta(days=5)).date().isoformat())
    who = Who("telegram", "88", "88", "en")
    await conversation.begin(who)
    await conversation.handle(who, Choose("yes"))  # consent
    await conversation.handle(who, Choose("_skip"))  # area
    await conversation.handle(who, Choose("no"))  # about you -> menu
    await conversation.begin(who, "priorities")
    topic = (await Engagement(store).topics(first))[0]
    await conversation.handle(who, Choose(f"t{topic.id}"))
    await conversation.handle(who, Choose("_done"))
    await conversation.handle(who, Choose("no"))  # nothing else
    await staff.close_round(first)
    await staff.open_round((FIXED_NOW + timedelta(days=9)).date().isoformat())
    await conversation.handle(who, Choose("send"))
    rows = await store.fetch_all("SELECT round_id FROM priority_submissions")
    assert rows == []  # not under the second round, and not counted after the first closed


def test_closing_dates_with_an_offset_are_stored_in_utc() -> None:
    assert parse_day("2026-12-01T10:00:00+01:00") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
