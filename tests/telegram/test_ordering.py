"""One resident's updates in order; a slow resident never holds up another."""

from __future__ import annotations

import asyncio

import pytest

from bot.flows.events import Input
from bot.host.host import Host
from bot.host.steps import Outcome, Who
from bot.telegram.ordering import PerChatUpdateProcessor
from tests.telegram.conftest import Harness, private_update


async def test_processor_keeps_one_chat_in_order_and_others_concurrent() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=16)
    finished: list[tuple[int, int]] = []
    update = private_update

    async def work(chat_id: int, number: int, delay: float) -> None:
        await asyncio.sleep(delay)
        finished.append((chat_id, number))

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(update(1, 1), work(1, 1, 0.05))),
            asyncio.create_task(processor.process_update(update(1, 2), work(1, 2, 0.0))),
            asyncio.create_task(processor.process_update(update(2, 3), work(2, 3, 0.0))),
        ]
        await asyncio.gather(*tasks)
    # Chat 1's second update waited for its first, although it was quicker; chat 2 did not wait.
    assert finished == [(2, 3), (1, 1), (1, 2)]
    assert processor._locks == {}  # idle chats are forgotten


async def test_a_slow_resident_does_not_block_another(
    tg: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Host.handle
    # Resident 1's update is held until resident 2 has been answered: if one chat could hold
    # up another, resident 2 would never be answered and the wait below would time out.
    release = asyncio.Event()

    async def held_for_one(self: Host, who: Who, received: Input, **kw: object) -> Outcome:
        if who.user_id == "1":
            await release.wait()
        return await real(self, who, received, **kw)  # type: ignore[arg-type]

    await tg.command(1, "start")
    await tg.command(2, "start")
    monkeypatch.setattr(Host, "handle", held_for_one)
    before_1, before_2 = len(tg.api.sent(1)), len(tg.api.sent(2))
    tg.api.send_text(1, "hello")
    tg.api.send_text(2, "hello")
    try:
        await tg.api.wait_sent(2, before_2 + 1, timeout=30)
        assert len(tg.api.sent(1)) == before_1  # resident 1 is still waiting
    finally:
        release.set()
    await tg.settle()
    assert len(tg.api.sent(1)) == before_1 + 1  # and is answered once released


async def test_one_residents_messages_are_answered_in_order(tg: Harness) -> None:
    await tg.command(7, "start")
    await tg.tap(7, "Yes, I agree")
    for text in ("Riverside", "maybe", "1"):
        tg.api.send_text(7, text)
    await tg.settle()
    # Area first, then a rejected word, then option 1 ("Yes") of the about-you question.
    assert tg.rows("SELECT area FROM participants") == [("Riverside",)]
    keys = [k for (k,) in tg.rows("SELECT key FROM answers ORDER BY id")]
    assert keys == ["consent", "area", "equality_opt_in"]
    assert tg.asked(7).endswith("How old are you?")
