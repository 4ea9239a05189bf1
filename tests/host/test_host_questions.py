"""Typed answers to the questions the host asks itself: /delete's confirmation takes its own
words or number, not any "yes", and no question is answered by words typed long after it
(a reminder or a broadcast may have come in between, outside any step)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.flows.events import Text
from bot.host.host import Host
from bot.host.replies import Message, Question
from bot.host.steps import Outcome, Who
from bot.staff.desk import StaffDesk
from bot.store import participants
from bot.store.db import Database
from tests.conftest import FIXED_NOW, STAFF

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


async def test_words_taken_back_are_not_kept_once_the_flow_ends(
    host: Host, db: Database, desk: StaffDesk
) -> None:
    # "Something else" typed, then Back, Back and "No": the summary left it out, but staff
    # still read it among the answers, as if the resident had said it.
    await desk.open_round(STAFF, "2027-01-01")
    await host.begin(WHO)
    for typed in ("1", "Splott", "back", "Riverside", "2"):  # an area typed, then another
        await host.handle(WHO, Text(typed))
    await host.begin(WHO, "priorities")
    # two topics, order, "yes" to something else, the words, back, back, "no", send
    for typed in ("1", "2", "done", "1", "1", "Bike racks", "back", "back", "2", "1"):
        await host.handle(WHO, Text(typed))

    def kept(conn: object) -> list[tuple[str, str]]:
        rows = conn.execute(  # type: ignore[attr-defined]
            "SELECT key, value_json FROM answers ORDER BY id"
        )
        return [(k, v) for k, v in rows]

    answers = await db.read(kept)
    assert ("area", '"Riverside"') in answers and ("area", '"Splott"') not in answers
    assert not any(k == "other" for k, _ in answers), answers
    assert [k for k, _ in answers].count("has_other") == 1
    assert ("confirm", '"yes"') in answers
