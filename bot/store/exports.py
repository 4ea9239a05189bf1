"""The rows each export reads, table by table, in batches (memory stays flat however many
rows there are). Only the columns an export may show are selected: never a channel user id,
chat id, referral code or status message id. bot/staff/exports.py decides how each is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.store.db import Tx

BATCH = 2000

# Export name -> the query; its columns are named as the export shows them.
QUERIES: dict[str, str] = {
    "participants": "SELECT id AS participant, locale, area, consent_at, created_at, "
    "opted_out_at IS NOT NULL AS stopped, unreachable_at IS NOT NULL AS unreachable "
    "FROM participants ORDER BY id",
    "rounds": "SELECT id, question, area, opens_at, closes_at, status, created_at, closed_at "
    "FROM rounds ORDER BY id",
    "round_results": "SELECT t.round_id, t.id AS topic_id, t.key, t.label, t.position, "
    "COALESCE(SUM(CASE c.rank WHEN 1 THEN 3 WHEN 2 THEN 2 WHEN 3 THEN 1 ELSE 0 END), 0) "
    "AS points, COUNT(c.participant_id) AS people FROM topics t LEFT JOIN priority_choices c "
    "ON c.topic_id = t.id GROUP BY t.id ORDER BY t.round_id, points DESC, t.position",
    "priority_submissions": "SELECT id, participant_id AS participant, round_id, other, "
    "submitted_at, updated_at FROM priority_submissions ORDER BY id",
    "priority_choices": "SELECT submission_id, participant_id AS participant, round_id, "
    "topic_id, rank FROM priority_choices ORDER BY submission_id, rank",
    "answers": "SELECT id, participant_id AS participant, session_id, flow_id, node_id, key, "
    "value_json AS value, created_at FROM answers ORDER BY id",
    "evaluations": "SELECT id, participant_id AS participant, initiative_id, period, worked, "
    "better, created_at FROM evaluations ORDER BY id",
    "evaluation_ratings": "SELECT evaluation_id, participant_id AS participant, measure_id, "
    "rating FROM evaluation_ratings ORDER BY evaluation_id, measure_id",
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
    "availability, skills, may_contact, created_at, approved_at FROM champions ORDER BY id",
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
