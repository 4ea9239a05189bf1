"""`community-voice admin` for measures: a Welsh resident's idea waits for staff, read (and
the reading audited) in their own words, given English words, then accepted for votes; a
decision that changes nothing refused and not audited; an adopted measure residents rated,
rejected, says what becomes of the ratings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.test_cli import cli

NOW = "2026-11-25T10:30:00+00:00"
IDEA = "Mae fy nghymydog John Smith yn 12 Heol y Felin yn goryrru bob dydd"


def _welsh_idea_and_a_rating(path: Path) -> None:
    """A Welsh resident's idea for initiative 2 (measure 5), and a rating of measure 1."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO participants (id, channel, channel_user_id, chat_id, locale, "
            "created_at) VALUES (1, 'telegram', '1', '1', 'cy', ?)",
            (NOW,),
        )
        conn.execute(
            "INSERT INTO measures (initiative_id, text, proposed_by, status, created_at, "
            "locale) VALUES (2, json_object('cy', ?), 1, 'suggested', ?, 'cy')",
            (IDEA, NOW),
        )
        conn.execute(
            "INSERT INTO evaluations (id, participant_id, initiative_id, period, created_at) "
            "VALUES (1, 1, 1, '2026-11-01', ?)",
            (NOW,),
        )
        conn.execute(
            "INSERT INTO evaluation_ratings (evaluation_id, participant_id, measure_id, rating) "
            "VALUES (1, 1, 1, 4)"
        )


def _audit(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT action, object_type, object_id FROM audit_log"))


def test_a_welsh_idea_is_read_translated_and_accepted(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    env = {"DATABASE_PATH": str(db)}
    assert cli("seed-demo", env=env).returncode == 0
    _welsh_idea_and_a_rating(db)
    seeded = len(_audit(db))

    listed = cli("admin", "measures", env=env).stdout.splitlines()
    assert (
        "measure 5 [suggested] initiative 2, waiting for you, not shown to residents: "
        f"proposed by a resident, in cy: «{IDEA}»"
    ) in listed
    assert listed[-1].startswith("1 idea(s) from residents wait for you")
    assert "admin measure-accept ID" in listed[-1]
    shown = cli("admin", "text", "measure", "5", env=env).stdout.splitlines()
    assert shown[:2] == [
        "Measure 5 (initiative 2):",
        f"  cy: «{IDEA}» (a resident's words)",
    ]
    assert _audit(db)[seeded:] == [
        ("residents.read", "measures", "all"),
        ("residents.read", "measure", "5"),
    ]

    edited = cli("admin", "edit", "measure", "5", "Fewer cars speed on Mill Road", env=env)
    assert edited.stdout.splitlines()[1:3] == [
        "  en: Fewer cars speed on Mill Road",
        f"  cy: «{IDEA}» (a resident's words)",
    ]
    assert (
        "The cy words stay as they were: residents reading cy still see them. Check they say "
        "the same as the new English, give new ones, or remove them (cy=- or 'cy: -')."
    ) in edited.stdout
    accepted = cli("admin", "measure-accept", "5", env=env)
    assert accepted.stdout == "Measure 5 is open for residents' votes.\n", accepted.stderr


def test_a_decision_is_said_once_and_rejecting_rated_measures_says_what_it_means(
    tmp_path: Path,
) -> None:
    db = tmp_path / "bot.sqlite3"
    env = {"DATABASE_PATH": str(db)}
    assert cli("seed-demo", env=env).returncode == 0
    _welsh_idea_and_a_rating(db)
    seeded = len(_audit(db))

    assert cli("admin", "measure-adopt", "3", env=env).stdout == "Adopted measure 3.\n"
    again = cli("admin", "measure-adopt", "3", env=env)
    assert again.returncode != 0
    assert "Not done: Measure 3 is already adopted." in again.stdout + again.stderr
    # A Welsh idea adopted as it is: staff are told English readers see it in Welsh.
    adopted = cli("admin", "measure-adopt", "5", env=env).stdout
    assert adopted.splitlines() == [
        "Adopted measure 5.",
        "It is not written in ar, bn, en, es, pa, pl, pt, ro, ur yet: residents reading "
        "those see it in another language. Translate it with admin edit measure 5.",
    ]
    rejected = cli("admin", "measure-reject", "1", env=env).stdout
    assert rejected.splitlines() == [
        "Rejected measure 1.",
        "Residents are no longer asked to rate it. Their ratings are kept and still shown with "
        "the initiative's evaluations, but the QS148 report counts ratings of adopted "
        "measures only, so they no longer count there. Adopt it again to count them.",
    ]
    assert [a for a, _, _ in _audit(db)[seeded:]] == [
        "measure.adopt",
        "measure.adopt",
        "measure.reject",
    ]


def test_a_measure_added_says_it_is_adopted_now_and_none_goes_to_a_finished_initiative(
    tmp_path: Path,
) -> None:
    db = tmp_path / "bot.sqlite3"
    env = {"DATABASE_PATH": str(db)}
    assert cli("seed-demo", env=env).returncode == 0
    added = cli("admin", "measure-add", "1", "Fewer people walk alone", env=env).stdout
    assert added == (
        "Added measure 5 to initiative 1, adopted now: it is agreed, with no vote, and "
        "residents rate the initiative against it. To let residents vote on a measure first, "
        "add it with --proposed; to take this one back, admin measure-reject 5.\n"
    )
    proposed = cli("admin", "measure-add", "1", "More walkers", "--proposed", env=env).stdout
    assert proposed == (
        "Added measure 6 to initiative 1, open for residents' votes: adopt it when they have "
        "voted (admin measure-adopt 6).\n"
    )
    cli("admin", "initiative-update", "2", "--status", "finished", env=env)
    refused = cli("admin", "measure-add", "2", "Warmer homes", env=env)
    assert refused.returncode == 1
    assert refused.stdout == (
        "Not done: Initiative 2 is finished: residents are no longer asked to vote on its "
        "measures or rate it, so a new measure would never be used. If the work has started "
        "again, change its status first: admin initiative-update 2 --status active.\n"
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM measures WHERE id > 4").fetchall() == [
            ("adopted",),
            ("proposed",),
        ]
