"""A photo many residents get is uploaded to Telegram once; everyone else gets its file_id,
also after a restart, and a file_id Telegram no longer knows is replaced by a new upload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.jobs.outbound import OutMessage
from bot.store import media
from bot.store.db import Database
from bot.telegram.outbound import TelegramOutbound
from tgdouble import FakeBotAPI, double_builder

PNG = b"\x89PNG\r\n\x1a\n a chart"
CHATS = range(3001, 3041)


@pytest.fixture
async def bot(fake_api: FakeBotAPI) -> AsyncIterator[Any]:
    app = double_builder(fake_api).build()
    async with app:
        yield app.bot


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    for chat in CHATS:
        api.add_chat(chat)
    yield api
    await api.aclose()


def _uploads(api: FakeBotAPI) -> int:
    return len([call for call in api.calls("sendPhoto") if "photo" in call.files])


async def test_forty_residents_at_once_cause_one_upload(
    bot: Any, fake_api: FakeBotAPI, db: Database
) -> None:
    outbound = TelegramOutbound(bot, db=db)
    message = OutMessage("Results", photo=PNG, photo_key="results-1-en")
    await asyncio.gather(*(outbound.send(str(chat), message) for chat in CHATS))
    assert len(fake_api.calls("sendPhoto")) == len(CHATS)
    assert _uploads(fake_api) == 1 == outbound.uploads
    assert {fake_api.last(chat).photo_bytes for chat in CHATS} == {PNG}  # all got the chart
    assert await db.read(media.file_id, "results-1-en", "telegram") is not None


async def test_after_a_restart_the_file_id_is_reused(
    bot: Any, fake_api: FakeBotAPI, db: Database
) -> None:
    message = OutMessage("Results", photo=PNG, photo_key="results-1-cy")
    await TelegramOutbound(bot, db=db).send("3001", message)
    restarted = TelegramOutbound(bot, db=db)  # a new process: nothing in memory
    await restarted.send("3002", message)
    assert _uploads(fake_api) == 1 and restarted.uploads == 0


async def test_a_file_id_telegram_refuses_is_uploaded_again(
    bot: Any, fake_api: FakeBotAPI, db: Database
) -> None:
    await db.write(media.remember, "results-1-pl", "telegram", "no-such-file", "2026-11-25")
    outbound = TelegramOutbound(bot, db=db)
    await outbound.send("3001", OutMessage("Wyniki", photo=PNG, photo_key="results-1-pl"))
    assert _uploads(fake_api) == 1
    assert fake_api.last(3001).photo_bytes == PNG
    assert await db.read(media.file_id, "results-1-pl", "telegram") != "no-such-file"


async def test_photos_without_a_key_are_always_uploaded(bot: Any, fake_api: FakeBotAPI) -> None:
    outbound = TelegramOutbound(bot)
    for chat in (3001, 3002):
        await outbound.send(str(chat), OutMessage("One-off", photo=PNG))
    assert _uploads(fake_api) == 2


class SlowReads:
    """The bot's database with slow reads: a recipient may still be reading when the upload
    of the photo it wants finishes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def read(self, fn: Any, *args: Any) -> Any:
        found = await self.db.read(fn, *args)
        await asyncio.sleep(0.02)  # what was read comes back late
        return found

    async def write(self, fn: Any, *args: Any) -> Any:
        return await self.db.write(fn, *args)


async def test_a_recipient_reading_while_the_upload_finishes_does_not_upload_again(
    bot: Any, fake_api: FakeBotAPI, db: Database
) -> None:
    fake_api.latency = 0.01  # each Bot API call takes 10 ms
    outbound = TelegramOutbound(bot, db=SlowReads(db))  # type: ignore[arg-type]
    message = OutMessage("Results", photo=PNG, photo_key="results-2-en")

    async def later(n: int, chat: int) -> None:
        await asyncio.sleep(n * 0.001)  # recipients arrive one after another, through the upload
        await outbound.send(str(chat), message)

    await asyncio.gather(*(later(n, chat) for n, chat in enumerate(CHATS)))
    assert _uploads(fake_api) == 1 == outbound.uploads
