"""Staff texts in every language: topics take translations when a round opens and later;
questions, topics, initiatives and measures are edited and translated, each change audited
with the words before and after; residents read them in their language, else the default
language, else the English."""

from __future__ import annotations

import pytest

from bot.flows.events import Text
from bot.host.host import Host
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from bot.host.replies import Question
from bot.host.steps import Who
from bot.i18n.catalogs import Catalogs
from bot.staff import wording
from bot.staff.actor import StaffError
from bot.staff.desk import StaffDesk
from bot.store import audit, rounds
from bot.store.db import Database
from tests.conftest import STAFF, fixed_clock, make_host


@pytest.fixture
def desk(db: Database, catalogs: Catalogs) -> StaffDesk:
    return StaffDesk(db, fixed_clock, languages=catalogs.available())


async def _topics_seen(host: Host, user: str, language: str) -> list[str]:
    """A new resident in `language` goes to the priorities question: its topic buttons."""
    who = Who("console", user, user, language)
    await host.begin(who)
    for typed in ("1", "s", "2", "1"):  # consent, no area, no questions about them, priorities
        outcome = await host.handle(who, Text(typed))
    question = next(r for r in reversed(outcome.replies) if isinstance(r, Question))
    return [b.label for b in question.buttons]


async def test_residents_read_topics_in_their_language(
    host: Host, db: Database, desk: StaffDesk
) -> None:
    round_id = await desk.open_round(
        STAFF,
        "2026-12-31",
        {"en": "What should we do first?", "cy": "Beth ddylen ni ei wneud gyntaf?"},
        [{"en": "Safer crossings", "cy": "Croesfannau mwy diogel"}, {"en": "A youth club"}],
    )
    assert await _topics_seen(host, "nia", "cy") == ["Croesfannau mwy diogel", "A youth club"]
    assert await _topics_seen(host, "ola", "pl") == ["Safer crossings", "A youth club"]
    [crossings, club] = await db.read(rounds.topics, round_id)
    said = await wording.edit(desk, STAFF, "topic", club.id, None, {"pl": "Klub młodzieżowy"})
    assert said.splitlines()[:3] == [
        f"Changed. Topic {club.id} (round {round_id}):",
        "  en: A youth club",
        "  pl: Klub młodzieżowy",
    ]
    assert await _topics_seen(host, "piotr", "pl") == ["Safer crossings", "Klub młodzieżowy"]
    entry = (await db.read(audit.entries))[0]
    assert (entry.action, entry.object_type, entry.object_id) == (
        "topic.edit",
        "topic",
        str(club.id),
    )
    assert (entry.before, entry.after) == (
        {"en": "A youth club"},
        {"en": "A youth club", "pl": "Klub młodzieżowy"},
    )


async def test_a_default_topic_keeps_its_translations_until_its_english_changes(
    host: Host, db: Database, desk: StaffDesk
) -> None:
    round_id = await desk.open_round(STAFF, "2026-12-31")
    first = (await db.read(rounds.topics, round_id))[0]
    await wording.edit(desk, STAFF, "topic", first.id, None, {"cy": "Iechyd meddwl"})
    welsh = await _topics_seen(host, "a", "cy")
    polish = await _topics_seen(host, "b", "pl")
    assert welsh[0] == "Iechyd meddwl"  # staff's own Welsh
    assert polish[0] == "Zdrowie psychiczne i samotność"  # still the bot's own Polish
    said = await wording.edit(desk, STAFF, "topic", first.id, "Feeling low or alone")
    assert said.splitlines()[-2:] == [
        "The cy words were written for the old English: check they still say the same, give "
        "new ones, or remove them (cy=- or 'cy: -').",
        "It was one of the bot's own texts, translated into every language; with new English "
        "words only the languages you give are translated.",
    ]
    assert (await db.read(rounds.topic, first.id)).builtin is False  # type: ignore[union-attr]
    assert (await _topics_seen(host, "c", "pl"))[0] == "Feeling low or alone"
    said = await wording.edit(desk, STAFF, "topic", first.id, None, {"cy": "-"})
    assert "  cy:" not in said and "Not yet in: ar, bn, cy, es, pa, pl, pt, ro, ur." in said


async def test_a_question_initiative_and_measure_are_edited_and_shown(
    db: Database, desk: StaffDesk
) -> None:
    round_id = await desk.open_round(STAFF, "2026-12-31")
    topic = (await db.read(rounds.topics, round_id))[0]
    initiative = await desk.create_initiative(STAFF, {"en": "Walking group"}, [topic.id])
    measure = await desk.add_measure(STAFF, initiative, {"en": "More people walk"})
    shown = await wording.show(desk, STAFF, "question", round_id)
    assert shown.splitlines() == [
        f"The question of round {round_id}:",
        "  en: What should we work on first to improve health in our area?",
        "  (one of the bot's own texts: languages not given here come from its translations)",
    ]
    await wording.edit(desk, STAFF, "question", round_id, "What matters most to you here?")
    await wording.edit(desk, STAFF, "initiative", initiative, None, {"cy": "Grŵp cerdded"})
    await wording.edit(desk, STAFF, "measure", measure, "More people join the walks")
    assert (await db.read(rounds.get, round_id)).question == {  # type: ignore[union-attr]
        "en": "What matters most to you here?"
    }
    assert [e.action for e in reversed(await db.read(audit.entries))][-3:] == [
        "question.edit",
        "initiative.edit",
        "measure.edit",
    ]
    assert (await wording.show(desk, STAFF, "initiative", initiative)).splitlines() == [
        f"Initiative {initiative}:",
        "  en: Walking group",
        "  cy: Grŵp cerdded",
        "  Not yet in: ar, bn, es, pa, pl, pt, ro, ur. Residents reading those see the default "
        "language, else the English.",
    ]


@pytest.mark.parametrize(
    ("kind", "number", "english", "translations", "message"),
    [
        ("topic", 99, None, {"cy": "X"}, "There is no topic 99. /results ROUND lists them."),
        ("round", 1, "Q", {}, "Texts to change: question, topic, initiative, description, measure"),
        ("question", 1, None, {}, "Give new English words, or translations like cy=..., for"),
        ("question", 1, None, {"xx": "Q"}, "'xx' is not one of our languages: ar, bn, cy"),
        ("question", 1, None, {"cy": "-"}, "The question of round 1 has no cy words to remove."),
        ("question", 1, "  ", {}, "The new English text is empty."),
        (
            "question",
            1,
            "What should we work on first to improve health in our area?",
            {},
            "The question of round 1 already reads like that: nothing changed.",
        ),
    ],
)
async def test_an_edit_that_cannot_be_done_says_why(
    db: Database,
    desk: StaffDesk,
    kind: str,
    number: int,
    english: str | None,
    translations: dict[str, str],
    message: str,
) -> None:
    await desk.open_round(STAFF, "2026-12-31")
    with pytest.raises(StaffError) as refused:
        await wording.edit(desk, STAFF, kind, number, english, translations)
    assert str(refused.value).startswith(message)
    assert [e.action for e in await db.read(audit.entries)] == ["round.open"]


async def test_staff_text_falls_back_to_the_default_language(
    db: Database, flows: FlowLibrary, hooks: Registry, desk: StaffDesk
) -> None:
    welsh_first = Catalogs(default_locale="cy")
    host = make_host(db, flows, welsh_first, hooks)
    await desk.open_round(
        STAFF,
        "2026-12-31",
        topics=[{"en": "Safer crossings", "cy": "Croesfannau mwy diogel"}, {"en": "A youth club"}],
    )
    # A Polish reader: no Polish given, so the default language (Welsh), else the English.
    assert await _topics_seen(host, "ola", "pl") == ["Croesfannau mwy diogel", "A youth club"]
    assert welsh_first.get("pl").pick({"en": "Hello"}) == "Hello"
