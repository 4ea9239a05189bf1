"""Each QS148 measure's numerator and denominator (and the rows behind it) on hand-built data."""

from __future__ import annotations

import json
from typing import Any

from bot.staff.report.build import build
from bot.staff.report.common import Options
from bot.staff.report.model import Measure, Report
from bot.staff.report.render import markdown
from bot.store.db import Database, Tx
from bot.store.report import LATEST, Scope

T0 = "2026-06-01T10:00:00+00:00"
LATER = "2027-02-01T10:00:00+00:00"


def insert(conn: Tx, table: str, **values: Any) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur = conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))
    assert cur.lastrowid is not None
    return cur.lastrowid


def person(conn: Tx, n: int, area: str | None = "Riverside", consent: bool = True) -> int:
    return insert(
        conn,
        "participants",
        channel="telegram",
        channel_user_id=str(n),
        chat_id=str(n),
        area=area,
        consent_at=T0 if consent else None,
        created_at=T0,
    )


def texts(en: str) -> str:
    return json.dumps({"en": en})


def measure_of(report: Report, code: str) -> Measure:
    for statement in report.statements:
        for m in statement.measures:
            if m.code == code:
                return m
    raise KeyError(code)


async def make(db: Database, threshold: int = 1, scope: Scope | None = None) -> Report:
    options = Options(scope=scope or Scope(), threshold=threshold, organisation="Test")
    return await db.read(build, options)


# -- statement 2: the process measures QS148 defines -------------------------------------


def _evaluation_world(conn: Tx) -> dict[str, int]:
    people = [person(conn, n) for n in range(1, 4)]
    round_id = insert(
        conn,
        "rounds",
        question=texts("Q"),
        opens_at=T0,
        closes_at=T0,
        status="closed",
        created_at=T0,
        closed_at=T0,
    )
    topic = insert(conn, "topics", round_id=round_id, key="k", label=texts("K"), position=1)
    ids = {}
    for name in ("monitored", "checkins_only", "results", "no_plan", "plan_later"):
        ids[name] = insert(
            conn, "initiatives", title=texts(name), status="active", created_at=T0, updated_at=T0
        )
    for name in ("monitored", "checkins_only", "results"):
        ids[f"m_{name}"] = insert(
            conn,
            "measures",
            initiative_id=ids[name],
            text=texts("m"),
            status="adopted",
            created_at=T0,
            adopted_at=T0,
        )
    insert(
        conn,
        "measures",
        initiative_id=ids["no_plan"],
        text=texts("p"),
        status="proposed",
        created_at=T0,
    )
    insert(
        conn,
        "measures",
        initiative_id=ids["plan_later"],
        text=texts("m"),
        status="adopted",
        created_at=LATER,
        adopted_at=LATER,
    )
    insert(conn, "initiative_topics", initiative_id=ids["results"], topic_id=topic)
    # Monitored: a resident rated it against its adopted measure.
    evaluation = insert(
        conn,
        "evaluations",
        participant_id=people[0],
        initiative_id=ids["monitored"],
        period="2026-06-01",
        created_at=T0,
    )
    insert(
        conn,
        "evaluation_ratings",
        evaluation_id=evaluation,
        participant_id=people[0],
        measure_id=ids["m_monitored"],
        rating=4,
    )

    def broadcast(kind: str, state: str, **link: int) -> None:
        b = insert(
            conn,
            "broadcasts",
            kind=kind,
            audience='{"type": "everyone"}',
            content="{}",
            status="done",
            created_at=T0,
            **link,
        )
        for p in people:
            insert(conn, "deliveries", broadcast_id=b, participant_id=p, state=state, updated_at=T0)

    broadcast("initiative", "sent", initiative_id=ids["monitored"])
    broadcast("checkin", "sent", initiative_id=ids["checkins_only"])  # asks; does not tell
    broadcast("initiative", "failed", initiative_id=ids["checkins_only"])  # never arrived
    broadcast("results", "sent", round_id=round_id)  # results of the round it answers
    broadcast("initiative", "sent", initiative_id=ids["no_plan"])  # not in the denominator
    return ids


async def test_process_a_monitored_against_the_plan_over_initiatives_with_a_plan(
    db: Database,
) -> None:
    ids = await db.write(_evaluation_world)
    m = measure_of(await make(db, scope=Scope(until="2026-12-31T23:59:59+00:00")), "2 process a")
    assert m.numerator.startswith("Number in the denominator monitored against measures")
    assert m.denominator == (
        "Number of local health and wellbeing initiatives with an evaluation plan."
    )
    assert m.figure.startswith("1 of 3 (33%): initiatives with an evaluation plan that")
    rows = {r[0]: r for r in m.tables[0].rows}
    assert set(rows) == {ids["monitored"], ids["checkins_only"], ids["results"]}
    assert rows[ids["monitored"]][-2:] == (1, "yes")
    assert rows[ids["checkins_only"]][-1] == "no"


async def test_process_b_counts_feedback_from_the_ledger_not_check_ins(db: Database) -> None:
    ids = await db.write(_evaluation_world)
    m = measure_of(await make(db, scope=Scope(until="2026-12-31T23:59:59+00:00")), "2 process b")
    assert m.numerator.startswith("Number in the denominator that provide feedback")
    assert m.figure.startswith("2 of 3 (67%): initiatives with an evaluation plan that")
    rows = {r[0]: r for r in m.tables[0].rows}
    assert rows[ids["monitored"]][2:] == (3, 0, "yes")  # its own news, sent to 3 people
    assert rows[ids["results"]][2:] == (0, 3, "yes")  # the results of the round it answers
    assert rows[ids["checkins_only"]][2:] == (0, 0, "no")  # check-ins and failures: not


async def test_the_plan_counts_from_when_it_was_agreed(db: Database) -> None:
    await db.write(_evaluation_world)
    assert measure_of(await make(db), "2 process b").figure.startswith("2 of 4 (50%): ")


async def test_milestones_due_or_done_in_the_period_are_in_the_report(db: Database) -> None:
    def world(conn: Tx) -> None:
        walks = insert(
            conn, "initiatives", title=texts("Walks"), status="active", created_at=T0, updated_at=T0
        )
        for title, due, done in (
            ("Find a leader", "2026-06-10", "2026-06-08"),
            ("Book the park", "2026-06-20", "2026-07-15"),  # done after the period
            ("Print leaflets", "2026-06-30", None),
            ("First walk", "2026-08-01", None),  # due after the period
        ):
            insert(
                conn,
                "initiative_milestones",
                initiative_id=walks,
                title=title,
                due_on=due,
                owner="Amina",
                done_on=done,
                created_at=T0,
            )

    await db.write(world)
    june = Scope("2026-06-01T00:00:00+00:00", "2026-06-30T23:59:59+00:00")
    report = await make(db, scope=june)
    [milestones] = [
        t for t in measure_of(report, "2 structure a").tables if t.title.startswith("Milestones")
    ]
    assert milestones.columns == (
        "initiative", "title", "milestone id", "milestone", "due", "owner", "state",
    )  # fmt: skip
    assert [r[3:] for r in milestones.rows] == [
        ("Find a leader", "2026-06-10", "Amina", "done 2026-06-08"),
        ("Book the park", "2026-06-20", "Amina", "overdue"),
        ("Print leaflets", "2026-06-30", "Amina", "to do"),
    ]
    assert "| 1 | Walks | 2 | Book the park | 2026-06-20 | Amina | overdue |" in markdown(report)
    everything = measure_of(await make(db), "2 structure a").tables[1]
    assert [r[3] for r in everything.rows] == [
        "Find a leader", "Book the park", "Print leaflets", "First walk",
    ]  # fmt: skip


async def test_outcome_a_evaluations_per_adopted_measure(db: Database) -> None:
    ids = await db.write(_evaluation_world)
    m = measure_of(await make(db), "2 outcome a")
    assert m.tables[0].title == (
        "Evaluations received per adopted measure (ratings as residents tapped them: "
        "1 Very badly, 2 Badly, 3 OK, 4 Well, 5 Very well)"
    )
    rows = {r[0]: r for r in m.tables[0].rows}
    assert rows[ids["m_monitored"]][-2:] == (1, 4.0)
    assert rows[ids["m_results"]][-2:] == (0, "")
    suppressed = measure_of(await make(db, threshold=5), "2 outcome a")
    assert {r[0]: r for r in suppressed.tables[0].rows}[ids["m_monitored"]][-2:] == ("<5", "[c]")


async def test_outcome_a_hides_an_average_that_would_give_small_star_counts_away(
    db: Database,
) -> None:
    def world(conn: Tx) -> dict[str, int]:
        initiative = insert(
            conn, "initiatives", title=texts("Walks"), status="active", created_at=T0, updated_at=T0
        )
        ids = {}
        # "leaky": 2 four stars and 8 five (10 x 4.8 = 48 = 4a + 5(10 - a), so a = 2);
        # "safe": 5 four stars and 6 five, nothing small to give away.
        for name, stars in (("leaky", [4] * 2 + [5] * 8), ("safe", [4] * 5 + [5] * 6)):
            ids[name] = insert(
                conn,
                "measures",
                initiative_id=initiative,
                text=texts(name),
                status="adopted",
                created_at=T0,
                adopted_at=T0,
            )
            for n, rating in enumerate(stars, start=1):
                p = person(conn, 100 * len(ids) + n)
                e = insert(
                    conn,
                    "evaluations",
                    participant_id=p,
                    initiative_id=initiative,
                    period="2026-06-01",
                    created_at=T0,
                )
                insert(
                    conn,
                    "evaluation_ratings",
                    evaluation_id=e,
                    participant_id=p,
                    measure_id=ids[name],
                    rating=rating,
                )
        return ids

    ids = await db.write(world)
    rows = {r[0]: r for r in measure_of(await make(db, threshold=5), "2 outcome a").tables[0].rows}
    assert rows[ids["leaky"]][-2:] == (10, "[c]")
    assert rows[ids["safe"]][-2:] == (11, 4.55)
    # With small numbers shown, so is every average.
    rows = {r[0]: r for r in measure_of(await make(db, threshold=1), "2 outcome a").tables[0].rows}
    assert rows[ids["leaky"]][-2:] == (10, 4.8)


# -- statements 1, 3 and 4 ------------------------------------------------------------------


async def test_statement_1_participation_by_area_is_suppressed_and_consistent(
    db: Database,
) -> None:
    def world(conn: Tx) -> None:
        r = insert(conn, "rounds", question=texts("Q"), opens_at=T0, closes_at=LATER, created_at=T0)
        topic = insert(conn, "topics", round_id=r, key="k", label=texts("Parks"), position=1)
        for n in range(1, 25):
            p = person(conn, n, "Riverside" if n <= 20 else " docks ")
            s = insert(
                conn,
                "priority_submissions",
                participant_id=p,
                round_id=r,
                submitted_at=T0,
                updated_at=T0,
            )
            if n <= 3:
                insert(
                    conn,
                    "priority_choices",
                    submission_id=s,
                    participant_id=p,
                    round_id=r,
                    topic_id=topic,
                    rank=1,
                )

    await db.write(world)
    raw = measure_of(await make(db), "1 structure")
    assert raw.tables[0].rows[0][-1] == 24
    assert sorted(raw.tables[1].rows) == [(1, "Riverside", 20), (1, "docks", 4)]
    safe = measure_of(await make(db, threshold=5), "1 structure")
    # 4 from the docks is "<5"; Riverside's 20 would give it away (24 - 20), so it is hidden.
    assert sorted(map(str, safe.tables[1].rows)) == sorted(
        map(str, [(1, "Riverside", "[c]"), (1, "docks", "<5")])
    )
    ranked = measure_of(await make(db, threshold=5), "1 outcome a").tables[0]
    assert ranked.rows[0][1:] == ("Parks", 1, "[c]", "<5")  # 9 points would say 3 people
    area = await make(db, threshold=1, scope=Scope(area="docks"))
    assert measure_of(area, "1 structure").tables[1].rows == ((1, "docks", 4),)


async def test_statement_3_assets_per_kind_verified_and_contact(db: Database) -> None:
    def world(conn: Tx) -> None:
        p = person(conn, 1)
        for category, status, contact in (
            ("skills", "verified", 1),
            ("skills", "new", 0),
            ("facilities", "verified", 0),
            ("facilities", "hidden", 1),
        ):
            insert(
                conn,
                "assets",
                participant_id=p,
                category=category,
                what='"x"',
                status=status,
                may_contact=contact,
                created_at=T0,
            )

    await db.write(world)
    report = await make(db)
    assert measure_of(report, "3 structure a").tables[0].rows == (("skills", 2, 1, 1, 0, 1, 1),)
    assert measure_of(report, "3 structure e").figure == (
        "2 facilities nominated by residents; 1 verified."
    )
    assert measure_of(report, "3 structure f").figure.startswith("1 verified assets")
    assert measure_of(report, "3 outcome a").shown == "no"


async def test_statement_4_champions_checkins_and_reach(db: Database) -> None:
    def world(conn: Tx) -> None:
        people = [person(conn, n) for n in range(1, 7)]
        for n, status in enumerate(("active", "active", "interested")):
            insert(
                conn,
                "champions",
                participant_id=people[n],
                code=f"c-{n}",
                status=status,
                created_at=T0,
                approved_at=T0 if status == "active" else None,
            )
        for n, value in ((0, "ok"), (1, "help"), (0, "ok")):
            insert(
                conn,
                "answers",
                participant_id=people[n],
                flow_id="champion-checkin",
                node_id="champion-support",
                key="support",
                value_json=json.dumps(value),
                created_at=T0,
            )
        for status in ("answered", "open", "answered"):
            insert(
                conn,
                "support_requests",
                champion_id=2,
                participant_id=people[1],
                request='"Can I have leaflets in Polish?"',
                status=status,
                created_at=T0,
                answered_at=T0 if status == "answered" else None,
            )
        # The check-in went to all six; a status notice and staff's words ask for nothing.
        for content in ("{}", '{"notice": "active"}', '{"message": "Hello"}'):
            sent = insert(
                conn,
                "broadcasts",
                kind="champion",
                audience='{"type": "everyone"}',
                content=content,
                status="done",
                created_at=T0,
            )
            for p in people:
                insert(
                    conn,
                    "deliveries",
                    broadcast_id=sent,
                    participant_id=p,
                    state="sent",
                    updated_at=T0,
                )
        for n in (3, 4):
            insert(
                conn,
                "referrals",
                participant_id=people[n],
                champion_id=1,
                code="c-0",
                created_at=T0,
            )

    await db.write(world)
    report = await make(db)
    recruited = measure_of(report, "4 structure a")
    assert recruited.figure == "3 residents signed up as champions; 2 approved; 2 active."
    supported = measure_of(report, "4 structure c")
    assert supported.tables[0].rows == ((2, 1, 3),)
    assert supported.figure.startswith("6 monthly support check-ins delivered; ")
    assert supported.figure.endswith("3 support requests made, 2 answered.")
    assert supported.tables[1].rows == ((3, 2),)
    assert measure_of(report, "4 outcome a").figure == (
        "2 residents joined through a champion's link; 2 of them agreed to take part."
    )
    assert measure_of(report, "4 structure b").shown == "no"


async def test_the_latest_answer_per_resident_is_looked_up_by_index(db: Database) -> None:
    plan = await db.read(
        lambda c: c.execute(
            f"EXPLAIN QUERY PLAN SELECT {LATEST} FROM participants p", ("x",)
        ).fetchall()
    )
    details = " ".join(str(row[-1]) for row in plan)
    assert "SEARCH a USING INDEX answers_participant_key (participant_id=? AND key=?)" in details


async def test_residents_ideas_waiting_for_staff_count_as_proposed_not_in_any_plan(
    db: Database,
) -> None:
    def world(conn: Tx) -> None:
        who = person(conn, 1)
        insert(conn, "initiatives", title=texts("Walks"), created_at=T0, updated_at=T0)
        for status in ("suggested", "suggested", "proposed", "adopted"):
            insert(
                conn,
                "measures",
                initiative_id=1,
                text=texts("An idea"),
                proposed_by=who,
                status=status,
                created_at=T0,
                adopted_at=T0 if status == "adopted" else None,
            )

    await db.write(world)
    report = await make(db)
    proposed = measure_of(report, "2 structure b")
    assert proposed.tables[0].columns == ("suggested", "proposed", "adopted", "rejected", "total")
    assert list(proposed.tables[0].rows) == [(2, 1, 1, 0, 4)]
    assert proposed.figure.startswith("4 measures proposed by residents")
    # Only the adopted one is in the plan.
    assert [r[0] for r in measure_of(report, "2 outcome a").tables[0].rows] == [4]
