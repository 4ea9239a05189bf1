"""What the flows take from the bot, by QS148 statement: option lists, facts, placeholders and
records (see bot.host.registry). `registry()` puts them all together."""

from __future__ import annotations

from collections.abc import Callable

from bot.host.hooks import areas, assets, basics, champions, evaluation, priorities
from bot.host.registry import Registry


def registry(new_code: Callable[[], str]) -> Registry:
    """Every name the flows may use. `new_code` makes champions' referral codes."""
    return Registry.of(
        [
            *basics.ENTRIES,
            *areas.ENTRIES,
            *priorities.ENTRIES,
            *evaluation.ENTRIES,
            *assets.ENTRIES,
            *champions.entries(new_code),
        ]
    )
