"""Who takes part next to the population: the CSV staff load, shares and representation, and
suppression that agrees between the report for all areas and the report for one area."""

from __future__ import annotations

import contextvars
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.staff import areas as staff_areas
from bot.staff.actor import StaffError
from bot.staff.desk import StaffDesk
from bot.staff.population import load, parse
from bot.staff.report import render, xlsx
from bot.staff.report.build import build
from bot.staff.report.common import Options
from bot.staff.report.model import Table
from bot.store.db import Database, Tx
from bot.store.report import Scope, area_key
from bot.web.i18n import DashboardCatalogs, explain
from tests.conftest import REPO, STAFF
from tests.staff.test_report_measures import T0, insert, person

LABELS = {"age_band": {"18-24": "18 to 24", "65-79": "65 to 79", "not-say": "Prefer not to say"}}


def _people(conn: Tx) -> None:
    # Riverside: 12 people, 8 aged 18-24, 3 aged 65-79, 1 unanswered; Docks: 6, all 65-79.
    for n in range(18):
        area, band = ("Riverside", "18-24" if n < 8 else "65-79") if n < 12 else ("Docks", "65-79")
        p = person(conn, n, area)
        if n != 11:
            insert(
                conn,
                "answers",
                participant_id=p,
                flow_id="onboarding",
                node_id="age",
                key="age_band",
                value_json=json.dumps(band),
                created_at=T0,
            )
    person(conn, 99, "Riverside", consent=False)  # did not agree: not counted


def _table(tables: tuple[Table, ...], title: str) -> dict[str, tuple[object, ...]]:
    found = next(t for t in tables if t.title == title)
    return {str(row[0]): row[1:] for row in found.rows}


async def _report(db: Database, threshold: int, area: str | None = None) -> tuple[Table, ...]:
    scope = Scope(area=area_key(area) if area else None)
    options = Options(scope=scope, threshold=threshold, labels=LABELS)
    return (await db.read(build, options)).representation


async def test_participation_by_age_and_area_next_to_the_population(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    await db.write(_people)
    csv = tmp_path / "census.csv"
    csv.write_text(
        "area,characteristic,group,count\n"
        ",area,Riverside,600\n,area,Docks,400\n"
        ",age_band,18-24,200\n,age_band,65-79,800\n"
        "Riverside,age_band,18-24,150\nRiverside,age_band,65-79,450\n"
    )
    assert await load(desk, STAFF, csv) == "Loaded 6 population rows from census.csv (2 areas)."
    tables = await _report(db, threshold=1)
    areas = _table(tables, "Area")
    assert areas["Riverside"] == (12, "66.7%", 600, "60.0%", "1.11")
    assert areas["Docks"] == (6, "33.3%", 400, "40.0%", "0.83")
    ages = _table(tables, "Age")
    assert ages["18 to 24"] == (8, "44.4%", 200, "20.0%", "2.22")
    assert ages["65 to 79"] == (9, "50.0%", 800, "80.0%", "0.62")
    assert ages["(not answered)"][0] == 1
    assert ages["all"][0] == 18
    riverside = _table(await _report(db, threshold=1, area="riverside"), "Age")
    assert riverside["18 to 24"] == (8, "66.7%", 150, "25.0%", "2.67")


async def test_areas_nobody_takes_part_in_are_listed_and_shares_are_of_everyone(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    # The shipped figures: Riverside 5,200, Docks 3,100, Hillside 4,700 (13,000 in all).
    # Residents are in Riverside and Docks only: Hillside is who we are not reaching.
    await db.write(_people)
    await staff_areas.add(desk, STAFF, {"en": "Hillside"}, threshold=5)
    await load(desk, STAFF, REPO / "examples" / "population.csv")
    tables = await _report(db, threshold=5)
    areas = _table(tables, "Area")
    assert areas["Riverside"] == (12, "66.7%", 5200, "40.0%", "1.67")
    assert areas["Docks"] == (6, "33.3%", 3100, "23.8%", "1.40")
    assert areas["Hillside"] == (0, "0.0%", 4700, "36.2%", "0.00")
    assert areas["all"][:3] == (18, "", 13000)
    assert _table(tables, "Age")["all"][2] == 13000
    # Small numbers are still protected; a 0 is shown, as it is everywhere.
    guarded = _table(await _report(db, threshold=7), "Area")
    shown = [guarded[a][0] for a in ("Docks", "Riverside", "Hillside", "all")]
    assert shown == ["<7", "[c]", 0, 18]

    options = Options(threshold=5, labels=LABELS)
    report = await db.read(build, options)
    assert "| Hillside | 0 | 0.0% | 4700 | 36.2% | 0.00 |" in render.markdown(report)
    assert "<td>Hillside</td><td>0</td><td>0.0%</td><td>4700</td>" in render.html(report)
    xlsx.workbook(report, tmp_path / "report.xlsx")
    book = load_workbook(tmp_path / "report.xlsx", read_only=True)
    try:
        sheet = book["Who takes part"]
        rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == "Hillside"]
    finally:
        book.close()  # read-only keeps the file open until closed
    assert rows == [("Hillside", 0, "0.0%", 4700, "36.2%", "0.00")]


async def test_small_numbers_agree_between_the_all_areas_and_one_area_reports(
    db: Database,
) -> None:
    await db.write(_people)
    everyone = _table(await _report(db, threshold=5), "Age")
    riverside = _table(await _report(db, threshold=5, area="Riverside"), "Age")
    assert riverside["65 to 79"][0] == "<5" and riverside["(not answered)"][0] == "<5"
    assert riverside["65 to 79"][1] == ""  # no share of a suppressed count
    # With Docks' 6 and the whole 9 shown, Riverside's "<5" would be 9 - 6 = 3: so not both.
    docks = _table(await _report(db, threshold=5, area="docks"), "Age")
    shown = [everyone["65 to 79"][0], docks["65 to 79"][0]]
    assert not all(isinstance(v, int) for v in shown), shown


def test_the_population_csv_is_checked_line_by_line() -> None:
    with pytest.raises(StaffError) as problem:
        parse(
            "area,characteristic,group,count\n"
            ",shoe_size,9,10\n"
            "Riverside,area,Docks,5\n"
            ",age_band,18-24,many\n"
            ",age_band,18-24,5\n,age_band,18-24,6\n"
        )
    said = str(problem.value)
    assert "line 2: characteristic 'shoe_size'" in said
    assert "line 3: leave the area column empty" in said
    assert "line 4: count must be a whole number, not 'many'" in said
    assert "line 6: the same area and group as line 5" in said
    # On the Welsh dashboard every line is in Welsh, not only the heading above them.
    welsh = _in_welsh(problem.value)
    assert welsh.startswith("Mae problemau yn y ffeil poblogaeth:\nllinell 2: nid yw'r nodwedd")
    assert "llinell 4: rhaid i'r cyfrif fod yn rhif cyfan, nid 'many'" in welsh
    with pytest.raises(StaffError, match="first line must be"):
        parse("place,count\nx,1\n")


def _in_welsh(error: StaffError) -> str:
    """The error as the Welsh dashboard says it (in a context of its own: the page's language
    is a context variable)."""

    def say() -> str:
        DashboardCatalogs().use("cy")
        return explain(error)

    return contextvars.copy_context().run(say)


def test_the_shipped_example_loads() -> None:
    counts = parse((REPO / "examples" / "population.csv").read_text("utf-8"))
    assert {c.characteristic for c in counts} == {
        "area",
        "age_band",
        "gender",
        "disability",
        "carer",
        "ethnic_group",
    }


async def test_areas_spelt_differently_are_one_area_in_the_report_as_on_the_overview(
    db: Database,
) -> None:
    # SQLite's lower() changes only A to Z: "YNYS  MÔN" and "Ynys Môn" were two rows in the
    # report (6 and 6) but one (12) on the overview and in /areas, and the two side by side
    # gave a "<5" away.
    def people(conn: Tx) -> None:
        for n, area in enumerate(["Ynys Môn"] * 6 + ["YNYS  MÔN"] * 6 + ["Bay"] * 3):
            person(conn, n, area)

    await db.write(people)
    areas = _table(await _report(db, threshold=1), "Area")
    assert {area_key(k): v[0] for k, v in areas.items()} == {"bay": 3, "ynys môn": 12, "all": 15}
    # A report for the area, however it is typed, is the 12.
    one = _table(await _report(db, threshold=1, area="ynys môn"), "Age")
    assert one["all"][0] == 12
