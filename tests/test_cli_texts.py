"""`community-voice admin` for texts in every language and areas, as staff type it: a round
with its own topics, each translated by the --tr after it, for an area found by its postcode;
a text read and translated later; mistakes refused with what to do, nothing written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.test_cli import cli


def test_a_round_with_translated_topics_for_an_area_then_translated_again(
    tmp_path: Path,
) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
    added = cli("admin", "area-add", "Riverside", "--districts", "CF10,CF11", env=env)
    assert added.stdout == "Added area Riverside.\n", added.stderr
    opened = cli(
        "admin", "round-open", "--closes", "2026-12-31", "--area", "cf10 1aa",
        "--question", "What would make Riverside healthier?",
        "--tr", "cy=Beth fyddai'n gwneud Glan-yr-afon yn iachach?",
        "--topic", "Safer crossings", "--tr", "cy=Croesfannau mwy diogel",
        "--topic", "A youth club",
        env=env,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stdout + opened.stderr
    assert opened.stdout.splitlines()[:2] == [
        "Opened round 1.",
        "Round 1 (open, closes 2026-12-31): What would make Riverside healthier?",
    ]
    translated = cli("admin", "edit", "topic", "2", "--tr", "cy=Clwb ieuenctid", env=env)
    assert translated.stdout.splitlines()[:4] == [
        "Changed. Topic 2 (round 1):",
        "  en: A youth club",
        "  cy: Clwb ieuenctid",
        "  Not yet in: ar, bn, es, pa, pl, pt, ro, ur. Residents reading those see the default "
        "language, else the English.",
    ]
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        labels = [json.loads(r[0]) for r in conn.execute("SELECT label FROM topics ORDER BY id")]
        question = json.loads(conn.execute("SELECT question FROM rounds").fetchone()[0])
        round_areas = conn.execute("SELECT area FROM round_areas").fetchall()
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert labels == [
        {"en": "Safer crossings", "cy": "Croesfannau mwy diogel"},
        {"en": "A youth club", "cy": "Clwb ieuenctid"},
    ]
    assert question["cy"] == "Beth fyddai'n gwneud Glan-yr-afon yn iachach?"
    assert round_areas == [("Riverside",)]
    assert actions == ["area.add", "round.open", "topic.edit"]


def test_staff_mistakes_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
    for args, said in (
        (
            ("--tr", "cy=Helo", "--question", "Q?"),
            "Not done: --tr 'cy=Helo' comes before the text it translates: put it right after "
            "--question or --topic.\n",
        ),
        (
            ("--topic", "Parks", "--tr", "xx=Parcs"),
            "Not done: 'xx' is not one of our languages: ar, bn, cy, en, es, pa, pl, pt, ro, ur.\n",
        ),
        (("--topic", "Parks", "--tr", "Parciau"), "Not done: Write a translation as LANG=TEXT"),
    ):
        refused = cli("admin", "round-open", "--closes", "2026-12-31", *args, env=env)
        assert refused.returncode == 1
        assert refused.stdout.startswith(said), refused.stdout
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM rounds").fetchone() == (0,)


def test_a_round_closed_early_says_when_it_closed_not_when_it_was_to(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
    assert cli("admin", "round-open", "--closes", "2099-12-31", env=env).returncode == 0
    closed = cli("admin", "round-close", "1", env=env)
    assert closed.returncode == 0, closed.stdout + closed.stderr
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        closed_on = conn.execute("SELECT substr(closed_at, 1, 10) FROM rounds").fetchone()[0]
    assert closed_on != "2099-12-31"
    results = cli("admin", "results", "1", env=env).stdout.splitlines()
    question = "What should we work on first to improve health in our area?"
    assert results[0] == f"Round 1 (closed on {closed_on}): {question}"
    listed = cli("admin", "rounds", env=env).stdout.splitlines()
    assert listed == [f"round 1 [closed] on {closed_on}: {question}"]
