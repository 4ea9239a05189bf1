"""In Telegram, staff's /results, /areas and /evaluations hide counts of people below the
threshold the bot is set up with (SUPPRESS_BELOW=10 here), not a fixed 5, and /evaluations
hides what its overall figures would give away."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import STAFF, rated, took_part
from tests.telegram.conftest import STAFF_ID, Harness, bot_running
from tgdouble import DoubleServer, FakeBotAPI


async def _staff(tg: Harness, text: str) -> str:
    await tg.text(STAFF_ID, text)
    return tg.last(STAFF_ID).text or ""


async def test_results_and_areas_follow_the_configured_threshold(
    api: FakeBotAPI, server: DoubleServer, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    async with bot_running(server, db, suppress_below=10) as bot:
        tg = Harness(api, bot, db)
        await tg.settle()
        opened = await _staff(
            tg, "/round_open 2099-01-31 What first?\ntopic: Safe streets\ntopic: Healthy food"
        )
        assert opened.startswith("Opened round 1.")
        await tg.core.db.write(took_part, 1, [["Safe streets"]] * 7, "Splott")
        await tg.core.db.write(took_part, 1, [["Healthy food"]] * 5, "Canton")

        results = (await _staff(tg, "/results 1")).splitlines()
        assert results[1].startswith("12 people took part.")
        assert results[1].endswith("Counts from 1 to 9 are shown as <10.")
        assert results[2:] == [
            "1. Safe streets (topic 1): <10 chose it, [c] put it first",
            "2. Healthy food (topic 2): <10 chose it, [c] put it first",
            "[c]: hidden, so that a count under 10 cannot be worked out from the others.",
        ]
        # Both are "<10", so they are listed by name: by size would say Splott's is larger.
        assert (await _staff(tg, "/areas")).splitlines()[-2:] == [
            "Residents' own words, in no area: Canton (<10); Splott (<10)",
            "Residents taking part: 12.",
        ]
        assert await _staff(tg, "/area_add Splott") == (
            "Added area Splott. Residents in it (as they gave their area, or now matched): <10."
        )
        assert (await _staff(tg, "/areas")).splitlines()[0] == (
            "Splott: no other names or districts; residents <10"
        )


async def test_results_hide_every_first_choice_when_one_is_small(
    api: FakeBotAPI, server: DoubleServer, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    async with bot_running(server, db, suppress_below=10) as bot:
        tg = Harness(api, bot, db)
        await tg.settle()
        await _staff(
            tg,
            "/round_open 2099-01-31 What first?\ntopic: Safe streets\ntopic: Healthy food\n"
            "topic: Bus routes",
        )
        # 23 took part: safe streets and healthy food each 11 chose, 10 first; bus routes 3
        # chose, 3 first. Hiding one 10 beside an 11 said it was 10, and so the 3.
        a, b, c = "Safe streets", "Healthy food", "Bus routes"
        people = [[a]] * 10 + [[c, a]] + [[b]] * 10 + [[c, b]] + [[c]]
        await tg.core.db.write(took_part, 1, people)
        results = (await _staff(tg, "/results 1")).splitlines()
        assert results[1].startswith(
            "23 people took part. Topics are ranked by how many people chose them; when two "
            "are level, they are in the round's own order, since first choices are all hidden "
            "when showing them would give a small number away."
        )
        assert results[2:] == [
            "1. Safe streets (topic 1): 11 chose it, [c] put it first",
            "2. Healthy food (topic 2): 11 chose it, [c] put it first",
            "3. Bus routes (topic 3): <10 chose it, [c] put it first",
            "[c]: hidden, so that a count under 10 cannot be worked out from the others.",
        ]


async def test_evaluations_hide_what_the_overall_figures_would_give_away(
    api: FakeBotAPI, server: DoubleServer, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    async with bot_running(server, db, suppress_below=10) as bot:
        tg = Harness(api, bot, db)
        await tg.settle()
        await _staff(tg, "/round_open 2099-01-31 What first?\ntopic: Safe streets")
        lights = await tg.core.desk.create_initiative(STAFF, {"en": "Street lights"}, [1])
        measure = await tg.core.desk.add_measure(STAFF, lights, {"en": "Fewer dark corners"})
        # 12 five stars in October, 7 four in November: 19 - 12 would give the 7 away.
        october, november = [("2026-10-01", 5)] * 12, [("2026-11-01", 4)] * 7
        await tg.core.db.write(rated, lights, measure, october + november)

        assert (await _staff(tg, f"/evaluations {lights}")).splitlines()[1:] == [
            f"Measure {measure}: Fewer dark corners",
            "  all periods: 19 ratings, average hidden: ★1 0 · ★2 0 · ★3 0 · ★4 <10 · ★5 [c]",
            "  from 2026-10-01: [c] ratings, average hidden",
            "  from 2026-11-01: <10 ratings, average hidden",
            "[c]: hidden, so that a count under 10 cannot be worked out from the others.",
        ]


async def test_evaluations_show_no_average_that_would_undo_a_hidden_star(
    api: FakeBotAPI, server: DoubleServer, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    async with bot_running(server, db, suppress_below=5) as bot:
        tg = Harness(api, bot, db)
        await tg.settle()
        await _staff(tg, "/round_open 2099-01-31 What first?\ntopic: Safe streets")
        lights = await tg.core.desk.create_initiative(STAFF, {"en": "Street lights"}, [1])
        measure = await tg.core.desk.add_measure(STAFF, lights, {"en": "Fewer dark corners"})
        # 2 four stars and 8 five: 10 x 4.8 = 48 = 4a + 5(10 - a) would give a = 2 away.
        ratings = [("2026-10-01", 4)] * 2 + [("2026-10-01", 5)] * 8
        await tg.core.db.write(rated, lights, measure, ratings)

        said = (await _staff(tg, f"/evaluations {lights}")).splitlines()
        assert said[0].endswith(
            "An average is shown only where none of the counts of stars behind it would be "
            "hidden (for check-in periods: in any period, though their stars are not listed)."
        )
        assert said[1:] == [
            f"Measure {measure}: Fewer dark corners",
            "  all periods: 10 ratings, average hidden: ★1 0 · ★2 0 · ★3 0 · ★4 <5 · ★5 [c]",
            "[c]: hidden, so that a count under 5 cannot be worked out from the others.",
        ]
