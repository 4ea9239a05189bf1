"""QS148 statement 1, identifying local priorities: the rounds, who took part in each and
where from, the topics as ranked, and how each round's result went back to the people in it."""

from __future__ import annotations

from bot.staff import listings, suppress
from bot.staff.report import qs148
from bot.staff.report.common import Options, english, measure, shown_cell, table
from bot.staff.report.model import Cell, Statement, Table
from bot.store import report, rounds
from bot.store.db import Tx
from bot.store.rounds import Round

STATES = ("sent", "failed", "unreachable", "queued", "sending")
NOT_GIVEN = "(not given)"


def in_period(conn: Tx, options: Options) -> list[Round]:
    """Rounds open at some time in the period, oldest first (for everyone, or the area)."""
    scope = options.scope
    found = []
    for r in reversed(rounds.all_rounds(conn)):
        if scope.since and (r.closed_at or r.closes_at) < scope.since:
            continue
        if scope.until and r.opens_at > scope.until:
            continue
        if scope.area is not None and r.area and report.area_key(r.area) != scope.area:
            continue
        found.append(r)
    return found


def statement(conn: Tx, options: Options, participants: Cell) -> Statement:
    """Statement 1 from the rounds in the report's period."""
    held = in_period(conn, options)
    people: dict[int, Cell] = {}
    by_area: list[tuple[Cell, ...]] = []
    for r in held:
        people[r.id], rows = _participation(conn, r.id, options)
        by_area += [(r.id, *row) for row in rows]
    listed: list[tuple[Cell, ...]] = [
        (
            r.id,
            english_texts(r.question),
            r.area or "everyone",
            r.opens_at[:10],
            (r.closed_at or r.closes_at)[:10],
            r.status,
            people[r.id],
        )
        for r in held
    ]
    feedback = [_feedback(conn, r, options) for r in held if r.status == "closed"]
    rounds_table = table(
        "Rounds in the period",
        ("round", "question", "for", "opened", "closed / closes", "status", "took part"),
        listed,
    )
    where = table("Who took part, by area", ("round", "area", "took part"), by_area)
    fed_back = table(
        "How each closed round's result was fed back (results messages to everyone who took "
        "part, with a chart of what people chose)",
        ("round", *STATES, "total"),
        feedback,
    )
    ranked = [_ranking(conn, r, options) for r in held]
    answered = _initiatives(conn, {r.id for r in held})
    title, text = qs148.STATEMENTS[1]
    return Statement(
        1,
        title,
        text,
        (
            measure(
                "1 structure",
                "partly",
                figure=f"{len(held)} priority-setting round(s) in the period.",
                tables=(rounds_table, where, fed_back),
                note="Each round is a local arrangement: residents choose and rank topics, and "
                "everyone who took part is sent the result.",
                attach="How rounds are agreed and publicised, and any community panels or "
                "boards that set priorities outside the bot.",
            ),
            measure(
                "1 outcome a",
                "partly",
                figure="Topics ranked by residents (first choice 3 points, second 2, third 1), "
                "and the initiatives recorded against them.",
                tables=(*ranked, answered),
                attach="Minutes or decisions showing the ranked priorities were adopted.",
            ),
            measure(
                "1 outcome b",
                "partly",
                figure=f"{participants} residents taking part in the period; breadth of "
                "representation: see 'Who takes part' below.",
                attach="Community representation on committees, boards and other groups.",
            ),
        ),
    )


def english_texts(texts: dict[str, str]) -> str:
    """Staff text in English (else any language)."""
    return texts.get("en") or next(iter(texts.values()), "")


def _participation(
    conn: Tx, round_id: int, options: Options
) -> tuple[Cell, list[tuple[Cell, ...]]]:
    areas = report.round_participants_by_area(conn, round_id)
    done = suppress.breakdown([n for _, _, n in areas], options.threshold)
    total = shown_cell(done.shown[-1])
    rows: list[tuple[Cell, ...]] = [
        (name or NOT_GIVEN, shown_cell(done.shown[i])) for i, (_, name, _) in enumerate(areas)
    ]
    if options.scope.area is None:
        return total, rows
    picked: list[tuple[Cell, ...]] = [
        (areas[i][1] or NOT_GIVEN, shown_cell(done.shown[i]))
        for i in range(len(areas))
        if areas[i][0] == options.scope.area
    ]
    return (picked[0][1] if picked else 0), picked


def _feedback(conn: Tx, found: Round, options: Options) -> tuple[Cell, ...]:
    states = report.deliveries(conn, "results", options.scope, round_id=found.id)
    done = suppress.breakdown([states.get(s, 0) for s in STATES], options.threshold)
    return (found.id, *(shown_cell(s) for s in done.shown))


def _ranking(conn: Tx, found: Round, options: Options) -> Table:
    t = options.threshold
    topics = report.topic_ranking(conn, found.id, options.scope)
    hidden = rounds.firsts_hidden(((r.people, r.ranks[0]) for r in topics), t)
    points = {
        r.id: listings.shown_points(r.points, r.ranks, t, firsts_hidden=hidden) for r in topics
    }
    if suppress.HIDDEN in points.values():
        # Ranked by hidden points, the order would give them away (between two topics of 40
        # points, a hidden one has 40): by how many chose them instead, then the round's order.
        topics.sort(key=lambda r: (-r.people, r.position))
    rows: list[tuple[Cell, ...]] = [
        (place, english(r.label), r.id, points[r.id], options.people(r.people))
        for place, r in enumerate(topics, start=1)
    ]
    return table(
        f"Round {found.id}: {english_texts(found.question)}",
        ("rank", "topic", "topic id", "points", "people who chose it"),
        rows,
        note="Points are shown only where the topic's first, second and third choices are "
        f"each 0 or {t} or more and no first choice in the round is under {t}, since they "
        "would give those away; where any are hidden, topics are ranked by how many people "
        "chose them, then in the round's order."
        if t > 1
        else "",
    )


def _initiatives(conn: Tx, round_ids: set[int]) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (initiative_id, english(title), status, topic_id, round_id)
        for initiative_id, title, status, topic_id, round_id in report.initiatives_for_topics(conn)
        if round_id in round_ids
    ]
    return table(
        "Initiatives recorded against these topics",
        ("initiative", "title", "status", "topic id", "round"),
        rows,
    )
