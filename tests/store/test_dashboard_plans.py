"""The dashboard's reads at scale go by index (checked with EXPLAIN QUERY PLAN on the
statements they run): no page sorts or scans every resident or every answer to be shown."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.store import assets, dashboard, heard
from bot.store.db import Database, Tx

NOW = "2026-11-25T10:00:00+00:00"


def _plan(path: Path, work: Callable[[Tx], Any]) -> list[str]:
    """The query plan lines of every statement `work` runs."""
    statements: list[str] = []
    conn = sqlite3.connect(path)
    conn.set_trace_callback(statements.append)
    work(Tx(conn))
    conn.set_trace_callback(None)
    lines = []
    for sql in statements:
        lines += [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    conn.close()
    return lines


@pytest.fixture
async def path(tmp_path: Path) -> Path:
    db = await Database.open(tmp_path / "plans.sqlite3")  # every migration, our schema
    await db.close()
    return tmp_path / "plans.sqlite3"


@pytest.mark.parametrize(
    ("work", "index"),
    [
        (dashboard.participants_by_language_and_area, "participants_language_area"),
        (lambda c: dashboard.joined_between(c, NOW, NOW), "participants_created"),
        (lambda c: dashboard.answers_between(c, NOW, NOW), "answers_created"),
        (
            lambda c: heard.own_words(c, [("assets", "what"), ("onboarding", "area")], 50),
            "answers_node",
        ),
        (lambda c: heard.suggestions(c, None, 50), "priority_submissions_other"),
        (lambda c: assets.page(c, "new", 100), "assets_status"),
    ],
    ids=["by-language-and-area", "joined", "answers", "own-words", "suggestions", "assets"],
)
def test_the_dashboards_reads_use_their_index(
    path: Path, work: Callable[[Tx], Any], index: str
) -> None:
    plan = _plan(path, work)
    assert any(index in line for line in plan), plan
    # Grouping or ordering every row in a temporary b-tree is what the index avoids.
    assert not any("TEMP B-TREE" in line and "participants" in line for line in plan), plan
    # Nor a walk through every answer (or every row of any table) looking for a few.
    assert not any(line.startswith("SCAN") and "USING" not in line for line in plan), plan
