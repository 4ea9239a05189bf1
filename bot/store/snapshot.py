"""What a resident's step may read, inside the step's own write transaction.

The host's hooks (option lists, facts, placeholders, records) are pure functions of one
Snapshot: it reads each thing at most once a step, on the connection of the transaction that
then writes the step, so nothing can change between what a hook saw and what is written (a
round closing at that moment, say).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.store import areas, champions, initiatives, rounds
from bot.store.areas import Area
from bot.store.champions import Champion
from bot.store.db import Tx
from bot.store.initiatives import Initiative, Measure
from bot.store.rounds import Round, Topic

T = TypeVar("T")


class Snapshot:
    """One step's reads, memoised."""

    def __init__(self, conn: Tx, participant_id: int, now: str) -> None:
        self._conn = conn
        self.participant_id = participant_id
        self.now = now
        self._seen: dict[tuple[object, ...], object] = {}

    def _once(self, key: tuple[object, ...], read: Callable[[], T]) -> T:
        if key not in self._seen:
            self._seen[key] = read()
        return self._seen[key]  # type: ignore[return-value]

    # -- rounds ----------------------------------------------------------------------------

    def open_rounds(self, area: str | None) -> tuple[Round, ...]:
        """Every round open now to someone in `area`, the one closing first first."""
        return self._once(
            ("open_rounds", area), lambda: tuple(rounds.open_for(self._conn, area, self.now))
        )

    def open_round(self, area: str | None) -> Round | None:
        """The newest round open now to someone in `area`."""
        found = self.open_rounds(area)
        return max(found, key=lambda r: r.id) if found else None

    def round(self, round_id: int) -> Round | None:
        """A round by id."""
        return self._once(("round", round_id), lambda: rounds.get(self._conn, round_id))

    def topics(self, round_id: int) -> tuple[Topic, ...]:
        """A round's topics, in order."""
        return self._once(("topics", round_id), lambda: tuple(rounds.topics(self._conn, round_id)))

    def submission(self, round_id: int) -> list[int] | None:
        """The resident's topic ids in a round, or None if they have not taken part."""
        return self._once(
            ("submission", round_id),
            lambda: rounds.submission(self._conn, self.participant_id, round_id),
        )

    def top_topic_ids(self, per_round: int) -> frozenset[int]:
        """The top topics of every round."""
        return self._once(
            ("top", per_round), lambda: frozenset(rounds.top_topic_ids(self._conn, per_round))
        )

    # -- areas -----------------------------------------------------------------------------

    def areas(self) -> tuple[Area, ...]:
        """The areas staff defined."""
        return self._once(("areas",), lambda: tuple(areas.all_areas(self._conn)))

    # -- initiatives -----------------------------------------------------------------------

    def initiatives(self, *statuses: str) -> tuple[Initiative, ...]:
        """Initiatives with these statuses, oldest first."""
        return self._once(
            ("initiatives", statuses),
            lambda: tuple(initiatives.all_initiatives(self._conn, statuses)),
        )

    def initiative(self, initiative_id: int) -> Initiative | None:
        """An initiative by id."""
        return self._once(
            ("initiative", initiative_id), lambda: initiatives.get(self._conn, initiative_id)
        )

    def initiative_topics(self, initiative_id: int) -> frozenset[int]:
        """The topics an initiative answers."""
        return self._once(
            ("initiative_topics", initiative_id),
            lambda: frozenset(initiatives.topic_ids(self._conn, initiative_id)),
        )

    def measures(self, initiative_id: int, status: str | None = None) -> tuple[Measure, ...]:
        """An initiative's measures, most voted first."""
        return self._once(
            ("measures", initiative_id, status),
            lambda: tuple(initiatives.measures(self._conn, initiative_id, status)),
        )

    def my_votes(self, initiative_id: int) -> frozenset[int]:
        """The initiative's measures the resident voted for."""
        return self._once(
            ("my_votes", initiative_id),
            lambda: frozenset(initiatives.votes_of(self._conn, self.participant_id, initiative_id)),
        )

    def evaluated(self) -> frozenset[tuple[int, str]]:
        """(initiative id, period) of every evaluation the resident has given."""
        return self._once(
            ("evaluated",),
            lambda: frozenset(initiatives.evaluated_in(self._conn, self.participant_id)),
        )

    # -- champions -------------------------------------------------------------------------

    def champion(self) -> Champion | None:
        """The resident's champion record, if they signed up."""
        return self._once(
            ("champion",), lambda: champions.of_participant(self._conn, self.participant_id)
        )
