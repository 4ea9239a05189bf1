"""The staff evidence commands as a staff member runs them on the server (in this process:
the command line itself is covered by tests/test_cli.py, and a process per command is slow)."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import admin_cli
from bot.cli import _parser
from bot.config import Settings
from tests.conftest import REPO


@dataclass
class Ran:
    returncode: int
    stdout: str


def test_report_export_population_invite_and_audit_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "cv.sqlite3"), "STAFF_TELEGRAM_IDS": "9000"}

    def cli(*argv: str, env: dict[str, str]) -> Ran:
        code = admin_cli.run(Settings.from_env(env, dotenv=False), _parser().parse_args(argv))
        return Ran(code, capsys.readouterr().out)

    assert cli("seed-demo", "--as", "amina", env=env).returncode == 0

    loaded = cli("admin", "population-load", str(REPO / "examples" / "population.csv"), env=env)
    assert loaded.stdout.startswith("Loaded 43 population rows from population.csv (3 areas)")

    report = tmp_path / "board.xlsx"
    made = cli(
        "report",
        "--from",
        "2026-01-01",
        "--to",
        "2099-12-31",
        "--area",
        "Riverside",
        "--format",
        "xlsx",
        "--output",
        str(report),
        env=env,
    )
    assert made.returncode == 0 and made.stdout.strip() == f"Wrote {report}"
    book = load_workbook(report, read_only=True)
    try:
        sheets = book.sheetnames
        rows = book["Summary"].iter_rows(min_row=2, values_only=True)
        codes = [row[1] for row in rows if len(row) > 1 and row[1]]
    finally:
        book.close()  # read-only keeps the file open until closed
    assert sheets == [
        "Summary",
        "Statement 1",
        "Statement 2",
        "Statement 3",
        "Statement 4",
        "Who takes part",
    ]
    assert "2 process b" in codes and "4 structure b" in codes

    everything = tmp_path / "all.zip"
    out = cli("export", "--what", "all", "--format", "csv", "--output", str(everything), env=env)
    assert out.returncode == 0 and "initiatives 2 rows" in out.stdout
    assert "audit_log.csv" in zipfile.ZipFile(everything).namelist()

    # A link to a bot nobody named would be shown once and be no use: refused, none made.
    unnamed = cli("admin", "staff-invite", "--role", "viewer", env=env)
    assert unnamed.returncode == 1 and unnamed.stdout.startswith(
        "Not done: Set BOT_USERNAME (your bot's username, without @) in .env first"
    )
    invite = cli(
        "admin",
        "--as",
        "amina",
        "staff-invite",
        "--role",
        "viewer",
        "--name",
        "Vera",
        env={**env, "BOT_USERNAME": "riverside_voice_bot"},
    )
    assert re.search(
        r"^Invitation 1 to join as viewer, .*\nhttps://t\.me/riverside_voice_bot\?start=staff-[\w-]{20,}\n",
        invite.stdout,
    ), invite.stdout
    bad = cli("admin", "staff-invite", "--role", "boss", env=env)
    assert bad.returncode == 1 and bad.stdout.strip() == (
        "Not done: 'boss' is not a role. Use admin, staff or viewer."
    )

    feedback = cli("admin", "feedback-report", env=env).stdout.splitlines()
    assert feedback == [
        "Initiatives with an evaluation plan: 1",
        "...that gave feedback to the people engaged: 0 (0%)",
    ]

    audit = cli("admin", "audit", "--since", "2020-01-01", env=env).stdout.splitlines()
    assert " cli:amina (admin, cli) staff.invite invite 1: " in audit[0]
    assert any("export.make export all" in line for line in audit)
    assert any("report.make report" in line for line in audit)
    assert any("population.load population" in line for line in audit)
    assert audit[-1].endswith('staff.seed staff 1: {"role": "admin"}')


def test_as_names_the_operator_before_or_after_the_action(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The README shows `admin ... --as NAME`; staff put it after the action, where it was
    # refused ("unrecognized arguments").
    env = {"DATABASE_PATH": str(tmp_path / "cv.sqlite3")}

    def cli(*argv: str) -> str:
        settings = Settings.from_env(env, dotenv=False)
        assert admin_cli.run(settings, _parser().parse_args(argv)) == 0
        return capsys.readouterr().out

    cli("admin", "round-open", "--closes", "2099-12-31", "--as", "sam")
    cli("admin", "--as", "vera", "round-close", "1")
    audit = cli("admin", "audit").splitlines()
    assert " cli:vera (admin, cli) round.close round 1" in audit[0]
    assert " cli:sam (admin, cli) round.open round 1" in audit[1]


def _in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    env = {"DATABASE_PATH": str(tmp_path / "cv.sqlite3")}

    def cli(*argv: str) -> Ran:
        code = admin_cli.run(Settings.from_env(env, dotenv=False), _parser().parse_args(argv))
        return Ran(code, capsys.readouterr().out)

    return cli


def _count(tmp_path: Path, sql: str) -> int:
    with sqlite3.connect(tmp_path / "cv.sqlite3") as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_seed_demo_a_second_time_adds_nothing_and_says_what_is_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = _in_process(tmp_path, capsys)
    first = cli("seed-demo")
    until = re.search(r"open until (\S+) ", first.stdout)
    assert first.returncode == 0 and until, first.stdout
    audited = _count(tmp_path, "SELECT COUNT(*) FROM audit_log")
    # Residents were shown the same demo round twice: asking again changes nothing.
    again = cli("seed-demo")
    assert again.returncode == 0 and again.stdout.strip() == (
        f"The demo is already there, so nothing was added: round 1 is open until "
        f"{until.group(1)}; initiative 1 (Walking group in the park, active) and initiative 2 "
        "(Warm homes advice sessions, planned). Try: community-voice chat"
    )
    assert _count(tmp_path, "SELECT COUNT(*) FROM rounds") == 1
    assert _count(tmp_path, "SELECT COUNT(*) FROM initiatives") == 2
    assert _count(tmp_path, "SELECT COUNT(*) FROM audit_log") == audited


def test_an_area_nobody_is_in_is_warned_of_and_its_report_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = _in_process(tmp_path, capsys)
    # A mistyped area opens the round (an area may be launched before anyone is in it) but
    # says at once that it asks nobody, not only when it closes.
    opened = cli("admin", "round-open", "--closes", "2099-12-20", "--area", "Nowhere")
    assert opened.returncode == 0
    assert opened.stdout.splitlines()[-1] == (
        "Warning: no resident is in Nowhere and it is not an area you defined, so round 1 "
        "asks nobody there yet. No resident has given an area yet. A typo? Close round 1 and "
        "open it again. A new area? Define it with admin area-add, so residents can pick it."
    )

    # A report for it is refused, not written empty, and not recorded as made.
    report = tmp_path / "nowhere.md"
    refused = cli("report", "--area", "Nowhere", "--output", str(report))
    assert refused.returncode == 1 and refused.stdout.strip() == (
        "Not done: There is no area 'nowhere' to report on: it is not a defined area, no "
        "resident gave it, and it is not in the population figures. No areas are known yet."
    )
    assert not report.exists()
    assert _count(tmp_path, "SELECT COUNT(*) FROM audit_log WHERE action = 'report.make'") == 0
    assert cli("admin", "areas").stdout.startswith(
        "No areas yet: residents type their area in their own words. Add areas with admin "
        "area-add, and residents then pick theirs from buttons."
    )
    # A defined area is found by any of its names, as rounds find it.
    assert cli("admin", "area-add", "Riverside", "--districts", "CF10").returncode == 0
    assert cli("admin", "round-open", "--closes", "2099-12-20", "--area", "Splott").stdout == (
        "Not done: There is no area 'Splott'. Areas: Riverside (admin areas lists them with "
        "their postcode districts; add one with admin area-add).\n"
    )
    assert cli("report", "--area", "cf10", "--output", str(report)).returncode == 0
    assert "Area: riverside." in report.read_text()
    refused = cli("report", "--area", "Nowhere", "--output", str(report))
    assert refused.stdout.strip().endswith("Areas: Riverside (admin areas lists them).")
