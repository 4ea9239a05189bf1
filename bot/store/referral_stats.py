"""What a champion achieved: people who joined through their link, and how many of them
finished each flow, by week of joining, with small numbers hidden.

A count from 1 to 4 is shown as "<5", so that nobody can be picked out. A total could give a
hidden count away (total 9, weeks "7" and "<5": the hidden one is 2), so a total is exact
only when nothing in its column is hidden. Otherwise it is shown as the least it could be
("8+"), which the column already tells. (Being exact only when the hidden counts could be
split several ways is not enough: whether a total is exact would then itself tell something,
and "4" and "4" are the only split that gives 8 and is shown as "N+".)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.store.db import Tx

SMALL = 5  # counts below this (and above 0) are hidden
# The flows whose finishing counts in a champion's figures: the four QS148 activities.
FLOWS = ("priorities", "assets", "evaluation", "measures")


@dataclass(frozen=True, slots=True)
class Shown:
    """A count as it may be shown: `exact`, `small` (1-4, "<5"), or `at_least` (value+)."""

    value: int
    kind: str = "exact"

    def text(self, number: Callable[[int], str] = str) -> str:
        """As written in a message or on a chart; `number` formats a number."""
        if self.kind == "small":
            return "<" + number(SMALL)
        if self.kind == "at_least":
            return number(self.value) + "+"
        return number(self.value)

    @property
    def hidden(self) -> bool:
        """Whether the exact count is withheld."""
        return self.kind != "exact"


def cell(count: int) -> Shown:
    """One count: hidden when it is from 1 to 4."""
    return Shown(0, "small") if 0 < count < SMALL else Shown(count)


def total(counts: Sequence[int]) -> Shown:
    """The total of a column of counts, exact only when it cannot reveal a hidden one."""
    whole = sum(counts)
    if 0 < whole < SMALL:
        return Shown(0, "small")
    hidden = [c for c in counts if 0 < c < SMALL]
    if not hidden:
        return Shown(whole)
    # Each hidden count is at least 1, and the total is not under 5 (it would say "<5").
    least = whole - sum(hidden) + len(hidden)
    return Shown(max(least, SMALL), "at_least")


@dataclass(frozen=True, slots=True)
class Week:
    """One week of joining (its Monday, ISO date): how many joined, and finished each flow."""

    monday: str
    joined: Shown
    finished: dict[str, Shown]


@dataclass(frozen=True, slots=True)
class ReferralStats:
    """A champion's figures, every count already protected."""

    weeks: tuple[Week, ...]  # oldest first; only weeks someone joined in
    joined: Shown
    finished: dict[str, Shown]  # flow id -> total, for the flows asked about


def referral_stats(conn: Tx, champion_id: int, flows: Sequence[str]) -> ReferralStats:
    """The champion's figures for these flows. People count once they have consented."""
    joined = {
        str(week): int(n)
        for week, n in conn.execute(
            f"SELECT {_WEEK} AS week, COUNT(*) FROM referrals r "
            "JOIN participants p ON p.id = r.participant_id "
            "WHERE r.champion_id = ? AND p.consent_at IS NOT NULL GROUP BY week",
            (champion_id,),
        )
    }
    finished: dict[tuple[str, str], int] = {}
    for week, flow_id, n in conn.execute(
        f"SELECT {_WEEK} AS week, s.flow_id, COUNT(DISTINCT s.participant_id) FROM referrals r "
        "JOIN participants p ON p.id = r.participant_id "
        "JOIN sessions s ON s.participant_id = r.participant_id "
        "WHERE r.champion_id = ? AND p.consent_at IS NOT NULL AND s.status = 'finished' "
        "GROUP BY week, s.flow_id",
        (champion_id,),
    ):
        finished[(str(week), str(flow_id))] = int(n)
    mondays = sorted(joined)
    return ReferralStats(
        weeks=tuple(
            Week(
                monday,
                cell(joined[monday]),
                {flow: cell(finished.get((monday, flow), 0)) for flow in flows},
            )
            for monday in mondays
        ),
        joined=total([joined[m] for m in mondays]),
        finished={flow: total([finished.get((m, flow), 0) for m in mondays]) for flow in flows},
    )


# The Monday (UTC) of the week someone was referred in.
_WEEK = "date(r.created_at, 'weekday 0', '-6 days')"
