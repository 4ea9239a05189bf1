"""The export benchmark's export runs on a small fixture (bench/export.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from openpyxl import load_workbook

from bench.export import run_export
from bench.fixture import build


def test_the_benchmark_exports_the_fixture_answers(tmp_path: Path) -> None:
    made = build(tmp_path / "fixture.sqlite3", participants=50)  # asyncio.run inside
    output = tmp_path / "answers.xlsx"
    seconds = asyncio.run(run_export(made.path, output, "xlsx"))
    assert seconds > 0
    book = load_workbook(output, read_only=True)
    try:
        header, *rows = book["answers"].iter_rows(values_only=True)
    finally:
        book.close()  # read-only keeps the file open until closed
    assert len(rows) == made.answers
    assert "language" in header
