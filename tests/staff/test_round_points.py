"""A topic's points (3 for each first choice, 2 for each second, 1 for each third) in the
report and the round_results export: shown only when its firsts, seconds and thirds are each
0 or at least the threshold and no first choice in the round is hidden, since points less
"chose it" is 2 x firsts + seconds."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook

from bot.staff.desk import StaffDesk
from bot.staff.exports import export
from bot.staff.report.build import make_report
from bot.staff.report.common import Options
from bot.store.db import Database
from bot.store.report import Scope
from tests.conftest import STAFF, took_part

A, B, C = "Safe streets", "Healthy food", "Bus routes"
# 15 took part: safe streets 10 first; healthy food 5 first, 10 second; bus routes 10 third.
# Nothing small: every point is shown.
SHOWN = [[A, B, C]] * 10 + [[B]] * 5
# 13 took part: safe streets 12 chose, 8 first, 2 second, 2 third (30 points would say the
# 2 and 2); healthy food 5 first; bus routes 2 second. No first is small, but 12 chose less
# 8 first is: every first is hidden, so every point is too (healthy food's 15 would say its 5).
SMALL_SECONDS = [[A]] * 8 + [[B, A]] * 2 + [[B, C, A]] * 2 + [[B]]
# 13 took part: safe streets 11 chose, 10 first; bus routes 3 first (small): every first is
# hidden, so every point is too (safe streets' 32 less its 11 would say 10 first, and 3).
SMALL_FIRST = [[A]] * 10 + [[C, A]] + [[C]] * 2


async def _rounds(db: Database, desk: StaffDesk) -> None:
    topics = [{"en": A}, {"en": B}, {"en": C}]
    for people in (SHOWN, SMALL_SECONDS, SMALL_FIRST):
        round_id = await desk.open_round(STAFF, "2099-01-31", {"en": "What first?"}, topics)
        await db.write(took_part, round_id, people)


def _tables(markdown: str) -> dict[str, list[str]]:
    """Each round's ranking table's rows, by its round."""
    found: dict[str, list[str]] = {}
    for part in markdown.split("**Round ")[1:]:
        table = part.split("\n\n")[1]
        found[part.split(":")[0]] = table.splitlines()[2:]
    return found


async def test_the_report_shows_points_only_where_nothing_small_follows_from_them(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    await _rounds(db, desk)
    options = Options(scope=Scope(), threshold=5, organisation="Test")
    text = (await make_report(desk, STAFF, options, "md", tmp_path / "r.md")).read_text()
    assert _tables(text) == {
        "1": [
            "| 1 | Healthy food | 2 | 35 | 15 |",
            "| 2 | Safe streets | 1 | 30 | 10 |",
            "| 3 | Bus routes | 3 | 10 | 10 |",
        ],
        "2": [
            "| 1 | Safe streets | 4 | [c] | 12 |",
            "| 2 | Healthy food | 5 | [c] | 5 |",
            "| 3 | Bus routes | 6 | [c] | <5 |",
        ],
        # Ranked by people, then the round's order: by points the order would show them.
        "3": [
            "| 1 | Safe streets | 7 | [c] | 11 |",
            "| 2 | Bus routes | 9 | [c] | <5 |",
            "| 3 | Healthy food | 8 | 0 | 0 |",
        ],
    }
    assert "Points are shown only where the topic's first, second and third choices are " in text
    # The HTML and the workbook show the same cells.
    html = (await make_report(desk, STAFF, options, "html", tmp_path / "r.html")).read_text()
    assert "<td>[c]</td>" in html and "<td>35</td>" in html
    book = load_workbook(await make_report(desk, STAFF, options, "xlsx", tmp_path / "r.xlsx"))
    try:
        cells = {
            c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
        }
    finally:
        book.close()
    assert "[c]" in cells and 35 in cells and 32 not in cells  # round 3's safe streets


async def test_the_round_results_export_shows_points_only_where_nothing_small_follows(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    await _rounds(db, desk)
    path = tmp_path / "round_results.csv"
    await export(desk, STAFF, "round_results", "csv", path, threshold=5)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["round_id", "topic_id", "key", "label", "position", "points", "people"]
    # In the round's order, not by points (that order would show hidden points).
    assert [(r["round_id"], r["label"], r["points"], r["people"]) for r in rows] == [
        ("1", A, "30", "10"),
        ("1", B, "35", "15"),
        ("1", C, "10", "10"),
        ("2", A, "[c]", "12"),
        ("2", B, "[c]", "5"),
        ("2", C, "[c]", "<5"),
        ("3", A, "[c]", "11"),
        ("3", B, "0", "0"),
        ("3", C, "[c]", "<5"),
    ]
    book_path = tmp_path / "round_results.xlsx"
    await export(desk, STAFF, "round_results", "xlsx", book_path, threshold=5)
    book = load_workbook(book_path, read_only=True)
    try:
        sheet = [row for s in book.worksheets for row in s.iter_rows(values_only=True)]
    finally:
        book.close()
    points = [row[sheet[0].index("points")] for row in sheet[1:]]
    assert points == [30, 35, 10, "[c]", "[c]", "[c]", "[c]", 0, "[c]"]
