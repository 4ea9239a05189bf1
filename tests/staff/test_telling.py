"""What staff read about when their action's news goes out: at once, or when quiet hours end."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.jobs.pacing import QuietHours
from bot.staff.telling import sending_now, told
from bot.store.broadcasts import Audience, Reach

LONDON = "Europe/London"


def test_news_sent_in_quiet_hours_says_when_it_starts() -> None:
    quiet = QuietHours.parse("21:00-08:00", LONDON)
    late = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)
    assert sending_now(quiet, late, LONDON) == (
        "It is quiet hours, when nobody is messaged: sending starts at 08:00 (Europe/London)."
    )
    assert sending_now(quiet, late.replace(hour=12), LONDON) == "Sending now."
    assert sending_now(None, late, LONDON) == "Sending now."


def test_the_simulators_share_does_not_give_a_hidden_total_away() -> None:
    # 4 + 4: each language under 5 would follow from the total, so all three are hidden; 6
    # simulator users beside "[c] people" said there were at least 6.
    reach = Reach({"en": 4, "cy": 4}, {"console": 6, "telegram": 2}, 0, 0, 0)
    lines = told(reach, Audience("everyone"), threshold=5).splitlines()
    assert lines[0] == "[c] people will be told, each in their own language (en [c] · cy [c])."
    assert lines[2] == (
        "Some of them use the terminal simulator: they see it when they next open "
        "`community-voice chat`."
    )
    # A total shown, the simulator's share is shown as any count is.
    reach = Reach({"en": 6, "cy": 5}, {"console": 6, "telegram": 5}, 0, 0, 0)
    lines = told(reach, Audience("everyone"), threshold=5).splitlines()
    assert lines[0].startswith("11 people will be told")
    assert lines[1].startswith("6 of them use the terminal simulator")
