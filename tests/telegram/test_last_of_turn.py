"""The last update of an answer to getUpdates is marked as the last step of its turn of the
event loop (`bot.store.db.last_step_of_turn`), so that its step commits without waiting for
the rest of the turn (tests/store/test_write_quick.py); no other update is."""

from __future__ import annotations

import asyncio
import json

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.store.db import last_step_of_turn
from bot.telegram.http import UpdatesRequest
from bot.telegram.ordering import PerChatUpdateProcessor
from tests.telegram.conftest import Harness, private_update

AMINA, BEN, CHIOMA = 1001, 1002, 1003


def test_the_request_notes_the_last_update_of_each_answer() -> None:
    request = UpdatesRequest()
    assert request.last_update_id is None

    def answer(*ids: int) -> None:
        updates = [{"update_id": i, "message": {"message_id": i}} for i in ids]
        request.parse_json_payload(json.dumps({"ok": True, "result": updates}).encode())

    answer(7, 8, 9)
    assert request.last_update_id == 9
    answer(10)
    assert request.last_update_id == 10
    answer()  # a long poll that ended with nothing
    assert request.last_update_id is None


async def test_the_processor_marks_only_the_last_update_and_only_if_it_begins_at_once() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=16)
    processor.last_fetched = lambda: 3
    marked: dict[int, bool] = {}
    release = asyncio.Event()

    async def work(number: int, wait: bool = False) -> None:
        if wait:
            await release.wait()
        marked[number] = last_step_of_turn.get()

    async with processor:
        first = asyncio.create_task(
            processor.process_update(private_update(1, 1), work(1, wait=True))
        )
        await asyncio.sleep(0)  # chat 1's first update holds its chat's lock
        await processor.process_update(private_update(2, 2), work(2))
        await asyncio.create_task(processor.process_update(private_update(2, 3), work(3)))
        # The last again, but its chat is busy: it waits for the lock, turns of the loop later.
        waiting = asyncio.create_task(processor.process_update(private_update(1, 3), work(30)))
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(first, waiting)

    assert marked == {1: False, 2: False, 3: True, 30: False}
    assert last_step_of_turn.get() is False  # the mark stayed in the update's own task


async def test_the_running_bot_marks_the_last_update_of_each_answer(tg: Harness) -> None:
    marks: list[tuple[int, bool]] = []

    async def look(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        marks.append((update.effective_chat.id, last_step_of_turn.get()))

    tg.bot.app.add_handler(TypeHandler(Update, look, block=True), group=-2)
    # Three residents at once: one answer to getUpdates brings the three.
    for resident in (AMINA, BEN, CHIOMA):
        tg.api.send_command(resident, "start")
    await tg.settle()
    assert marks == [(AMINA, False), (BEN, False), (CHIOMA, True)]
    # Each was answered as ever, and each step saved.
    for resident in (AMINA, BEN, CHIOMA):
        assert tg.last(resident).labels == ["Yes, I agree", "No, thank you"]
    assert tg.rows("SELECT COUNT(*) FROM sessions WHERE status = 'active'") == [(3,)]

    marks.clear()
    await tg.tap(AMINA, "Yes, I agree")  # alone in its answer: the last of it
    assert marks == [(AMINA, True)]
    assert "Which area do you live in?" in tg.asked(AMINA)


async def test_the_last_update_is_not_marked_while_its_chat_has_another_in_hand() -> None:
    # The chat's lock just let go by one update and handed to the next, which has not run yet:
    # the lock looks free, but the last update would wait for it, turns of the loop later.
    processor = PerChatUpdateProcessor(max_concurrent_updates=16)
    processor.last_fetched = lambda: 3
    marked: dict[int, bool] = {}
    release = asyncio.Event()
    last: list[asyncio.Task[None]] = []

    async def work(number: int) -> None:
        if number == 1:
            await release.wait()
            # Begins as this update lets go of the lock, before the one waiting for it runs.
            last.append(
                asyncio.create_task(processor.process_update(private_update(1, 3), work(3)))
            )
        marked[number] = last_step_of_turn.get()

    async with processor:
        first = asyncio.create_task(processor.process_update(private_update(1, 1), work(1)))
        await asyncio.sleep(0)
        second = asyncio.create_task(processor.process_update(private_update(1, 2), work(2)))
        await asyncio.sleep(0)  # waiting for the lock
        release.set()
        await asyncio.gather(first, second)
        await asyncio.gather(*last)

    assert marked == {1: False, 2: False, 3: False}
