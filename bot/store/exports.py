"""The rows each export reads, table by table, in batches (memory stays flat however many
rows there are). Only the columns an export may show are selected: never a channel user id,
chat id, referral code or status message id. bot/staff/exports.py decides how each is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.store.db import Tx
from bot.store.heard import written

BATCH = 2000


def _resident(row: str) -> str:
    """The resident (`p`) of a row, whose language now is the one `written` falls back to
    for rows saved before the language was kept (migration 0014)."""
    return f"LEFT JOIN participants p ON p.id = {row}.participant_id"


# Export name -> the query; its columns are named as the export shows them.
QUERIES: dict[str, str] = {
    "participants": "SELECT id AS participant, locale, area, consent_at, created_at, "
    "opted_out_at IS NOT NULL AS stopped, unreachable_at IS NOT NULL AS unreachable "
    "FROM participants ORDER BY id",
    "rounds": "SELECT id, question, area, opens_at, closes_at, status, created_at, closed_at "
    "FROM rounds ORDER BY id",
    # How many put each topic first, second and third, and the round's smallest first but 0,
    # decide whether its points may be shown (bot/staff/shaping.py); none of them is shown.
    # In the round's order: ordered by points, the rows would give hidden points away.
    "round_results": "SELECT t.round_id, t.id AS topic_id, t.key, t.label, t.position, "
    "COALESCE(SUM(CASE c.rank WHEN 1 THEN 3 WHEN 2 THEN 2 WHEN 3 THEN 1 ELSE 0 END), 0) "
    "AS points, COUNT(c.participant_id) AS people, COALESCE(SUM(c.rank = 1), 0) AS firsts, "
    "COALESCE(SUM(c.rank = 2), 0) AS seconds, COALESCE(SUM(c.rank = 3), 0) AS thirds, "
    # Every topic's (chose it, put it first) in its round: whether the round's firsts are
    # hidden (rounds.firsts_hidden), and so its points; not exported.
    "json_group_array(json_array(COUNT(c.participant_id), COALESCE(SUM(c.rank = 1), 0))) "
    "OVER (PARTITION BY t.round_id) AS round_topics "
    "FROM topics t LEFT JOIN priority_choices c ON c.topic_id = t.id GROUP BY t.id "
    "ORDER BY t.round_id, t.position, t.id",
    "priority_submissions": "SELECT s.id, s.participant_id AS participant, s.round_id, "
    f"s.other, {written('s')} AS language, s.submitted_at, s.updated_at "
    f"FROM priority_submissions s {_resident('s')} ORDER BY s.id",
    # A choice's language is its submission's: the topics were read in it.
    "priority_choices": "SELECT c.submission_id, c.participant_id AS participant, c.round_id, "
    f"c.topic_id, c.rank, {written('s')} AS language FROM priority_choices c "
    f"LEFT JOIN priority_submissions s ON s.id = c.submission_id {_resident('c')} "
    "ORDER BY c.submission_id, c.rank",
    "answers": "SELECT a.id, a.participant_id AS participant, a.session_id, a.flow_id, "
    f"a.node_id, a.key, a.value_json AS value, {written('a')} AS language, a.created_at "
    f"FROM answers a {_resident('a')} ORDER BY a.id",
    "evaluations": "SELECT e.id, e.participant_id AS participant, e.initiative_id, e.period, "
    f"e.worked, e.better, {written('e')} AS language, e.created_at "
    f"FROM evaluations e {_resident('e')} ORDER BY e.id",
    # A rating's language is its evaluation's: the measures were read in it.
    "evaluation_ratings": "SELECT r.evaluation_id, r.participant_id AS participant, "
    f"r.measure_id, r.rating, {written('e')} AS language FROM evaluation_ratings r "
    f"LEFT JOIN evaluations e ON e.id = r.evaluation_id {_resident('r')} "
    "ORDER BY r.evaluation_id, r.measure_id",
    "measures": "SELECT m.id, m.initiative_id, m.text, m.proposed_by, m.status, m.created_at, "
    "m.adopted_at, (SELECT COUNT(*) FROM measure_votes v WHERE v.measure_id = m.id) AS votes "
    "FROM measures m ORDER BY m.id",
    "measure_votes": "SELECT measure_id, participant_id AS participant, created_at "
    "FROM measure_votes ORDER BY measure_id, created_at",
    "initiatives": "SELECT i.id, i.title, i.description, i.status, i.round_id, i.starts_on, "
    "i.check_in_days, (SELECT group_concat(topic_id, ',') FROM initiative_topics t "
    "WHERE t.initiative_id = i.id) AS topics, i.created_at, i.updated_at "
    "FROM initiatives i ORDER BY i.id",
    "initiative_updates": "SELECT id, initiative_id, status, note, created_at "
    "FROM initiative_updates ORDER BY id",
    "initiative_milestones": "SELECT id, initiative_id, title AS milestone, due_on, owner, "
    "done_on, created_at FROM initiative_milestones ORDER BY initiative_id, due_on, id",
    "assets": "SELECT id, participant_id AS participant, category, what, latitude, longitude, "
    "place, share_exact, who_for, may_contact, status, created_at, reviewed_at "
    "FROM assets ORDER BY id",
    "champions": "SELECT id, participant_id AS participant, status, roles, languages, "
    "other_languages, availability, skills, may_contact, created_at, approved_at, "
    "first_approved_at "
    "FROM champions ORDER BY id",
    "referrals": "SELECT participant_id AS participant, champion_id, created_at "
    "FROM referrals ORDER BY created_at, participant_id",
    "broadcasts": "SELECT b.id, b.kind, b.audience, b.content, b.status, b.send_at, "
    "b.spread_hours, b.round_id, b.initiative_id, b.created_by, b.created_at, b.started_at, "
    "b.finished_at, "
    "(SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id AND d.state = 'queued') "
    "AS queued, "
    "(SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id AND d.state = 'sending') "
    "AS sending, "
    "(SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id AND d.state = 'sent') "
    "AS sent, "
    "(SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id AND d.state = 'failed') "
    "AS failed, "
    "(SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id "
    "AND d.state = 'unreachable') AS unreachable FROM broadcasts b ORDER BY b.id",
    "audit_log": "SELECT id, at, actor, role, channel, action, object_type, object_id, "
    "before, after FROM audit_log ORDER BY id",
}


def columns(conn: Tx, name: str) -> list[str]:
    """The columns an export's query gives, in order."""
    cur = conn.execute(f"SELECT * FROM ({QUERIES[name]}) LIMIT 0")
    return [str(d[0]) for d in cur.description]


def rows(conn: Tx, name: str) -> Iterator[tuple[Any, ...]]:
    """Every row of an export, read a batch at a time."""
    cur = conn.execute(QUERIES[name])
    while True:
        batch = cur.fetchmany(BATCH)
        if not batch:
            return
        for row in batch:
            yield tuple(row)


def count(conn: Tx, name: str) -> int:
    """How many rows an export has."""
    return int(conn.execute(f"SELECT COUNT(*) FROM ({QUERIES[name]})").fetchone()[0])


def staff_telegram_ids(conn: Tx) -> dict[int, int]:
    """Telegram user id -> staff member id, to name staff in exports without their ids."""
    found = conn.execute(
        "SELECT telegram_user_id, id FROM staff_members WHERE telegram_user_id IS NOT NULL"
    )
    return {int(r[0]): int(r[1]) for r in found}
