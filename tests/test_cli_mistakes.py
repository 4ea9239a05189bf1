"""Mistakes staff make at the command line are refused with what to do instead, before
anything is written or recorded: a file name saying one format and --format another, a
folder or a missing folder as the output, a translation without its language, a broadcast
to a round that does not exist, a database where none can be."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import CliRun


@pytest.fixture
def run(demo_cli: CliRun) -> CliRun:
    return demo_cli


def _audited(tmp_path: Path, action: str) -> int:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        found = conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = ?", (action,))
        return int(found.fetchone()[0])


def test_the_output_file_name_says_the_format(run: CliRun, tmp_path: Path) -> None:
    run("export", "--what", "rounds", "--output", "rounds.csv")
    assert Path("rounds.csv").read_text("utf-8").startswith("id,")
    run("export", "--what", "all", "--output", "everything.zip")
    assert "rounds.csv" in zipfile.ZipFile("everything.zip").namelist()
    run("export", "--what", "assets", "--output", "map.geojson")
    assert json.loads(Path("map.geojson").read_text("utf-8"))["type"] == "FeatureCollection"
    run("report", "--output", "report.htm")
    assert Path("report.htm").read_text("utf-8").startswith("<!doctype html>")
    run("report", "--output", "report.xlsx")
    assert zipfile.is_zipfile("report.xlsx")  # a workbook, not Markdown named .xlsx
    # No --output: the default format, in a file named after it.
    assert run("export", "--what", "rounds").startswith("Wrote community-voice-rounds-")
    assert list(tmp_path.glob("community-voice-rounds-*.xlsx"))
    assert _audited(tmp_path, "export.make") == 4

    said = run("export", "--what", "rounds", "--format", "xlsx", "--output", "r.csv", code=1)
    assert said == (
        "Not done: r.csv ends in .csv but --format is xlsx: name it r.xlsx, or give --format csv."
    )
    said = run("export", "--what", "all", "--output", "all.csv", code=1)
    assert said == (
        "Not done: all.csv does not say which format to write: end the name in .zip, .xlsx "
        "or .geojson, or give --format."
    )
    said = run("export", "--what", "all", "--format", "csv", "--output", "all.csv", code=1)
    assert said == "Not done: all.csv ends in .csv, but this is written as .zip: name it all.zip."
    said = run("report", "--output", "report.csv", code=1)
    assert said == (
        "Not done: report.csv does not say which format to write: end the name in .md, .html "
        "or .xlsx, or give --format."
    )
    # A name that says no format is written as asked, when --format says which.
    run("report", "--format", "md", "--output", "report.txt")
    assert Path("report.txt").read_text("utf-8").startswith("# ")
    assert not Path("r.csv").exists() and not Path("all.csv").exists()
    assert _audited(tmp_path, "export.make") == 4  # the refused ones were not recorded


def test_a_folder_or_a_missing_folder_is_refused_before_anything_is_recorded(
    run: CliRun, tmp_path: Path
) -> None:
    Path("out").mkdir()
    said = run("export", "--what", "all", "--format", "xlsx", "--output", "out", code=1)
    assert said == "Not done: out is a folder: give a file name in it, like out/NAME."
    said = run("report", "--output", "nowhere/report.md", code=1)
    assert said == "Not done: There is no folder nowhere to write report.md in."
    assert _audited(tmp_path, "export.make") == _audited(tmp_path, "report.make") == 0


def test_a_broadcast_translation_says_its_language(run: CliRun, tmp_path: Path) -> None:
    said = run("broadcast", "everyone", "--text", "Walk", "--tr", "Helo", code=1)
    assert said == "Not done: Write a translation as LANG=TEXT, like cy=Helo, not 'Helo'."
    said = run("broadcast", "everyone", "--text", "Walk", "--tr", "xx=foo", code=1)
    assert said.startswith("Not done: 'xx' is not one of our languages: ar, bn, cy, en,")
    for spread in ("-1", "0", "100"):
        said = run("broadcast", "everyone", "--text", "Walk", "--spread", spread, code=1)
        assert said == (
            "Not done: --spread takes a number of hours above 0 and up to 72, like --spread 3."
        )
    preview = run("broadcast", "everyone", "--text", "Walk", "--tr", "cy=Helo")
    assert "Message: Walk\n" in preview + "\n" and "Helo" not in preview.split("Message:")[1]


def test_a_broadcast_to_something_that_does_not_exist_is_refused(
    run: CliRun, tmp_path: Path
) -> None:
    for audience, said in (
        # Each names a command as it is typed here: "admin rounds", not "rounds".
        ("round:99", "There is no round 99. admin rounds lists them."),
        ("topic:999", "There is no topic 999. admin results ROUND lists them."),
        ("initiative:77", "There is no initiative 77. admin initiatives lists them."),
        ("people:77", "There is no initiative 77. admin initiatives lists them."),
    ):
        assert run("broadcast", audience, "--text", "x", "--yes", code=1) == f"Not done: {said}"
    assert _audited(tmp_path, "broadcast.draft") == 0
    assert "Broadcast" in run("broadcast", "round:1", "--text", "x", "--yes")


def test_a_discarded_drafts_number_is_not_given_again(run: CliRun, tmp_path: Path) -> None:
    run("broadcast", "everyone", "--text", "Preview only")  # drafted, shown, discarded
    queued = run("broadcast", "everyone", "--text", "Sent", "--yes")
    assert queued.startswith("Broadcast 2 queued.")
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        numbered = conn.execute(
            "SELECT action, object_id FROM audit_log WHERE object_type = 'broadcast' ORDER BY id"
        ).fetchall()
    assert numbered == [
        ("broadcast.draft", "1"),
        ("broadcast.discard", "1"),
        ("broadcast.draft", "2"),
        ("broadcast.queue", "2"),
    ]


def test_a_database_that_cannot_be_opened_is_a_configuration_problem(
    run: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("blocker").write_text("a file, not a folder")
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "blocker" / "bot.sqlite3"))
    said = run("admin", "rounds", code=2)
    assert said.startswith(
        f"Configuration problem: DATABASE_PATH: cannot make the folder {tmp_path}/blocker:"
    )
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "blocker"))  # a file, not SQLite's
    said = run("admin", "rounds", code=2)
    assert said == (
        f"Configuration problem: DATABASE_PATH: cannot open {tmp_path}/blocker: "
        "file is not a database"
    )
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path))  # a folder
    said = run("admin", "rounds", code=2)
    assert said == (
        f"Configuration problem: DATABASE_PATH: cannot open {tmp_path}: "
        "unable to open database file"
    )


def test_a_round_closing_at_a_time_is_listed_with_it(run: CliRun) -> None:
    # "--closes '2026-12-31 18:00'" was kept at 18:00 and listed as "closes 2026-12-31".
    run("admin", "round-open", "--closes", "2099-12-31 18:00")
    run("admin", "round-open", "--closes", "2099-12-30")
    listed = run("admin", "rounds").splitlines()
    assert listed[0].startswith("round 3 [open] closes 2099-12-30: ")
    assert listed[1].startswith("round 2 [open] closes 2099-12-31 18:00 UTC: ")


def test_a_report_from_a_folder_with_no_database_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Run from another folder, it made an empty database there and wrote a report of nothing
    # ("0 priority-setting round(s)"), exit 0.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_PATH", raising=False)
    assert main(["report"]) == 1
    said = capsys.readouterr().out
    assert said.startswith(
        f"Not done: there is no database at {tmp_path / 'data' / 'community-voice.sqlite3'}."
    ), said
    assert not (tmp_path / "data").exists() and not list(tmp_path.glob("qs148-report*"))
    assert main(["admin", "rounds"]) == 0  # made, and said so
    assert "There was no database at" in capsys.readouterr().err
