"""bench/throughput.py without --in-service: ours keeps none of Telegram's limits.

The bare baseline keeps none, so ours must not either, or the benchmark measures a limit and
not the bot: with the paid rate (1,000 messages a second) left on, ours' saturated rate
stopped at about 1,050 steps a second (a message a step) with a third of its CPU idle.
"""

from __future__ import annotations

import asyncio

from bench._bot_process import without_limits
from bot.config import Settings
from bot.jobs.pacing import Pacer
from tests.jobs.conftest import VirtualClock

# More steps a second than either bot makes on this machine (about 1,600 at best).
STEPS_IN_A_SECOND = 5_000
CHATS = 500


def _settings() -> Settings:
    return Settings.from_env(
        {"BOT_TOKEN": "1:bench", "ORGANISATION_NAME": "Riverside Health Team"}, dotenv=False
    )


async def _waited(settings: Settings, replies: int) -> float:
    """Seconds the replies waited in all, sent at once to CHATS chats through a pacer built as
    bot.app.make_pacer builds the bot's one, on a clock that moves only by waiting."""
    clock = VirtualClock()
    pacer = Pacer(
        settings.broadcast_rate,
        per_chat=settings.chat_spacing,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        just_started=True,
    )

    async def reply(n: int) -> None:
        async with pacer.replying(str(n % CHATS)):
            await asyncio.sleep(0)  # in flight, as a Bot API call is

    await asyncio.gather(*(reply(n) for n in range(replies)))
    return clock.now


async def test_replies_never_wait_for_the_overall_rate_or_their_chat() -> None:
    assert await _waited(without_limits(_settings()), STEPS_IN_A_SECOND) == 0.0


async def test_in_service_the_same_replies_do_wait() -> None:
    # The check above can fail: with the bot's own settings, replies wait their turns.
    assert await _waited(_settings(), 2 * CHATS) >= 1.0
