"""QS148 statement 3, identifying community assets: what residents nominated in each of the
five kinds QS148 names, how many staff verified, and how many may be followed up."""

from __future__ import annotations

from bot.staff import suppress
from bot.staff.report import qs148
from bot.staff.report.common import Options, measure, not_shown, shown_cell, table
from bot.staff.report.model import Cell, Measure, Statement
from bot.store import report
from bot.store.assets import CATEGORIES
from bot.store.db import Tx

STATUSES = ("new", "verified", "hidden")
LETTERS = dict(zip(CATEGORIES, "abcde", strict=True))
COLUMNS = ("kind", "nominated", "new", "verified", "hidden", "may contact", "may not contact")


def statement(conn: Tx, options: Options) -> Statement:
    """Statement 3 for the report's period and area."""
    counts = report.asset_counts(conn, options.scope)
    status = [[0] * len(STATUSES) for _ in CATEGORIES]
    contact = [[0, 0] for _ in CATEGORIES]
    for category, state, may_contact, n in counts:
        row = CATEGORIES.index(category)
        status[row][STATUSES.index(state)] += n
        contact[row][0 if may_contact else 1] += n
    t = options.threshold
    nominated = suppress.breakdown([sum(r) for r in status], t)
    by_status = suppress.grid(status, t, row_totals=nominated)
    by_contact = suppress.grid(contact, t, row_totals=nominated)
    rows: list[tuple[Cell, ...]] = [
        (
            category,
            shown_cell(nominated.shown[r]),
            *(shown_cell(c) for c in by_status.cells[r]),
            *(shown_cell(c) for c in by_contact.cells[r]),
        )
        for r, category in enumerate(CATEGORIES)
    ]
    totals: tuple[Cell, ...] = (
        "all",
        shown_cell(nominated.shown[-1]),
        *(shown_cell(c) for c in by_status.column_totals),
        *(shown_cell(c) for c in by_contact.column_totals),
    )
    withheld = by_status.withheld or by_contact.withheld
    note = "Some counts are withheld: too few to show safely." if withheld else ""
    mapped = sum(n for c, s, may, n in counts if s == "verified" and may)
    per_kind = tuple(_kind(category, rows[r], note) for r, category in enumerate(CATEGORIES))
    title, text = qs148.STATEMENTS[3]
    return Statement(
        3,
        title,
        text,
        (
            *per_kind,
            measure(
                "3 structure f",
                "partly",
                figure=f"{options.people(mapped)} verified assets whose nominator agreed to be "
                "contacted, ready for the JSNA.",
                tables=(table("All kinds", COLUMNS, [*rows, totals], note),),
                note="The JSNA team gets them as a map layer and a spreadsheet: "
                "'community-voice export --what assets --format geojson' (or xlsx). Locations "
                "are rounded to about 1 km unless the resident agreed to show the exact place.",
                attach="The JSNA chapter or dataset that includes these assets.",
            ),
            not_shown(
                "3 outcome a",
                "Evidence that community members feel recognised and valued (e.g. feedback "
                "from asset-mapping events).",
            ),
            not_shown(
                "3 outcome b",
                "Examples of initiatives built on assets residents identified.",
            ),
        ),
    )


def _kind(category: str, row: tuple[Cell, ...], note: str) -> Measure:
    return measure(
        f"3 structure {LETTERS[category]}",
        "partly",
        figure=f"{row[1]} {category} nominated by residents; {row[3]} verified.",
        tables=(table(f"Assets: {category}", COLUMNS, [row], note),),
        note="Residents nominate assets in the 'tell us about something good in your area' "
        "questions; staff verify them.",
        attach=f"Other ways residents help identify {category} (events, asset-mapping).",
    )
