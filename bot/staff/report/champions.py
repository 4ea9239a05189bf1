"""QS148 statement 4, peer and lay roles: champions signed up, approved, active and supported,
and the residents they reached through their links."""

from __future__ import annotations

from bot.staff import suppress
from bot.staff.report import qs148
from bot.staff.report.common import Options, measure, not_shown, shown_cell, table
from bot.staff.report.model import Statement
from bot.store import report
from bot.store.champions import STATUSES
from bot.store.db import Tx


def statement(conn: Tx, options: Options) -> Statement:
    """Statement 4 for the report's period and area."""
    scope, t = options.scope, options.threshold
    counts = report.champion_counts(conn, scope)
    by_status = suppress.breakdown(
        [sum(n for s, _, n in counts if s == status) for status in STATUSES], t
    )
    status_row = tuple(shown_cell(s) for s in by_status.shown)
    approved = options.people(sum(n for _, ok, n in counts if ok))
    reached, agreed = report.referral_counts(conn, scope)
    asked = report.checkins_sent(conn, scope)
    answers = report.checkin_answers(conn, scope)
    answered = suppress.breakdown([answers.get("ok", 0), answers.get("help", 0)], t)
    answered_row = tuple(shown_cell(s) for s in answered.shown)
    asked_for, answered_for = report.support_requests(conn, scope)
    # Answered and still open add up to those asked: suppressed as one breakdown.
    requests = suppress.breakdown([answered_for, asked_for - answered_for], t)
    request_row = (shown_cell(requests.shown[2]), shown_cell(requests.shown[0]))
    title, text = qs148.STATEMENTS[4]
    return Statement(
        4,
        title,
        text,
        (
            measure(
                "4 structure a",
                "partly",
                figure=f"{status_row[-1]} residents signed up as champions; {approved} approved; "
                f"{status_row[STATUSES.index('active')]} active.",
                tables=(table("Champions by status", (*STATUSES, "signed up"), [status_row]),),
                note="Residents sign up in the 'help others as a community champion' questions; "
                "staff approve them, and each gets a personal link to share.",
                attach="How champions are recruited beyond the bot (outreach, partners).",
            ),
            not_shown(
                "4 structure b",
                "The role descriptions and responsibilities agreed with champions.",
            ),
            measure(
                "4 structure c",
                "partly",
                figure=f"{options.people(asked)} monthly support check-ins delivered; "
                f"{answered_row[-1]} answered; {request_row[0]} support requests made, "
                f"{request_row[1]} answered.",
                tables=(
                    table(
                        "Answers to the monthly support check-in",
                        ("all good", "would like support", "answered"),
                        [answered_row],
                    ),
                    table(
                        "Champions' support requests (by /support or the check-in)",
                        ("asked", "answered"),
                        [request_row],
                    ),
                ),
                attach="Training and supervision offered to champions.",
            ),
            measure(
                "4 outcome a",
                "partly",
                figure=f"{options.people(reached)} residents joined through a champion's link; "
                f"{options.people(agreed)} of them agreed to take part.",
                note="Counted once per resident, for the first link they used.",
                attach="What champions did with the people they reached.",
            ),
            not_shown(
                "4 outcome b",
                "Evidence of communication between organisations and the community through "
                "champions (e.g. issues champions raised and the answers).",
            ),
            not_shown(
                "4 outcome c",
                "Activities champions organised or delivered.",
            ),
        ),
    )
