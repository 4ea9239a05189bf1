"""What staff read about when their action's news goes out: at once, or when quiet hours end."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.jobs.pacing import QuietHours
from bot.staff.telling import sending_now

LONDON = "Europe/London"


def test_news_sent_in_quiet_hours_says_when_it_starts() -> None:
    quiet = QuietHours.parse("21:00-08:00", LONDON)
    late = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)
    assert sending_now(quiet, late, LONDON) == (
        "It is quiet hours, when nobody is messaged: sending starts at 08:00 (Europe/London)."
    )
    assert sending_now(quiet, late.replace(hour=12), LONDON) == "Sending now."
    assert sending_now(None, late, LONDON) == "Sending now."
