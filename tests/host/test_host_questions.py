"""Typed answers to the questions the host asks itself: /delete's confirmation takes its own
words or number, not any "yes", and no question is answered by words typed long after it
(a reminder or a broadcast may have come in between, outside any step)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.flows.events import Text
from bot.host.host import Host
from bot.host.replies import Message, Question
from bot.host.steps import Outcome, Who
from bot.store import participants
from bot.store.db import Database
from tests.conftest import FIXED_NOW

WHO = Who("console", "dai", "dai", "en")


def _said(outcome: Outcome) -> list[str]:
    return [r.text for r in outcome.replies if isinstance(r, Message | Question)]


async def _here(db: Database) -> bool:
    return await db.read(participants.find, "console", "dai") is not None


async def test_delete_takes_its_own_words_not_any_yes(host: Host, db: Database) -> None:
    await host.begin(WHO)
    for typed in ("1", "Riverside", "2"):  # consent, area, no questions about them
        await host.handle(WHO, Text(typed))
    await host.delete_question(WHO)
    for typed in ("ok", "yes", "yeah"):
        said = _said(await host.handle(WHO, Text(typed)))
        assert said == [
            "Please tap one of the buttons.",
            "Do you want us to delete everything we keep about you? This cannot be undone.",
        ], typed
        assert await _here(db)
    said = _said(await host.handle(WHO, Text("no")))  # any "no" keeps everything
    assert said == ["Nothing was deleted."]
    await host.delete_question(WHO)
    await host.handle(WHO, Text("yes, delete everything"))
    assert not await _here(db)


async def test_words_typed_long_after_a_host_question_are_not_its_answer(
    host: Host, db: Database
) -> None:
    now = [FIXED_NOW]

    def clock() -> datetime:
        return now[0]

    host.clock = clock
    await host.begin(WHO)
    for typed in ("1", "Riverside", "2"):
        await host.handle(WHO, Text(typed))
    await host.delete_question(WHO)
    now[0] += timedelta(minutes=11)  # a reminder, say, came meanwhile
    said = _said(await host.handle(WHO, Text("1")))  # to the menu: its first choice
    assert await _here(db)
    assert "Our question for you:" in "\n".join(said) or "There is no question" in "\n".join(
        said
    ), said
    # Within a few minutes, the number answers it.
    await host.delete_question(WHO)
    now[0] += timedelta(minutes=9)
    await host.handle(WHO, Text("1"))
    assert not await _here(db)
