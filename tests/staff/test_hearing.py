"""Staff hear residents: "something else" answers, answers in residents' own words, voice
notes, evaluations per measure over time with every comment; linking a suggestion to an
initiative brings its author the initiative's news. Residents talk through the simulator."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import pytest
import yaml

from bot.app import Core, Services
from bot.console.simulator import Simulator
from bot.host.steps import Who
from bot.jobs.chartworker import InlineCharts
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.hearing import SCALE
from bot.store import initiatives, participants, rounds
from bot.store.db import Tx
from bot.web.pages import initiatives as web_initiatives
from tests.conftest import REPO, STAFF, rated

VIEWER = Actor("test:viewer", Role.VIEWER, "test")
AVERAGES_AT_5 = (
    "An average is shown only where none of the counts of stars behind it would be hidden "
    "(for check-in periods: in any period, though their stars are not listed)."
)
OCTOBER, NOVEMBER = "2026-10-01", "2026-11-01"


async def _talk(core: Core, user: str, *lines: str, phone: str = "en") -> Simulator:
    simulator = Simulator(core.host, Who("console", user, user, phone), io.StringIO())
    await simulator.start()
    for line in lines:
        await simulator.feed(line)
    return simulator


async def test_suggestions_own_words_and_voice_notes(core: Core) -> None:
    closes = (core.clock() + timedelta(days=3)).date().isoformat()
    round_id = await core.desk.open_round(STAFF, closes)
    # Amina: consent, skip area and the questions about herself, priorities: two topics in
    # order, then "something else" in her own words, and send.
    await _talk(
        core, "amina", "1", "s", "2", "1", "3", "1", "d", "1", "1", "A youth club by the park", "1"
    )
    # Ben: the same start, then a community asset described in a voice note.
    await _talk(core, "ben", "1", "s", "2", "2", "1", "/voice 12", "Riverside Library")
    hearing = core.hearing()
    today = core.clock().date().isoformat()

    said = await hearing.suggestions(VIEWER, round_id)
    assert said.splitlines()[1] == (
        f"suggestion 1 · round {round_id} · {today} · en: resident said: «A youth club by the park»"
    )
    voice = (await hearing.voice_notes(VIEWER)).splitlines()
    assert len(voice) == 2
    answer_id = int(voice[1].split()[1])
    assert voice[1] == (
        f"answer {answer_id} · {today} · en · assets: “Tell us about it. What is it, and why is "
        f"it good?” · resident's voice note (12 s): /voice {answer_id}"
    )
    file_id, context = await hearing.voice(VIEWER, answer_id)
    assert file_id == "console-voice-note"
    assert context.endswith("assets: “Tell us about it. What is it, and why is it good?”")
    with pytest.raises(StaffError, match="There is no voice note 9999"):
        await hearing.voice(VIEWER, 9999)

    words = await hearing.answers(VIEWER, "priorities")
    assert "«A youth club by the park»" in words and "voice note" not in words
    everything = await hearing.answers(VIEWER)
    # Newest first: Ben's voice note comes before Amina's suggestion.
    assert everything.index("voice note (12 s)") < everything.index("«A youth club by")
    with pytest.raises(StaffError, match="Flow 'menu' has no questions answered in words"):
        await hearing.answers(VIEWER, "menu")

    actions = await core.db.read(
        lambda conn: [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    )
    # Every reading is audited; a refused one (no such voice note) leaves no entry.
    assert actions[-5:] == [
        "residents.read",
        "residents.read",
        "residents.hear",
        "residents.read",
        "residents.read",
    ]


async def test_a_linked_suggestion_brings_its_author_the_initiatives_news(core: Core) -> None:
    closes = (core.clock() + timedelta(days=3)).date().isoformat()
    round_id = await core.desk.open_round(STAFF, closes)
    amina = await _talk(
        core, "amina", "1", "s", "2", "1", "3", "1", "d", "1", "1", "A youth club by the park", "1"
    )
    topics = await core.db.read(rounds.topics, round_id)
    # The initiative answers a topic Amina did not choose: only the link brings her its news.
    walking = await core.desk.create_initiative(STAFF, {"en": "Youth club"}, [topics[5].id])
    with pytest.raises(StaffError, match="viewer"):
        await core.hearing().link(VIEWER, 1, walking)
    with pytest.raises(StaffError, match="There is no suggestion 7"):
        await core.hearing().link(STAFF, 7, walking)
    before = await core.desk.update_initiative(STAFF, walking, "active")
    assert before.reach.told == 0

    said = await core.hearing().link(STAFF, 1, walking)
    assert said == (
        f"Linked suggestion 1 to initiative {walking}: the person who made it is told its news "
        "from now on."
    )
    with pytest.raises(StaffError, match=f"already linked to initiative {walking}: nothing"):
        await core.hearing().link(STAFF, 1, walking)
    assert f"→ initiative {walking}" in await core.hearing().suggestions(STAFF)

    after = await core.desk.update_initiative(STAFF, walking, None, {"en": "We opened it."})
    assert after.reach.told == 1
    services = Services(core, {}, charts=InlineCharts())
    await services.jobs.sweep()
    await asyncio.gather(*services.jobs.running.values())
    out = amina.out
    assert isinstance(out, io.StringIO)
    out.seek(0)
    out.truncate()
    assert await amina.show_inbox()
    assert "📣 You said, we did: news about “Youth club”." in out.getvalue()
    assert "We opened it." in out.getvalue()


async def test_a_suggestion_linked_by_mistake_is_unlinked_and_a_second_link_is_said(
    core: Core,
) -> None:
    closes = (core.clock() + timedelta(days=3)).date().isoformat()
    round_id = await core.desk.open_round(STAFF, closes)
    await _talk(
        core, "amina", "1", "s", "2", "1", "3", "1", "d", "1", "1", "A youth club by the park", "1"
    )
    topics = await core.db.read(rounds.topics, round_id)
    wrong = await core.desk.create_initiative(STAFF, {"en": "Bus stop"}, [topics[4].id])
    club = await core.desk.create_initiative(STAFF, {"en": "Youth club"}, [topics[5].id])
    await core.hearing().link(STAFF, 1, wrong)
    said = await core.hearing().link(STAFF, 1, club)
    assert said.endswith(
        f"It is now linked to initiatives {wrong} and {club}, and they are told the news of "
        f"each. If an earlier link was a mistake, unlink it: /suggestion_unlink 1 {wrong}."
    )
    with pytest.raises(StaffError, match="viewer"):
        await core.hearing().unlink(VIEWER, 1, wrong)
    assert await core.hearing().unlink(STAFF, 1, wrong) == (
        f"Unlinked suggestion 1 from initiative {wrong}: its news no longer reaches the person "
        "who made it through this suggestion (it still does if they chose its topics, evaluated "
        f"it, or voted for or proposed its measures). It is still linked to initiative {club}."
    )
    with pytest.raises(StaffError) as refused:
        await core.hearing().unlink(STAFF, 1, wrong)
    assert str(refused.value) == (
        f"Suggestion 1 is not linked to initiative {wrong}: it is linked to initiative {club}."
    )
    with pytest.raises(StaffError, match="There is no suggestion 7"):
        await core.hearing().unlink(STAFF, 7, wrong)
    assert f"→ initiative {club}:" in await core.hearing().suggestions(STAFF)
    # Nobody else is told the wrong initiative's news through the suggestion.
    news = await core.desk.update_initiative(STAFF, wrong, "active")
    assert news.reach.told == 0

    def audited(conn: Tx) -> list[tuple[str, str, str | None, str | None]]:
        return conn.execute(
            "SELECT action, actor, before, after FROM audit_log "
            "WHERE action LIKE 'suggestion.%' ORDER BY id"
        ).fetchall()

    rows = [tuple(r) for r in await core.db.read(audited)]
    assert [(action, actor) for action, actor, _, _ in rows] == [
        ("suggestion.link", STAFF.name),
        ("suggestion.link", STAFF.name),
        ("suggestion.unlink", STAFF.name),
    ]
    assert rows[2][2] == f'{{"initiative": {wrong}}}'


async def test_residents_words_keep_the_language_they_were_written_in(core: Core) -> None:
    # Staff pick a translator by the language shown with a resident's words, so it must be
    # the one they wrote in, not whatever the resident has switched to since.
    closes = (core.clock() + timedelta(days=3)).date().isoformat()
    round_id = await core.desk.open_round(STAFF, closes)
    walks = await core.desk.create_initiative(STAFF, {"en": "Walking group"}, [])
    await core.desk.add_measure(STAFF, walks, {"en": "People feel less alone"})
    await core.desk.update_initiative(STAFF, walks, "active")
    # Ola's phone is in Polish: she joins, suggests something else in a round and says what
    # worked in an evaluation, in Polish. Then she picks English, and later Cymraeg.
    polish = ("1", "s", "2", "1", "1", "d", "1", "Basen dla dzieci", "1")
    evaluation = ("3", "1", "4", "Spacery są super", "s")
    await _talk(core, "ola", *polish, *evaluation, "/language", "1", phone="pl")
    await _talk(core, "ola", "/language", "4", phone="pl")
    ola = await core.db.read(participants.find, "console", "ola")
    assert ola is not None and ola.locale == "cy"
    hearing = core.hearing()
    today = core.clock().date().isoformat()

    suggested = (await hearing.suggestions(VIEWER, round_id)).splitlines()
    assert suggested[1:] == [
        f"suggestion 1 · round {round_id} · {today} · pl: resident said: «Basen dla dzieci»"
    ]
    answers = (await hearing.answers(VIEWER)).splitlines()
    assert [line.split(" · ")[2] for line in answers[1:]] == ["pl", "pl"]
    assert answers[1].endswith("«Spacery są super»") and answers[2].endswith("«Basen dla dzieci»")
    comments = (await hearing.evaluations(VIEWER, walks)).splitlines()
    assert comments[-1] == f"  {today} · pl · what worked: resident said: «Spacery są super»"

    # In Welsh now, she answers the round again: the new words are labelled Welsh, and the
    # Polish ones she wrote before keep their label in the answers.
    # (The topic she sent before is ticked already: she adds a second.)
    again = ("1", "2", "d", "1", "1", "Pwll nofio i blant", "1")
    await _talk(core, "ola", *again, phone="pl")
    suggested = (await hearing.suggestions(VIEWER, round_id)).splitlines()
    assert suggested[1].endswith(f"{today} · cy: resident said: «Pwll nofio i blant»")
    answers = (await hearing.answers(VIEWER, "priorities")).splitlines()
    assert [line.split(" · ", 3)[2:] for line in answers[1:]] == [
        ["cy", "priorities: “What else should we work on?” · resident said: «Pwll nofio i blant»"],
        ["pl", "priorities: “What else should we work on?” · resident said: «Basen dla dzieci»"],
    ]


def _evaluations(conn: Tx, initiative_id: int, measures: list[int]) -> None:
    """Seven residents rate the first measure in October, three more in November; comments.
    Written without the language they were given in, as before migration 0014: shown with the
    resident's language."""
    ratings = [5, 5, 4, 4, 4, 2, 1] + [5, 5, 3]
    periods = ["2026-10-01"] * 7 + ["2026-11-01"] * 3
    for n, (rating, period) in enumerate(zip(ratings, periods, strict=True)):
        who = participants.find_or_create(conn, "telegram", str(500 + n), str(500 + n), "x")
        participants.update(conn, who.id, {"locale": "cy" if n == 8 else "en"})
        initiatives.save_evaluation(
            conn,
            who.id,
            initiatives.Evaluation(
                initiative_id,
                period,
                {measures[0]: rating},
                worked="The walks are friendly" if n == 0 else None,
                better="Mwy o feinciau" if n == 8 else None,
            ),
            f"{period}T1{n % 10}:00:00+00:00",
        )


async def test_evaluations_per_measure_over_time_with_every_comment(core: Core) -> None:
    closes = (core.clock() + timedelta(days=3)).date().isoformat()
    round_id = await core.desk.open_round(STAFF, closes)
    topics = await core.db.read(rounds.topics, round_id)
    walks = await core.desk.create_initiative(STAFF, {"en": "Walking group"}, [topics[0].id])
    first = await core.desk.add_measure(STAFF, walks, {"en": "People feel less alone"})
    second = await core.desk.add_measure(STAFF, walks, {"en": "More people join"})
    await core.db.write(_evaluations, walks, [first, second])

    text = await core.hearing().evaluations(VIEWER, walks)
    assert text.splitlines() == [
        f"Evaluations of initiative {walks} (Walking group): 10 so far. Ratings are what "
        "residents tapped: 1 Very badly, 2 Badly, 3 OK, 4 Well, 5 Very well. Counts from 1 to "
        "4 are shown as <5. " + AVERAGES_AT_5,
        f"Measure {first}: People feel less alone",
        # 2 + 1 + 3 + 4 ... each star's count is small, so all are hidden; the total is not,
        # nor the average (10 x 3.8 = 38 would narrow the hidden stars down).
        "  all periods: 10 ratings, average hidden: ★1 <5 · ★2 <5 · ★3 <5 · ★4 <5 · ★5 <5",
        # October's 7 beside the 10 would give November's 3 away: hidden, and its average.
        "  from 2026-10-01: [c] ratings, average hidden",
        "  from 2026-11-01: <5 ratings, average hidden",
        "[c]: hidden, so that a count under 5 cannot be worked out from the others.",
        "Comments in residents' own words, newest first:",
        "  2026-11-01 · cy · what could be better: resident said: «Mwy o feinciau»",
        "  2026-10-01 · en · what worked: resident said: «The walks are friendly»",
    ]
    with pytest.raises(StaffError, match="There is no initiative 99"):
        await core.hearing().evaluations(VIEWER, 99)


async def _rated_lines(core: Core, ratings: list[tuple[str, int]]) -> list[str]:
    """The evaluations staff read of one measure rated as `ratings` says (period, stars)."""
    round_id = await core.desk.open_round(STAFF, "2099-01-31")
    topics = await core.db.read(rounds.topics, round_id)
    lights = await core.desk.create_initiative(STAFF, {"en": "Street lights"}, [topics[0].id])
    measure = await core.desk.add_measure(STAFF, lights, {"en": "Fewer dark corners"})
    await core.db.write(rated, lights, measure, ratings)
    return (await core.hearing().evaluations(VIEWER, lights)).splitlines()[2:]


async def test_an_average_beside_a_hidden_star_is_hidden(core: Core) -> None:
    # 2 four stars and 8 five: an average of 4.8 would give 48 = 4a + 5(10 - a), so a = 2.
    lines = await _rated_lines(core, [(OCTOBER, 4)] * 2 + [(OCTOBER, 5)] * 8)
    assert lines[0] == (
        "  all periods: 10 ratings, average hidden: ★1 0 · ★2 0 · ★3 0 · ★4 <5 · ★5 [c]"
    )
    assert not any("4.8" in line for line in lines)


async def test_an_average_beside_stars_all_hidden_is_hidden(core: Core) -> None:
    # 1 four stars and 5 five cannot be made safe, so every star is hidden; an average of 4.8
    # would still give 29, so exactly one four.
    lines = await _rated_lines(core, [(OCTOBER, 4)] + [(OCTOBER, 5)] * 5)
    assert lines[0] == (
        "  all periods: 6 ratings, average hidden: ★1 [c] · ★2 [c] · ★3 [c] · ★4 [c] · ★5 [c]"
    )


async def test_an_average_beside_stars_none_hidden_is_shown(core: Core) -> None:
    lines = await _rated_lines(core, [(OCTOBER, 4)] * 5 + [(OCTOBER, 5)] * 6)
    # One check-in period is the overall figure again: not repeated, as on the dashboard.
    assert lines == ["  all periods: 11 ratings, average 4.5: ★1 0 · ★2 0 · ★3 0 · ★4 5 · ★5 6"]


async def test_a_periods_average_that_would_give_its_stars_away_is_hidden(core: Core) -> None:
    # October: 1 four stars and 4 five, an average of 4.8: exactly one four that month.
    lines = await _rated_lines(core, [(OCTOBER, 4)] + [(OCTOBER, 5)] * 4 + [(NOVEMBER, 5)] * 5)
    assert lines == [
        "  all periods: 10 ratings, average hidden: ★1 0 · ★2 0 · ★3 0 · ★4 <5 · ★5 [c]",
        f"  from {OCTOBER}: 5 ratings, average hidden",
        f"  from {NOVEMBER}: 5 ratings, average hidden",
        "[c]: hidden, so that a count under 5 cannot be worked out from the others.",
    ]


async def test_a_safe_periods_average_is_hidden_when_it_would_give_another_away(
    core: Core,
) -> None:
    # Overall 7 three stars and 8 five: nothing hidden, so the sum (61) is known. October
    # (5 three, 5 five: 40) would be safe alone, but 61 - 40 = 21 = 3a + 5(5 - a) would give
    # November's 2 three stars and 3 five away.
    october = [(OCTOBER, 3)] * 5 + [(OCTOBER, 5)] * 5
    lines = await _rated_lines(core, october + [(NOVEMBER, 3)] * 2 + [(NOVEMBER, 5)] * 3)
    assert lines == [
        "  all periods: 15 ratings, average 4.1: ★1 0 · ★2 0 · ★3 7 · ★4 0 · ★5 8",
        f"  from {OCTOBER}: 10 ratings, average hidden",
        f"  from {NOVEMBER}: 5 ratings, average hidden",
    ]


async def test_with_every_period_safe_each_periods_average_is_shown(core: Core) -> None:
    lines = await _rated_lines(core, [(OCTOBER, 5)] * 5 + [(NOVEMBER, 4)] * 5)
    assert lines == [
        "  all periods: 10 ratings, average 4.5: ★1 0 · ★2 0 · ★3 0 · ★4 5 · ★5 5",
        f"  from {OCTOBER}: 5 ratings, average 5.0",
        f"  from {NOVEMBER}: 5 ratings, average 4.0",
    ]


def test_staff_read_the_rating_scale_in_the_words_residents_tap() -> None:
    # Staff read "1 (poor) to 5 (very good)" while residents tapped "😞 Very badly" ... "😀 Very
    # well": a 3 is "OK", not "fair".
    flow = yaml.safe_load((REPO / "flows" / "evaluation.yaml").read_text("utf-8"))
    [rate] = [node for node in flow["nodes"] if node["id"] == "rate"]
    tapped = ", ".join(f"{o['id']} {o['label'].split(' ', 1)[1]}" for o in rate["options"])
    assert tapped == "1 Very badly, 2 Badly, 3 OK, 4 Well, 5 Very well"
    assert SCALE == tapped
    assert tapped in web_initiatives.SCALE
