"""A champion's figures hide counts from 1 to 4, and no total gives a hidden count away."""

from __future__ import annotations

from itertools import product

import pytest

from bot.store import champions, participants, sessions
from bot.store.db import Database, Tx
from bot.store.referral_stats import SMALL, Shown, cell, referral_stats, total
from bot.store.sessions import SessionState


def test_counts_from_1_to_4_are_hidden() -> None:
    assert [cell(n).text() for n in range(7)] == ["0", "<5", "<5", "<5", "<5", "5", "6"]


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ([7, 8], "15"),  # nothing hidden
        ([7, 2], "8+"),  # one hidden count: 9 - 7 would give it away
        ([7, 1, 1], "9+"),  # two hidden, both 1: their sum (2) would pin them
        ([7, 2, 3], "9+"),
        ([4, 4], "5+"),  # at least 2, and not under 5 (it would say "<5")
        ([3], "<5"),
        ([1, 2], "<5"),
        ([0, 0], "0"),
    ],
)
def test_a_total_is_exact_only_when_it_cannot_reveal_a_hidden_count(
    counts: list[int], shown: str
) -> None:
    assert total(counts).text() == shown


def test_no_total_ever_pins_a_hidden_count() -> None:
    """For every column of three weeks (0-9 people each), work out what someone who sees the
    column as shown could tell: no hidden count may have only one possible value."""
    for counts in product(range(10), repeat=3):
        seen = [cell(c) for c in counts]
        whole = total(list(counts))
        possible = [
            other
            for other in product(range(10), repeat=3)
            if [cell(c) for c in other] == seen and total(list(other)) == whole
        ]
        for index in range(len(counts)):
            if seen[index].hidden:
                values = {other[index] for other in possible}
                assert len(values) > 1, (counts, index, whole)


def test_the_shown_form_of_each_kind() -> None:
    assert Shown(0, "small").text() == f"<{SMALL}"
    assert Shown(12, "at_least").text() == "12+"
    assert Shown(12).text(lambda n: f"#{n}") == "#12"


async def test_figures_by_week_of_joining(db: Database) -> None:
    def setup(conn: Tx) -> int:
        champion_person = participants.find_or_create(conn, "console", "c", "c", "2026-11-01")
        champion = champions.create(conn, champion_person.id, "c-code", "2026-11-01", "active")
        joins = ["2026-11-02T09:00:00+00:00"] * 6 + ["2026-11-12T09:00:00+00:00"] * 2
        for number, when in enumerate(joins):
            person = participants.find_or_create(conn, "console", f"r{number}", "x", when)
            participants.update(conn, person.id, {"consent_at": when})
            champions.attribute(conn, person.id, "c-code", when)
            if number < 5:  # five of the first week's six finished the priorities
                state = SessionState("priorities", "h", None, "{}", "finished")
                sessions.create(conn, person.id, state, when)
        # Someone who opened the link but never consented does not count.
        stranger = participants.find_or_create(conn, "console", "s", "s", "2026-11-03")
        champions.attribute(conn, stranger.id, "c-code", "2026-11-03T09:00:00+00:00")
        return champion

    champion_id = await db.write(setup)
    stats = await db.read(referral_stats, champion_id, ["priorities", "assets"])
    assert [(w.monday, w.joined.text()) for w in stats.weeks] == [
        ("2026-11-02", "6"),
        ("2026-11-09", "<5"),
    ]
    assert stats.weeks[0].finished["priorities"].text() == "5"
    assert stats.joined.text() == "7+"  # 8 exactly would tell the second week had 2
    assert stats.finished == {"priorities": Shown(5), "assets": Shown(0)}
