"""`community-voice admin` for champions: a poster written to the current folder, the life
cycle, figures and support requests, and the QS148 statement 4 report."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.posterscan import page_size_mm, pdf_qr_codes
from tests.test_cli import cli


def _database(tmp_path: Path) -> dict[str, str]:
    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "BOT_USERNAME": "riverside_voice_bot"}
    assert cli("admin", "champions", env=env).returncode == 0  # creates the database
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        conn.execute(
            "INSERT INTO participants (channel, channel_user_id, chat_id, locale, area, "
            "consent_at, created_at) VALUES ('console', 'nia', 'nia', 'cy', 'Grangetown', "
            "'2026-11-01', '2026-11-01')"
        )
        conn.execute(
            "INSERT INTO champions (participant_id, code, status, created_at) "
            "VALUES (1, 'c-CliCode000000000', 'active', '2026-11-01')"
        )
    return env


def test_champion_poster_is_written_to_the_current_folder(tmp_path: Path) -> None:
    env = _database(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    result = cli("admin", "champion-poster", "1", env=env, cwd=out)
    assert result.returncode == 0, result.stdout + result.stderr
    pdf, png = (Path(line) for line in result.stdout.split())
    assert (pdf, png) == (out / "champion-1-poster-cy-en.pdf", out / "champion-1-poster-cy-en.png")
    assert page_size_mm(pdf.read_bytes()) == [(210.0, 297.0)]
    assert pdf_qr_codes(pdf.read_bytes()) == [
        "https://t.me/riverside_voice_bot?start=c-CliCode000000000"
    ]
    assert png.read_bytes().startswith(b"\x89PNG")
    place = cli(
        "admin", "poster", "--place", "Riverside Library", "--lang", "en,ur", env=env, cwd=out
    )
    assert place.stdout.split()[0] == str(out / "poster-riverside-library-en-ur.pdf")


def test_life_cycle_figures_and_report(tmp_path: Path) -> None:
    env = _database(tmp_path)
    told = " The running bot tells them within 60 s.\n"
    assert cli("admin", "champion-pause", "1", env=env).stdout == f"Champion 1 is paused.{told}"
    assert cli("admin", "champion-retire", "1", env=env).stdout == f"Champion 1 is retired.{told}"
    reactivated = cli("admin", "champion-reactivate", "1", env=env).stdout
    assert reactivated == f"Champion 1 is active.{told}"
    # Each told by a message the running bot sends (the command line cannot send).
    notices = sqlite3.connect(env["DATABASE_PATH"]).execute(
        "SELECT content FROM broadcasts WHERE kind = 'champion' ORDER BY id"
    )
    assert [json.loads(c)["notice"] for (c,) in notices] == ["paused", "ended", "active"]
    figures = cli("admin", "champion-stats", "1", env=env).stdout
    assert figures.startswith("Champion 1 [active]") and "Open support requests: 0" in figures
    assert figures.splitlines()[-1] == (
        "As the champion sees it: counts of 1 to 4 always show as <5, and a total that would "
        "give one of them away shows as the least it could be, with a + (for example 8+)."
    )
    assert cli("admin", "support", env=env).stdout == "No open support requests.\n"
    refused = cli("admin", "support-answer", "5", "hello", env=env)
    assert refused.returncode == 1
    assert refused.stdout == "Not done: There is no support request #5. admin support lists them.\n"
    report = cli("admin", "champions-report", env=env).stdout
    assert "Champions: 1 active, 0 paused, 0 retired, 0 waiting for approval" in report
    audit = sqlite3.connect(tmp_path / "bot.sqlite3").execute(
        "SELECT action FROM audit_log ORDER BY id"
    )
    assert [a for (a,) in audit] == [
        "residents.read",  # the champions list: what they offered, in their own words
        "champion.pause",
        "champion.retire",
        "champion.reactivate",
    ]


def test_a_poster_needs_the_bots_username(tmp_path: Path) -> None:
    env = _database(tmp_path)
    env["BOT_USERNAME"] = ""
    result = cli("admin", "champion-poster", "1", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("Not done: Set BOT_USERNAME")


def test_approving_a_champion_not_waiting_for_it_is_refused(tmp_path: Path) -> None:
    # Approved again, an active champion was told "you are now a community champion" again,
    # and a paused one was made active without being reactivated.
    env = _database(tmp_path)  # champion 1 is active
    again = cli("admin", "champion-approve", "1", env=env).stdout
    assert again == "Not done: Champion 1 is active already.\n"
    cli("admin", "champion-pause", "1", env=env)
    paused = cli("admin", "champion-approve", "1", env=env).stdout
    assert paused == (
        "Not done: Champion 1 is paused: only someone waiting for approval can be approved. "
        "Reactivate them instead.\n"
    )
