"""A broadcast message reaches Telegram exactly as written (text, buttons, the paid flag),
and Telegram's answers become the sender's outcomes. Messages go out without PTB's objects
(bot.telegram.rawcall), so these check the request as the double receives it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.jobs.outbound import InDoubt, OutMessage, RateLimited, SendFailed, Unreachable
from bot.telegram.outbound import TelegramOutbound
from tgdouble import FakeBotAPI, double_builder

CHAT = 4001


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    api.add_chat(CHAT)
    yield api
    await api.aclose()


@pytest.fixture
async def bot(fake_api: FakeBotAPI) -> AsyncIterator[Any]:
    app = double_builder(fake_api).build()
    async with app:
        yield app.bot


async def test_text_buttons_and_paid_flag_arrive_as_written(bot: Any, fake_api: FakeBotAPI) -> None:
    message = OutMessage(
        "Ваша думка «важлива» & <b>not markup</b> 🙂",
        buttons=(("👍 Yes", "v1:1:a:yes"), ("No", "v1:1:a:no")),
    )
    await TelegramOutbound(bot, paid=True).send(str(CHAT), message)
    sent = fake_api.last(CHAT)
    assert sent is not None
    assert sent.text == "Ваша думка «важлива» & <b>not markup</b> 🙂"
    assert sent.buttons == [[("👍 Yes", "v1:1:a:yes")], [("No", "v1:1:a:no")]]
    (call,) = fake_api.calls("sendMessage")
    assert call.params["allow_paid_broadcast"] is True
    assert call.status == 200


async def test_unpaid_plain_text_carries_no_extra_fields(bot: Any, fake_api: FakeBotAPI) -> None:
    await TelegramOutbound(bot).send(str(CHAT), OutMessage("Hello"))
    (call,) = fake_api.calls("sendMessage")
    assert set(call.params) == {"chat_id", "text"}
    assert fake_api.last(CHAT).reply_markup is None  # type: ignore[union-attr]


async def test_a_photo_by_file_id_keeps_caption_and_buttons(bot: Any, fake_api: FakeBotAPI) -> None:
    outbound = TelegramOutbound(bot)
    png = b"\x89PNG\r\n\x1a\n chart"
    message = OutMessage("Results", photo=png, photo_key="k", buttons=(("More", "v1:1:m:x"),))
    await outbound.send(str(CHAT), message)  # uploaded
    await outbound.send(str(CHAT), message)  # by file_id
    first, second = fake_api.calls("sendPhoto")
    assert "photo" in first.files and "photo" not in second.files
    assert second.params["caption"] == "Results"
    assert second.params["reply_markup"] == first.params["reply_markup"]
    assert fake_api.last(CHAT).photo_bytes == png  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        (lambda api: api.inject_429("sendMessage", 3), RateLimited),
        (lambda api: api.inject_403("sendMessage"), Unreachable),
        (lambda api: api.inject_500("sendMessage"), SendFailed),
        (lambda api: api.inject_timeout("sendMessage", 30.0, deliver=True), InDoubt),
    ],
    ids=["429", "403", "500", "timeout"],
)
async def test_telegrams_answers_become_the_senders_outcomes(
    fake_api: FakeBotAPI, fault: Any, outcome: type[Exception]
) -> None:
    fault(fake_api)
    app = double_builder(fake_api, read_timeout=0.2).build() if outcome is InDoubt else None
    app = app or double_builder(fake_api).build()
    async with app:
        with pytest.raises(outcome) as raised:
            await TelegramOutbound(app.bot).send(str(CHAT), OutMessage("Hello"))
    if outcome is RateLimited:
        assert raised.value.seconds == 3  # type: ignore[attr-defined]
