"""What the QS148 report counts, straight from the tables, for a period and an area.

Areas are what residents typed, so they are compared trimmed and lower-cased ("area key").
Times are ISO strings in UTC, compared as text like everywhere else in the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.store import places
from bot.store.db import Tx

AREA_KEY = "area_key({col})"  # places.area_key, as every connection has it (bot/store/db.py)
EQUALITY_KEYS = ("age_band", "gender", "disability", "carer", "ethnic_group")
# A resident's latest answer to a key, looked up through answers_participant_key (a join to
# a grouped subquery instead took minutes for 100,000 residents).
LATEST = (
    "(SELECT a.value_json FROM answers a WHERE a.key = ? AND a.participant_id = p.id "
    "ORDER BY a.id DESC LIMIT 1)"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """A report's period (either end open) and area (an area key, or None for all)."""

    since: str | None = None
    until: str | None = None
    area: str | None = None

    def between(self, column: str) -> tuple[str, list[Any]]:
        """SQL (starting with AND) keeping `column` within the period."""
        sql, params = "", []
        if self.since:
            sql += f" AND {column} >= ?"
            params.append(self.since)
        if self.until:
            sql += f" AND {column} <= ?"
            params.append(self.until)
        return sql, params

    def in_area(self, participant_column: str) -> tuple[str, list[Any]]:
        """SQL (starting with AND) keeping rows of participants living in the area."""
        if self.area is None:
            return "", []
        key = AREA_KEY.format(col="area")
        return (
            f" AND {participant_column} IN (SELECT id FROM participants WHERE {key} = ?)",
            [self.area],
        )


def area_key(area: str | None) -> str:
    """How an area is compared: as the overview and the area lists compare it."""
    return places.area_key(area or "")


# -- statement 1 ---------------------------------------------------------------------------


def round_participants_by_area(conn: Tx, round_id: int) -> list[tuple[str, str, int]]:
    """(area key, area as typed, people) of everyone who took part in a round."""
    key = AREA_KEY.format(col="p.area")
    rows = conn.execute(
        f"SELECT {key} AS k, MIN(trim(coalesce(p.area, ''))), COUNT(*) "
        "FROM priority_submissions s JOIN participants p ON p.id = s.participant_id "
        "WHERE s.round_id = ? GROUP BY k ORDER BY k",
        (round_id,),
    )
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


@dataclass(frozen=True, slots=True)
class RankedTopic:
    """A topic of a round as the report ranks it: points (first choice 3, second 2, third 1),
    how many chose it, and how many put it first, second and third."""

    id: int
    label: str  # JSON
    position: int
    points: int
    people: int
    ranks: tuple[int, int, int]  # firsts, seconds, thirds


def topic_ranking(conn: Tx, round_id: int, scope: Scope) -> list[RankedTopic]:
    """A round's topics, most points first, for the scope's area."""
    area_sql, area_params = scope.in_area("c.participant_id")
    rows = conn.execute(
        "SELECT t.id, t.label, t.position, COALESCE(SUM(CASE c.rank WHEN 1 THEN 3 WHEN 2 THEN 2 "
        "WHEN 3 THEN 1 ELSE 0 END), 0) AS points, COUNT(c.participant_id) AS people, "
        "COALESCE(SUM(c.rank = 1), 0), COALESCE(SUM(c.rank = 2), 0), "
        "COALESCE(SUM(c.rank = 3), 0) "
        f"FROM topics t LEFT JOIN priority_choices c ON c.topic_id = t.id{area_sql} "
        "WHERE t.round_id = ? GROUP BY t.id ORDER BY points DESC, people DESC, t.position",
        (*area_params, round_id),
    )
    return [
        RankedTopic(
            int(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), (int(r[5]), int(r[6]), int(r[7]))
        )
        for r in rows
    ]


def initiatives_for_topics(conn: Tx) -> list[tuple[int, str, str, int, int]]:
    """(initiative id, title JSON, status, topic id, round id) for every topic answered."""
    rows = conn.execute(
        "SELECT i.id, i.title, i.status, t.id, t.round_id FROM initiatives i "
        "JOIN initiative_topics it ON it.initiative_id = i.id "
        "JOIN topics t ON t.id = it.topic_id ORDER BY i.id, t.id"
    )
    return [(int(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4])) for r in rows]


def deliveries(conn: Tx, kind: str, scope: Scope, *, round_id: int | None = None) -> dict[str, int]:
    """Delivery states and their counts for broadcasts of a kind (and round), in scope."""
    period_sql, period_params = scope.between("d.updated_at")
    area_sql, area_params = scope.in_area("d.participant_id")
    round_sql = " AND b.round_id = ?" if round_id is not None else ""
    rows = conn.execute(
        "SELECT d.state, COUNT(*) FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
        f"WHERE b.kind = ?{round_sql}{period_sql}{area_sql} GROUP BY d.state",
        (kind, *([round_id] if round_id is not None else []), *period_params, *area_params),
    )
    return {str(r[0]): int(r[1]) for r in rows}


# -- statement 2 ---------------------------------------------------------------------------


def evaluation_plans(conn: Tx, scope: Scope) -> dict[int, tuple[str, int]]:
    """Initiatives with an evaluation plan (an adopted measure by the period's end): id ->
    (when the first measure was adopted, adopted measures)."""
    until_sql = " AND adopted_at <= ?" if scope.until else ""
    rows = conn.execute(
        "SELECT initiative_id, MIN(adopted_at), COUNT(*) FROM measures "
        f"WHERE status = 'adopted'{until_sql} GROUP BY initiative_id",
        [scope.until] if scope.until else [],
    )
    return {int(r[0]): (str(r[1] or ""), int(r[2])) for r in rows}


def monitored(conn: Tx, scope: Scope) -> dict[int, int]:
    """Initiative id -> residents who rated it against an adopted measure, in scope."""
    period_sql, period_params = scope.between("e.created_at")
    area_sql, area_params = scope.in_area("e.participant_id")
    rows = conn.execute(
        "SELECT m.initiative_id, COUNT(DISTINCT e.participant_id) FROM evaluation_ratings r "
        "JOIN measures m ON m.id = r.measure_id JOIN evaluations e ON e.id = r.evaluation_id "
        f"WHERE m.status = 'adopted'{period_sql}{area_sql} GROUP BY m.initiative_id",
        (*period_params, *area_params),
    )
    return {int(r[0]): int(r[1]) for r in rows}


def feedback_sent(conn: Tx, scope: Scope) -> dict[tuple[int, str], int]:
    """(initiative id, kind) -> people delivered at least one message ('sent' in the
    ledger) of its own "you said, we did" news, or of the results of the rounds whose topics
    it answers. People, not messages: seven people sent six updates are seven people given
    feedback, not 42. Check-ins ask for feedback; they do not give it, so they are not
    counted."""
    period_sql, period_params = scope.between("d.updated_at")
    area_sql, area_params = scope.in_area("d.participant_id")
    rows = conn.execute(
        "SELECT i.id, b.kind, COUNT(DISTINCT d.participant_id) FROM initiatives i "
        "JOIN broadcasts b ON "
        "(b.kind = 'initiative' AND b.initiative_id = i.id) OR (b.kind = 'results' AND "
        "(b.round_id = i.round_id OR b.round_id IN (SELECT t.round_id FROM initiative_topics it "
        "JOIN topics t ON t.id = it.topic_id WHERE it.initiative_id = i.id))) "
        "JOIN deliveries d ON d.broadcast_id = b.id AND d.state = 'sent' "
        f"WHERE 1 = 1{period_sql}{area_sql} GROUP BY i.id, b.kind",
        (*period_params, *area_params),
    )
    return {(int(r[0]), str(r[1])): int(r[2]) for r in rows}


def measure_ratings(conn: Tx, scope: Scope) -> list[tuple[int, int, str, tuple[int, ...]]]:
    """(measure id, initiative id, text JSON, how many gave each star 1 to 5) of adopted
    measures."""
    period_sql, period_params = scope.between("e.created_at")
    area_sql, area_params = scope.in_area("e.participant_id")
    stars = ", ".join(
        f"COALESCE(SUM(e.id IS NOT NULL AND r.rating = {star}), 0)" for star in range(1, 6)
    )
    rows = conn.execute(
        f"SELECT m.id, m.initiative_id, m.text, {stars} FROM measures m "
        "LEFT JOIN evaluation_ratings r ON r.measure_id = m.id "
        f"LEFT JOIN evaluations e ON e.id = r.evaluation_id{period_sql}{area_sql} "
        "WHERE m.status = 'adopted' GROUP BY m.id ORDER BY m.initiative_id, m.id",
        (*period_params, *area_params),
    )
    return [(int(r[0]), int(r[1]), str(r[2]), tuple(int(n) for n in r[3:8])) for r in rows]


def resident_measures(conn: Tx, scope: Scope) -> tuple[dict[str, int], int]:
    """Measures residents proposed, by status, and votes residents gave, in scope."""
    period_sql, period_params = scope.between("created_at")
    area_sql, area_params = scope.in_area("proposed_by")
    rows = conn.execute(
        "SELECT status, COUNT(*) FROM measures WHERE proposed_by IS NOT NULL"
        f"{period_sql}{area_sql} GROUP BY status",
        (*period_params, *area_params),
    )
    proposed = {str(r[0]): int(r[1]) for r in rows}
    area_sql, area_params = scope.in_area("participant_id")
    votes = conn.execute(
        f"SELECT COUNT(*) FROM measure_votes WHERE 1 = 1{period_sql}{area_sql}",
        (*period_params, *area_params),
    ).fetchone()
    return proposed, int(votes[0])


def milestones(conn: Tx, scope: Scope) -> list[tuple[int, str, int, str, str, str, str | None]]:
    """(initiative id, its title JSON, milestone id, title, due day, owner, done day) of the
    milestones due or done in the period (staff's plans: the same for every area)."""
    days = [(d or "")[:10] for d in (scope.since, scope.until)]
    within = "(({col} >= ? OR ? = '') AND ({col} <= ? OR ? = ''))"
    rows = conn.execute(
        "SELECT m.initiative_id, i.title, m.id, m.title, m.due_on, m.owner, m.done_on "
        "FROM initiative_milestones m JOIN initiatives i ON i.id = m.initiative_id "
        f"WHERE {within.format(col='m.due_on')} OR {within.format(col='m.done_on')} "
        "ORDER BY m.initiative_id, m.due_on, m.id",
        [days[0], days[0], days[1], days[1]] * 2,
    )
    return [(int(r[0]), str(r[1]), int(r[2]), r[3], r[4], r[5], r[6]) for r in rows]


# -- statements 3 and 4 --------------------------------------------------------------------


def asset_counts(conn: Tx, scope: Scope) -> list[tuple[str, str, bool, int]]:
    """(category, status, may contact, assets) nominated in scope."""
    period_sql, period_params = scope.between("created_at")
    area_sql, area_params = scope.in_area("participant_id")
    rows = conn.execute(
        "SELECT category, status, may_contact, COUNT(*) FROM assets "
        f"WHERE 1 = 1{period_sql}{area_sql} GROUP BY 1, 2, 3",
        (*period_params, *area_params),
    )
    return [(str(r[0]), str(r[1]), bool(r[2]), int(r[3])) for r in rows]


def champion_counts(conn: Tx, scope: Scope) -> list[tuple[str, bool, int]]:
    """(status, approved, champions) signed up in scope."""
    period_sql, period_params = scope.between("created_at")
    area_sql, area_params = scope.in_area("participant_id")
    rows = conn.execute(
        "SELECT status, approved_at IS NOT NULL, COUNT(*) FROM champions "
        f"WHERE 1 = 1{period_sql}{area_sql} GROUP BY 1, 2",
        (*period_params, *area_params),
    )
    return [(str(r[0]), bool(r[1]), int(r[2])) for r in rows]


def referral_counts(conn: Tx, scope: Scope) -> tuple[int, int]:
    """Residents who joined through a champion's link in scope, and how many of them agreed
    to take part."""
    period_sql, period_params = scope.between("r.created_at")
    area_sql, area_params = scope.in_area("r.participant_id")
    row = conn.execute(
        "SELECT COUNT(*), COUNT(p.consent_at) FROM referrals r "
        f"JOIN participants p ON p.id = r.participant_id WHERE 1 = 1{period_sql}{area_sql}",
        (*period_params, *area_params),
    ).fetchone()
    return int(row[0]), int(row[1])


def checkins_sent(conn: Tx, scope: Scope) -> int:
    """Monthly support check-ins delivered to champions, in scope. A champion broadcast with
    no content is the check-in (bot/jobs/scheduler.py); one with content is a single
    champion's message (a status notice, staff's words, a support answer: bot/staff/notices.py),
    which asks for nothing."""
    period_sql, period_params = scope.between("d.updated_at")
    area_sql, area_params = scope.in_area("d.participant_id")
    row = conn.execute(
        "SELECT COUNT(*) FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
        f"WHERE b.kind = 'champion' AND b.content = '{{}}' AND d.state = 'sent'"
        f"{period_sql}{area_sql}",
        (*period_params, *area_params),
    ).fetchone()
    return int(row[0])


def checkin_answers(conn: Tx, scope: Scope) -> dict[str, int]:
    """Champions' answers to the monthly support check-in ('ok' or 'help'), in scope."""
    period_sql, period_params = scope.between("created_at")
    area_sql, area_params = scope.in_area("participant_id")
    rows = conn.execute(
        "SELECT value_json, COUNT(*) FROM answers WHERE flow_id = 'champion-checkin' "
        f"AND key = 'support'{period_sql}{area_sql} GROUP BY value_json",
        (*period_params, *area_params),
    )
    return {str(json.loads(r[0])): int(r[1]) for r in rows}


def support_requests(conn: Tx, scope: Scope) -> tuple[int, int]:
    """(asked, answered): champions' support requests made in scope, and how many of them
    staff answered."""
    period_sql, period_params = scope.between("created_at")
    area_sql, area_params = scope.in_area("participant_id")
    row = conn.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'answered') FROM support_requests "
        f"WHERE 1{period_sql}{area_sql}",
        (*period_params, *area_params),
    ).fetchone()
    return int(row[0]), int(row[1])


# -- representativeness --------------------------------------------------------------------


def participation(conn: Tx, key: str | None, scope: Scope) -> list[tuple[str, str, Any, int]]:
    """(area key, area as typed, latest answer to `key` or None, residents) of everyone who
    agreed to take part (and, with a period, answered something in it). All areas: the
    report picks its area from the whole table, so every area's table agrees with it."""
    period_sql, period_params = scope.between("a.created_at")
    active = f" AND EXISTS (SELECT 1 FROM answers a WHERE a.participant_id = p.id{period_sql})"
    area = AREA_KEY.format(col="p.area")
    if key is None:
        rows = conn.execute(
            f"SELECT {area} AS k, MIN(trim(coalesce(p.area, ''))), NULL, COUNT(*) "
            "FROM participants p WHERE p.consent_at IS NOT NULL"
            f"{active if period_sql else ''} GROUP BY k ORDER BY k",
            period_params,
        )
    else:
        rows = conn.execute(
            f"SELECT {area} AS k, MIN(trim(coalesce(p.area, ''))), {LATEST} AS v, COUNT(*) "
            "FROM participants p "
            f"WHERE p.consent_at IS NOT NULL{active if period_sql else ''} "
            "GROUP BY k, v ORDER BY k",
            (key, *period_params),
        )
    return [
        (str(r[0]), str(r[1]), None if r[2] is None else json.loads(r[2]), int(r[3])) for r in rows
    ]
