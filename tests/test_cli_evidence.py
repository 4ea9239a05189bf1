"""The staff evidence commands as a staff member runs them on the server (in this process:
the command line itself is covered by tests/test_cli.py, and a process per command is slow)."""

from __future__ import annotations

import re
import zipfile
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
    assert book.sheetnames == [
        "Summary",
        "Statement 1",
        "Statement 2",
        "Statement 3",
        "Statement 4",
        "Who takes part",
    ]
    rows = book["Summary"].iter_rows(min_row=2, values_only=True)
    codes = [row[1] for row in rows if len(row) > 1 and row[1]]
    assert "2 process b" in codes and "4 structure b" in codes

    everything = tmp_path / "all.zip"
    out = cli("export", "--what", "all", "--format", "csv", "--output", str(everything), env=env)
    assert out.returncode == 0 and "initiatives 2 rows" in out.stdout
    assert "audit_log.csv" in zipfile.ZipFile(everything).namelist()

    invite = cli(
        "admin", "--as", "amina", "staff-invite", "--role", "viewer", "--name", "Vera", env=env
    )
    assert re.search(r"start=staff-[\w-]{20,}", invite.stdout), invite.stdout
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
