"""The fault suite's "same message twice in a row" figure: it must count a message Telegram
had delivered and the bot sent again, and not the question asked once for a tap and once more
for the /start a resident sent while waiting for it."""

from __future__ import annotations

import time

import pytest

from tests.faults.residents import Resident
from tests.faults.scenarios import _repeats
from tgdouble import FakeBotAPI

USER = 30_001


async def _send(api: FakeBotAPI, text: str) -> float:
    await api.call("sendMessage", {"chat_id": USER, "text": text})
    return time.monotonic()


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI()


async def test_a_message_sent_again_for_one_tap_counts(api: FakeBotAPI) -> None:
    resident = Resident(api, USER)
    await _send(api, "What would you like to do?")
    resident.actions.append(time.monotonic())  # taps "Change my area"
    await _send(api, "Which area do you live in?")
    await _send(api, "Which area do you live in?")  # a retry of one that had arrived
    assert _repeats(api, [resident]) == 1


async def test_the_question_again_for_a_start_sent_while_waiting_does_not(
    api: FakeBotAPI,
) -> None:
    resident = Resident(api, USER)
    await _send(api, "What would you like to do?")
    resident.actions.append(time.monotonic())  # taps "Change my area"; the reply is held up
    resident.actions.append(time.monotonic())  # sends /start meanwhile
    await _send(api, "Which area do you live in?")  # for the tap
    await _send(api, "Which area do you live in?")  # for /start: where they are
    assert _repeats(api, [resident]) == 0


async def test_an_answer_after_the_first_explains_the_second(api: FakeBotAPI) -> None:
    resident = Resident(api, USER)
    resident.actions.append(time.monotonic())
    await _send(api, "Which area do you live in?")
    resident.actions.append(time.monotonic())  # /start after it arrived
    await _send(api, "Which area do you live in?")
    assert _repeats(api, [resident]) == 0
