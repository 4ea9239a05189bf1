"""QS148 statement 2, evaluation: initiatives with an evaluation plan (measures staff adopted,
often proposed and voted for by residents), whether residents monitored them against it, and
whether each gave feedback to the people engaged with it."""

from __future__ import annotations

from datetime import date

from bot.staff import suppress
from bot.staff.hearing import SCALE, safe_average
from bot.staff.report import qs148
from bot.staff.report.common import Options, english, measure, not_shown, share, shown_cell, table
from bot.staff.report.model import Cell, Measure, Statement, Table
from bot.store import initiatives, report, rounds
from bot.store.db import Tx
from bot.store.initiatives import Initiative

# suggested: a resident's idea staff have not yet accepted for votes (not in any plan).
PROPOSAL_STATES = ("suggested", "proposed", "adopted", "rejected")


def statement(conn: Tx, options: Options) -> Statement:
    """Statement 2 for the report's period and area."""
    scope = options.scope
    plans = report.evaluation_plans(conn, scope)
    every = {i.id: i for i in initiatives.all_initiatives(conn)}
    planned = [every[i] for i in sorted(plans) if i in every]
    rated = report.monitored(conn, scope)
    fed = report.feedback_sent(conn, scope)
    monitored = [i for i in planned if rated.get(i.id, 0) > 0]
    gave = [i for i in planned if fed.get((i.id, "initiative"), 0) + fed.get((i.id, "results"), 0)]
    title, text = qs148.STATEMENTS[2]
    return Statement(
        2,
        title,
        text,
        (
            _structure_a(conn, planned, plans, options),
            _structure_b(conn, options),
            measure(
                "2 process a",
                "yes",
                figure=f"{share(len(monitored), len(planned))}: initiatives with an evaluation "
                "plan that residents monitored against its measures.",
                tables=(
                    table(
                        "Initiatives with an evaluation plan",
                        (
                            "initiative",
                            "title",
                            "status",
                            "adopted measures",
                            "residents who rated it against them",
                            "monitored",
                        ),
                        [
                            (
                                i.id,
                                english_title(i),
                                i.status,
                                plans[i.id][1],
                                options.people(rated.get(i.id, 0)),
                                "yes" if i in monitored else "no",
                            )
                            for i in planned
                        ],
                    ),
                ),
                note="Monitored: at least one resident rated it against its adopted measures "
                "in the period (the evaluation questions residents are sent each check-in "
                "period).",
            ),
            measure(
                "2 process b",
                "yes",
                figure=f"{share(len(gave), len(planned))}: initiatives with an evaluation plan "
                "that gave feedback to the people engaged.",
                tables=(
                    table(
                        "Feedback delivered to the people engaged",
                        (
                            "initiative",
                            "title",
                            "people sent its 'you said, we did' news",
                            "people sent the round results",
                            "gave feedback",
                        ),
                        [
                            (
                                i.id,
                                english_title(i),
                                options.people(fed.get((i.id, "initiative"), 0)),
                                options.people(fed.get((i.id, "results"), 0)),
                                "yes" if i in gave else "no",
                            )
                            for i in planned
                        ],
                    ),
                ),
                note="Counted from the delivery ledger: people (not messages) sent at least one "
                "message of the initiative's own news ('you said, we did', to everyone who "
                "chose its topics, evaluated it, voted for or proposed its measures, or whose "
                "suggestion was linked to it), and of the results of the rounds whose "
                "topics it answers. "
                "Check-ins that ask how it is going are not feedback and are not counted.",
            ),
            _outcome_a(conn, options, every),
            not_shown(
                "2 outcome b",
                "Evidence of social engagement over time (e.g. a local survey or social "
                "capital indicators from the evaluation plan).",
            ),
            not_shown(
                "2 outcome c",
                "Evidence that residents understand the impact of initiatives (e.g. "
                "evaluation interviews or survey questions).",
            ),
        ),
    )


def english_title(initiative: Initiative) -> str:
    """An initiative's title in English (else any language)."""
    return initiative.title.get("en") or next(iter(initiative.title.values()), "")


def _structure_a(
    conn: Tx, planned: list[Initiative], plans: dict[int, tuple[str, int]], options: Options
) -> Measure:
    rows: list[tuple[Cell, ...]] = []
    for i in planned:
        agreed = plans[i.id][0][:10]
        found = None if i.round_id is None else _closed(conn, i.round_id)
        days: Cell = ""
        if found and agreed:
            days = (date.fromisoformat(agreed) - date.fromisoformat(found)).days
        rows.append((i.id, english_title(i), found or "", agreed, days))
    return measure(
        "2 structure a",
        "partly",
        figure=f"{len(planned)} initiative(s) with an evaluation plan.",
        tables=(
            table(
                "When each evaluation plan was agreed",
                (
                    "initiative",
                    "title",
                    "priorities agreed (round closed)",
                    "first measure adopted",
                    "days after",
                ),
                rows,
            ),
            _milestones(conn, options),
        ),
        note="Residents rate every initiative with a plan against its measures each check-in "
        "period, from its start.",
        attach="The evaluation plans, and how residents are involved in monitoring beyond the bot.",
    )


def _milestones(conn: Tx, options: Options) -> Table:
    """Staff's dated steps of each initiative due or done in the period, as they stood at its
    end: a milestone done after the period was still to do (or overdue) then."""
    end = (options.scope.until or options.made_at)[:10]
    rows: list[tuple[Cell, ...]] = []
    for initiative_id, title, milestone_id, what, due, owner, done in report.milestones(
        conn, options.scope
    ):
        if done and (not end or done <= end):
            state = f"done {done}"
        else:
            state = "overdue" if end and due < end else "to do"
        rows.append((initiative_id, english(title), milestone_id, what, due, owner, state))
    return table(
        "Milestones of initiatives due or done in the period",
        ("initiative", "title", "milestone id", "milestone", "due", "owner", "state"),
        rows,
        note="Dated steps staff set for each initiative, each with an owner on the staff; "
        "the state is as it was at the end of the period.",
    )


def _closed(conn: Tx, round_id: int) -> str | None:
    found = rounds.get(conn, round_id)
    return found.closed_at[:10] if found and found.closed_at else None


def _structure_b(conn: Tx, options: Options) -> Measure:
    proposed, votes = report.resident_measures(conn, options.scope)
    done = suppress.breakdown([proposed.get(s, 0) for s in PROPOSAL_STATES], options.threshold)
    row = tuple(shown_cell(s) for s in done.shown)
    return measure(
        "2 structure b",
        "partly",
        figure=f"{row[-1]} measures proposed by residents; {options.people(votes)} votes "
        "for measures.",
        tables=(
            table(
                "Measures residents proposed, by what staff decided",
                (*PROPOSAL_STATES, "total"),
                [row],
            ),
        ),
        note="Residents propose measures and vote for them in the 'help decide how to judge "
        "a project' questions; staff adopt them into the evaluation plan.",
        attach="How residents agree the measures outside the bot (meetings, panels).",
    )


def _outcome_a(conn: Tx, options: Options, every: dict[int, Initiative]) -> Measure:
    rows: list[tuple[Cell, ...]] = []
    found_ratings = report.measure_ratings(conn, options.scope)
    for measure_id, initiative_id, text, by_star in found_ratings:
        ratings = sum(by_star)
        shown = options.people(ratings)
        average: Cell = ""
        if shown != ratings:
            average = suppress.HIDDEN
        elif ratings:
            # As staff's evaluations show it: none where it would narrow down a star count the
            # stars (not listed here) would hide (2 four stars and 8 five: 4.8 x 10 = 48).
            mean = safe_average(list(by_star), options.threshold)
            average = suppress.HIDDEN if mean is None else round(mean, 2)
        found = every.get(initiative_id)
        rows.append(
            (
                measure_id,
                initiative_id,
                english_title(found) if found else "",
                english(text),
                shown,
                average,
            )
        )
    return measure(
        "2 outcome a",
        "partly",
        figure=f"{len(rows)} adopted measure(s); ratings received per measure below.",
        tables=(
            table(
                f"Evaluations received per adopted measure (ratings as residents tapped them: "
                f"{SCALE})",
                ("measure id", "initiative", "title", "measure", "ratings", "average"),
                rows,
            ),
        ),
        note="Each rating is one resident's evaluation against the measure in one check-in "
        "period (ratings given before the initiative's start day count too, as a period of "
        "their own); what worked and what could be better are in the evaluations export.",
        attach="The evaluation report itself, using these ratings and comments.",
    )
