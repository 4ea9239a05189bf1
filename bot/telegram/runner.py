"""Run the bot on Telegram."""

from __future__ import annotations

from bot.config import Settings


def run_telegram(settings: Settings) -> int:
    """Run the Telegram bot until stopped."""
    print("Running on Telegram is not available yet: unset BOT_TOKEN to use the simulator.")
    return 1
