"""The bot's words are written for Telegram's buttons; when it cannot take a typed answer, the
simulator says what to type instead, for the question asked again."""

from __future__ import annotations

import io

from bot.app import Core
from bot.console.simulator import Simulator
from bot.host.steps import Who

NIA = Who("console", "nia", "nia", "en")


async def _opened(core: Core) -> tuple[Simulator, io.StringIO]:
    out = io.StringIO()
    simulator = Simulator(core.host, NIA, out)
    await simulator.start()
    return simulator, out


async def _said(simulator: Simulator, out: io.StringIO, line: str) -> str:
    out.seek(0)
    out.truncate()
    await simulator.feed(line)
    return out.getvalue()


async def test_a_word_typed_at_a_button_question_is_followed_by_what_to_type(
    core: Core,
) -> None:
    simulator, out = await _opened(core)
    said = await _said(simulator, out, "hello")
    assert said.startswith(
        "bot> Please tap Yes or No.\n"
        "      (here: type 1 or 2; /help for more)\n"
        "bot> Are you happy to take part?\n"
    ), said
    # The answer it asks for works.
    assert "✅ Yes, I agree" in await _said(simulator, out, "1")


async def test_the_hint_is_for_the_question_asked_again_not_the_last_one_shown(
    core: Core,
) -> None:
    simulator, out = await _opened(core)
    await simulator.feed("1")  # consent: the area question comes next, to be typed
    shown = await _said(simulator, out, "/language")
    assert "10) " in shown  # the language question's buttons were the last shown
    said = await _said(simulator, out, "/voice 3")
    assert "Which area do you live in?" in said, said
    # A question to type the answer to: nothing about numbers (it said "type 1 to 10").
    assert "(here:" not in said, said


async def test_a_skipped_question_says_skipped_in_the_residents_language(core: Core) -> None:
    # "Skipped" is the engine's word, not one of the question's options: translated in a
    # yes/no question's label context it was found in no catalog and shown in English.
    out = io.StringIO()
    simulator = Simulator(core.host, Who("console", "ola", "ola", "pl"), out)
    await simulator.start()
    for line in ("1", "Riverside", "1"):  # consent, area, yes to questions about them
        await simulator.feed(line)
    out.seek(0)
    out.truncate()
    for _ in range(5):  # age, gender, disability, carer, ethnic group
        await simulator.feed("s")
    confirmations = [line.strip() for line in out.getvalue().splitlines() if "✅" in line]
    assert confirmations == ["✅ Pominięto"] * 5, out.getvalue()
