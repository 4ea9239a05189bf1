"""Commands reach their own handlers however they are written, through one handler per table."""

from __future__ import annotations

from telegram.ext import CommandHandler

from bot.telegram.application import CHAMPION_COMMANDS, COMMANDS
from bot.telegram.staffcommands import COMMANDS as STAFF_COMMANDS
from tests.telegram.conftest import STAFF_ID, Harness
from tgdouble import BOT_USERNAME

AMINA, BEN, CHIOMA = 1001, 1002, 1003
NOT_STAFF = "Sorry, only staff can do that. Send /menu to see what you can do."
UNSUPPORTED = "Sorry, I can only read text, button taps, locations and voice notes."


async def test_a_residents_command_in_capitals_or_named_to_the_bot_is_the_same(
    tg: Harness,
) -> None:
    await tg.text(AMINA, "/privacy")
    await tg.text(BEN, f"/PRIVACY@{BOT_USERNAME}")
    assert tg.texts(BEN) == tg.texts(AMINA)
    assert "answers" in tg.texts(AMINA)[0]  # the privacy notice, not a reminder
    await tg.text(CHIOMA, "/privacy@some_other_bot")  # not for us: an unknown command
    assert tg.texts(CHIOMA)[0].startswith(UNSUPPORTED)
    assert tg.texts(AMINA)[0] not in tg.texts(CHIOMA)


async def test_each_staff_command_runs_its_own_action_for_staff_only(tg: Harness) -> None:
    await tg.text(STAFF_ID, "/Staff")
    [listing] = tg.texts(STAFF_ID)
    assert "/rounds" in listing and "/round_close" in listing
    await tg.text(STAFF_ID, f"/rounds@{BOT_USERNAME}")
    assert tg.texts(STAFF_ID)[1:] == ["No rounds yet."]
    await tg.text(AMINA, "/rounds")
    assert tg.texts(AMINA) == [NOT_STAFF]


async def test_every_command_is_offered_through_four_command_handlers(tg: Harness) -> None:
    handlers = [h for h in tg.bot.app.handlers[0] if isinstance(h, CommandHandler)]
    # PTB offers every update to each handler in turn: four, not one a command (sixty-odd).
    assert len(handlers) == 4
    handled = set().union(*(h.commands for h in handlers))
    assert handled == {*(n for n, _ in COMMANDS), *CHAMPION_COMMANDS, *STAFF_COMMANDS}
