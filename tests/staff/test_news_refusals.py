"""An update's checks say each case in a sentence of its own (other languages say a status
differently in each), and say it in English as they always have."""

from __future__ import annotations

import pytest

from bot.staff.actor import StaffError
from bot.staff.news import _ALREADY, _MOVES_BACK, INITIATIVE_STATUSES, STAGES, News


def test_every_status_and_every_step_back_has_its_own_sentence() -> None:
    assert set(_ALREADY) == set(INITIATIVE_STATUSES)
    backs = {(was, to) for was in STAGES for to in STAGES if STAGES[to] < STAGES[was]}
    assert set(_MOVES_BACK) == backs


def test_a_step_back_not_confirmed_is_said_as_before() -> None:
    news = News(3, "finished", "active", None, back=True, repeats=None)
    with pytest.raises(StaffError) as raised:
        news.confirm("cli", again=False, back=False)
    assert str(raised.value) == (
        "This moves initiative 3 back from finished to active: residents will read that it "
        "is active again. If that is right, run this again with --back."
    )
    with pytest.raises(StaffError) as raised:
        news.confirm("telegram", again=False, back=False)
    assert str(raised.value).endswith(
        "If that is right, put --back after the status: /initiative_update 3 active --back."
    )


def test_a_repeat_not_confirmed_is_said_as_before() -> None:
    news = News(3, "active", None, {"en": "Painted."}, back=False, repeats="2026-11-30")
    with pytest.raises(StaffError) as raised:
        news.confirm("web", again=False, back=False)
    assert str(raised.value) == (
        "That note is word for word the last one about initiative 3 (recorded 2026-11-30): "
        "residents would read it twice. To send it again anyway, press 'Send it again anyway'."
    )
