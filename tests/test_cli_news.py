"""Staff on the command line are told who their action will reach: closing a round, an
initiative's news, a broadcast; and why nobody, when nobody will be told."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.store.db import Tx
from tests.conftest import rated, took_part

SENDS = (
    "The running bot (`make run`) sends it within 60 s; if it is not running, it goes out "
    "when it starts."
)


@pytest.fixture
def admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, object]:
    db = tmp_path / "bot.sqlite3"
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("BOT_TOKEN", "QUIET_HOURS", "SWEEP_SECONDS", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(db))

    def run(*args: str) -> str:
        code = main(list(args))
        out = capsys.readouterr().out
        assert code == 0, out
        return out.strip()

    return db, run


def _residents(db: Path, round_id: int, people: list[tuple[str, str, str]]) -> None:
    """(channel, locale, state) residents who all chose topic 1 of the round."""
    with sqlite3.connect(db) as conn:
        for n, (channel, locale, state) in enumerate(people):
            cur = conn.execute(
                "INSERT INTO participants (channel, channel_user_id, chat_id, locale, "
                "consent_at, created_at, opted_out_at, unreachable_at) "
                "VALUES (?, ?, ?, ?, ?, '2026-11-01', ?, ?)",
                (
                    channel,
                    f"r{round_id}-{n}",
                    f"r{round_id}-{n}",
                    locale,
                    None if state == "no consent" else "2026-11-01",
                    "2026-11-02" if state == "stopped" else None,
                    "2026-11-02" if state == "blocked" else None,
                ),
            )
            person = cur.lastrowid
            sub = conn.execute(
                "INSERT INTO priority_submissions (participant_id, round_id, submitted_at, "
                "updated_at) VALUES (?, ?, '2026-11-01', '2026-11-01')",
                (person, round_id),
            ).lastrowid
            topic = conn.execute(
                "SELECT id FROM topics WHERE round_id = ? ORDER BY position LIMIT 1", (round_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO priority_choices (submission_id, participant_id, round_id, "
                "topic_id, rank) VALUES (?, ?, ?, ?, 1)",
                (sub, person, round_id, topic),
            )


def test_closing_a_round_says_who_gets_its_results_and_queues_them(
    admin: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run = admin
    monkeypatch.setenv("QUIET_HOURS", "")  # the time of day the test runs at does not matter
    assert run("admin", "round-open", "--closes", "2099-01-31").startswith("Opened round 1.")
    _residents(
        db,
        1,
        [("telegram", "en", "ok")] * 4
        + [("telegram", "cy", "ok")] * 2
        + [("console", "en", "ok")]
        + [("telegram", "en", "stopped"), ("telegram", "ur", "blocked")],
    )
    out = run("admin", "round-close", "1")
    assert out.startswith("Closed round 1.")
    assert out.split("\n\n")[-1].splitlines() == [
        # 7 - 5 would give the Welsh readers' 2 away: the 5 is hidden too.
        "Its results: 7 people will be told, each in their own language (en [c] · cy <5).",
        "[c]: hidden, so that a count under 5 cannot be worked out from the others.",
        "<5 of them use the terminal simulator: they see it when they next open "
        "`community-voice chat`.",
        "Not told: <5 sent /stop, <5 blocked the bot.",
        SENDS,
    ]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT kind, status, round_id FROM broadcasts").fetchall() == [
            ("results", "scheduled", 1)
        ]


def test_closing_a_round_in_quiet_hours_says_when_sending_starts(
    admin: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run = admin
    now = datetime.now(ZoneInfo("Europe/London"))  # the default TIMEZONE
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    monkeypatch.setenv("QUIET_HOURS", f"{start:%H:%M}-{end:%H:%M}")
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 1, [("telegram", "en", "ok")] * 5)
    out = run("admin", "round-close", "1")
    assert out.endswith(
        f"The running bot (`make run`) sends it at {end:%H:%M} (Europe/London), when quiet "
        "hours end; if it is not running, it goes out when it starts."
    )


def test_nobody_told_says_why(admin: tuple) -> None:
    db, run = admin
    run("admin", "round-open", "--closes", "2099-01-31")
    out = run("admin", "round-close", "1")
    assert out.endswith(
        "Its results: Nobody will be told: there are no people who took part in round 1."
    )
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 2, [("telegram", "en", "stopped"), ("telegram", "pl", "no consent")])
    out = run("admin", "round-close", "2")
    assert out.endswith(
        "Its results: Nobody will be told. Of the <5 people who took part in round 2: "
        "<5 sent /stop, <5 did not agree to take part."
    )
    # An initiative answering a topic chosen by people who stopped: its news reaches nobody.
    topic = sqlite3.connect(db).execute("SELECT MIN(id) FROM topics WHERE round_id = 2").fetchone()
    run("admin", "initiative-add", "Walking group", "--topics", str(topic[0]))
    run("admin", "measure-add", "1", "More people walk every week")
    out = run("admin", "initiative-update", "1", "--status", "active")
    assert out == (
        "Updated initiative 1.\n\nThe news: Nobody will be told. Of the <5 people who chose "
        "initiative 1's topics, evaluated it, voted for or proposed its measures, or whose "
        "suggestion was linked to it: "
        "<5 sent /stop, <5 did not agree to take part."
    )
    out = run("broadcast", "area:Nowhere", "--text", "Hello")
    assert "Nobody will be told: there are no people who live in area Nowhere." in out
    assert out.startswith("Preview (nothing queued yet):\n")
    assert out.endswith("To send it, run this again with --yes.")


def test_an_initiatives_news_says_who_will_read_its_note_in_english(
    admin: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run = admin
    monkeypatch.setenv("QUIET_HOURS", "")
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 1, [("telegram", "en", "ok")] * 5 + [("telegram", "cy", "ok")] * 5)
    topic = sqlite3.connect(db).execute("SELECT MIN(id) FROM topics").fetchone()[0]
    run("admin", "initiative-add", "Walking group", "--topics", str(topic))
    run("admin", "measure-add", "1", "More people walk every week")
    # A new status alone is translated for everyone: nobody reads English in its place.
    out = run("admin", "initiative-update", "1", "--status", "active")
    assert "each in their own language (cy 5 · en 5)." in out
    assert "English text" not in out
    out = run("admin", "initiative-update", "1", "--note", "The first walk was on Tuesday.")
    assert out.split("\n\n")[-1].splitlines() == [
        "The news: 10 people will be told, in their language where the message has it "
        "(cy 5 · en 5).",
        "Residents reading cy will get the English text (texts given: en).",
        SENDS,
    ]
    out = run(
        "admin", "initiative-update", "1", "--note", "A second walk.", "--tr", "cy=Ail daith."
    )
    assert "English text" not in out


def test_previews_leave_nothing_behind_and_warn_about_quiet_hours(admin: tuple) -> None:
    db, run = admin
    london = ZoneInfo("Europe/London")  # the default TIMEZONE
    late = (datetime.now(london) + timedelta(days=2)).replace(hour=23, minute=0)
    out = run("broadcast", "everyone", "--text", "Hello", "--at", f"{late:%Y-%m-%d %H:%M}")
    morning = late + timedelta(hours=9)
    assert (
        "⚠️ That is inside quiet hours, when nobody is messaged: it will start at "
        f"{morning:%Y-%m-%d} 08:00. Choose another time if that is too late."
    ) in out
    noon = late.replace(hour=12)
    assert "quiet hours" not in run(
        "broadcast", "everyone", "--text", "Hello", "--at", f"{noon:%Y-%m-%d %H:%M}"
    )
    assert run("admin", "broadcasts") == "No broadcasts yet."
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM broadcasts").fetchone() == (0,)


def test_staff_hear_residents_on_the_command_line(
    admin: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    db, run = admin
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 1, [("telegram", "cy", "ok")])
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE priority_submissions SET other = '\"Gardd gymunedol\"'")
    said = run("admin", "suggestions")
    assert said.splitlines()[1].endswith("· cy: resident said: «Gardd gymunedol»")
    run("admin", "initiative-add", "Community garden", "--topics", "2")
    assert run("admin", "suggestion-link", "1", "1").startswith(
        "Linked suggestion 1 to initiative 1"
    )
    assert main(["admin", "suggestion-link", "1", "1"]) == 1
    assert capsys.readouterr().out == (
        "Not done: Suggestion 1 is already linked to initiative 1: nothing changed.\n"
    )
    # Linked to the wrong one as well: said, with how to undo it.
    run("admin", "initiative-add", "Bus stop", "--topics", "3")
    assert run("admin", "suggestion-link", "1", "2").endswith(
        "It is now linked to initiatives 1 and 2, and they are told the news of each. If an "
        "earlier link was a mistake, unlink it: admin suggestion-unlink 1 1."
    )
    assert run("admin", "suggestion-unlink", "1", "2").startswith(
        "Unlinked suggestion 1 from initiative 2:"
    )
    with sqlite3.connect(db) as conn:
        linked = conn.execute("SELECT initiative_id FROM initiative_suggestions").fetchall()
        # The refused second link wrote nothing to the audit log.
        audited = conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'suggestion.%' ORDER BY id"
        ).fetchall()
    assert linked == [(1,)]
    assert audited == [("suggestion.link",), ("suggestion.link",), ("suggestion.unlink",)]
    assert run("admin", "voice-notes") == "No voice notes yet."
    assert main(["admin", "evaluations", "5"]) == 1
    assert said.splitlines()[0].endswith(
        "so its news reaches them: admin suggestion-link ID INITIATIVE."
    )


def test_on_the_command_line_voice_notes_point_to_command_line_commands(
    admin: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    db, run = admin
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 1, [("telegram", "en", "ok")])
    with sqlite3.connect(db) as conn:
        voice = conn.execute(
            "INSERT INTO answers (participant_id, flow_id, node_id, key, value_json, created_at) "
            "VALUES (1, 'assets', 'what', 'what', '{\"voice\": \"v-1\", \"duration\": 20}', "
            "'2026-11-03')"
        ).lastrowid
    heard = f"resident's voice note (20 s): admin voice {voice}"
    assert run("admin", "answers").splitlines()[1].endswith(heard)
    listed = run("admin", "voice-notes").splitlines()
    assert listed[0] == (
        "Voice notes, newest first (up to 50); admin voice ID for one, with its context:"
    )
    assert listed[1].endswith(heard)
    assert main(["admin", "voice", "999"]) == 1
    assert capsys.readouterr().out == (
        "Not done: There is no voice note 999. admin voice-notes lists them.\n"
    )


def test_a_broadcast_on_the_command_line_says_what_it_sends_and_that_it_is_queued(
    admin: tuple, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, run = admin
    monkeypatch.setenv("QUIET_HOURS", "")  # the time of day the test runs at does not matter
    assert main(["broadcast", "everyone"]) == 1
    assert capsys.readouterr().out == (
        'Not done: Give the message with --text "..." (and --tr cy="..." for other '
        "languages), or use --template NAME: new-round, thank-you, evaluation.\n"
    )
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 1, [("telegram", "en", "ok"), ("telegram", "cy", "ok")])
    new_round = (
        "Message: We have a new question for you about what we should work on first. "
        "Send /menu and choose “Help choose what we work on first”."
    )
    assert run("broadcast", "everyone", "--template", "new-round").splitlines() == [
        "Preview (nothing queued yet):",
        "<5 people will be told, each in their own language (cy <5 · en <5).",
        "Template 'new-round', translated for everyone.",
        new_round,
        "",
        "To send it, run this again with --yes.",
    ]
    # Words given twice, or a translation of nothing, are refused, not half used.
    for args, said in (
        (("--template", "new-round", "--text", "Hello"), "not both"),
        (("--template", "new-round", "--tr", "cy=Helo"), "not both"),
        (("--tr", "cy=Helo"), 'Give the message with --text "..."'),
    ):
        assert main(["broadcast", "everyone", *args]) == 1
        assert said in capsys.readouterr().out
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM broadcasts").fetchone() == (0,)
    # Some will get English: the preview does not also say each gets their own language.
    assert run("broadcast", "everyone", "--text", "Hello").splitlines()[1:3] == [
        "<5 people will be told, in their language where the message has it (cy <5 · en <5).",
        "Residents reading cy will get the English text (texts given: en).",
    ]
    # Each preview was a draft, discarded: its number is not given again (the audit log
    # names broadcasts by number), so this one is the third.
    assert run("broadcast", "everyone", "--template", "new-round", "--yes").splitlines() == [
        f"Broadcast 3 queued. {SENDS}",
        "<5 people will be told, each in their own language (cy <5 · en <5).",
        "Template 'new-round', translated for everyone.",
        new_round,
    ]


def _delivered(db: Path, round_id: int, states: list[str]) -> None:
    """The round's results went out: one ledger row a resident of the round, in `states`."""
    broadcast_id = round_id  # one results broadcast a round, and no other broadcasts
    with sqlite3.connect(db) as conn:
        people = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM participants WHERE channel_user_id LIKE ? ORDER BY id",
                (f"r{round_id}-%",),
            )
        ]
        conn.execute("DELETE FROM deliveries WHERE broadcast_id = ?", (broadcast_id,))
        conn.executemany(
            "INSERT INTO deliveries (broadcast_id, participant_id, state) VALUES (?, ?, ?)",
            [(broadcast_id, person, state) for person, state in zip(people, states, strict=True)],
        )
        conn.execute("UPDATE broadcasts SET status = 'done' WHERE id = ?", (broadcast_id,))


def test_listed_broadcasts_count_people_as_their_preview_did(admin: tuple) -> None:
    db, run = admin
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 1, [("telegram", "en", "ok")] * 3)
    assert "Its results: <5 people will be told" in run("admin", "round-close", "1")
    _delivered(db, 1, ["sent"] * 3)
    # How many took part in the round is not given away once its results have gone out.
    assert (
        run("admin", "broadcasts")
        == "broadcast 1 [done] results to people who took part in round 1: sent <5"
    )

    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 2, [("telegram", "en", "ok")] * 7)
    run("admin", "round-close", "2")
    _delivered(db, 2, ["sent"] * 6 + ["unreachable"])
    # 7 were told: with "sent 6" shown, the one who blocked the bot could be worked out.
    assert run("admin", "broadcasts").splitlines() == [
        "broadcast 1 [done] results to people who took part in round 1: sent <5",
        "broadcast 2 [done] results to people who took part in round 2: sent [c], unreachable <5",
    ]
    _delivered(db, 2, ["sent"] * 7)
    assert run("admin", "broadcasts").splitlines()[1] == (
        "broadcast 2 [done] results to people who took part in round 2: sent 7"
    )


def test_a_listed_broadcast_nobody_has_been_sent_says_so(admin: tuple) -> None:
    db, run = admin
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 1, [("telegram", "en", "ok")] * 3)
    run("admin", "round-close", "1")  # no bot running: nobody has been sent it yet
    assert run("admin", "broadcasts") == (
        "broadcast 1 [scheduled] results to people who took part in round 1: not sent to anyone yet"
    )  # it was "results to round: -"


def test_results_of_a_round_nobody_took_part_in_are_listed_as_sent_to_nobody(
    admin: tuple,
) -> None:
    db, run = admin
    run("admin", "round-open", "--closes", "2099-01-31")
    out = run("admin", "round-close", "1")
    assert out.endswith(
        "Its results: Nobody will be told: there are no people who took part in round 1."
    )
    # Not "[scheduled] ... not sent to anyone yet", which read as if someone were still to be.
    assert run("admin", "broadcasts") == (
        "broadcast 1 [done] results to people who took part in round 1: sent to nobody"
    )


def test_a_preview_hides_counts_below_the_configured_threshold(
    admin: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run = admin
    monkeypatch.setenv("QUIET_HOURS", "")
    monkeypatch.setenv("SUPPRESS_BELOW", "10")
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(
        db,
        1,
        [("telegram", "en", "ok")] * 12
        + [("telegram", "en", "stopped")] * 6
        + [("telegram", "en", "blocked")] * 3,
    )
    assert run("broadcast", "everyone", "--text", "Hello").splitlines()[1:3] == [
        "12 people will be told, each in their own language (en 12).",
        "Not told: <10 sent /stop, <10 blocked the bot.",
    ]
    # Nobody told: the reasons add up to the audience, so 21 - 18 would give the 3 away.
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE participants SET opted_out_at = '2026-11-02' "
            "WHERE opted_out_at IS NULL AND unreachable_at IS NULL"
        )
    assert run("broadcast", "everyone", "--text", "Hello").splitlines()[1:3] == [
        "Nobody will be told. Of the 21 people who the bot knows: [c] sent /stop, <10 blocked "
        "the bot.",
        "[c]: hidden, so that a count under 10 cannot be worked out from the others.",
    ]


def test_round_results_and_areas_hide_counts_below_the_configured_threshold(
    admin: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run = admin
    run("admin", "round-open", "--closes", "2099-01-31")
    _residents(db, 1, [("telegram", "en", "ok")] * 7)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE participants SET area = 'Splott'")
    monkeypatch.setenv("SUPPRESS_BELOW", "10")
    results = run("admin", "results", "1").splitlines()
    assert results[1].startswith("<10 people took part.")
    assert results[1].endswith("Counts from 1 to 9 are shown as <10.")
    assert results[2].endswith("(topic 1): <10 chose it, [c] put it first")
    assert run("admin", "areas").splitlines()[-2:] == [
        "Residents' own words, in no area: Splott (<10)",
        "Residents taking part: <10.",
    ]

    monkeypatch.setenv("SUPPRESS_BELOW", "5")
    results = run("admin", "results", "1").splitlines()
    assert results[1].startswith("7 people took part.")
    assert results[2].endswith("(topic 1): 7 chose it, 7 put it first")
    assert run("admin", "areas").splitlines()[-2:] == [
        "Residents' own words, in no area: Splott (7)",
        "Residents taking part: 7.",
    ]


def test_round_results_hide_every_first_choice_when_one_is_small(
    admin: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run = admin
    topics = "--topic", "Safe streets", "--topic", "Healthy food", "--topic", "Bus routes"
    run("admin", "round-open", "--closes", "2099-01-31", *topics)
    # 13 took part: 10 put safe streets first alone, 1 bus routes then safe streets, 2 bus
    # routes alone. A "[c]" beside "11 chose it" that could not be 11 would be 10, and 3 the
    # bus routes' firsts: every first choice is hidden instead.
    with sqlite3.connect(db) as conn:
        took_part(
            Tx(conn),
            1,
            [["Safe streets"]] * 10 + [["Bus routes", "Safe streets"]] + [["Bus routes"]] * 2,
        )
    monkeypatch.setenv("SUPPRESS_BELOW", "10")
    results = run("admin", "results", "1").splitlines()
    assert results[1].startswith(
        "13 people took part. Topics are ranked by how many people "
        "chose them; when two are level, they are in the round's own "
        "order, since first choices are all hidden when showing them would give a small "
        "number away."
    )
    assert results[2:] == [
        "1. Safe streets (topic 1): 11 chose it, [c] put it first",
        "2. Bus routes (topic 3): <10 chose it, [c] put it first",
        "3. Healthy food (topic 2): 0 chose it, 0 put it first",
        "[c]: hidden, so that a count under 10 cannot be worked out from the others.",
    ]
    # With small numbers off, every first is shown (at 3 the 1 who put safe streets second
    # would be small: 11 chose it, 10 first).
    monkeypatch.setenv("SUPPRESS_BELOW", "1")
    assert run("admin", "results", "1").splitlines()[2:4] == [
        "1. Safe streets (topic 1): 11 chose it, 10 put it first",
        "2. Bus routes (topic 3): 3 chose it, 3 put it first",
    ]


OCTOBER, NOVEMBER = "2026-10-01", "2026-11-01"


def _rated_initiative(
    db: Path, run: Callable[..., str], ratings: list[tuple[str, int]] | None = None
) -> None:
    """Initiative 1 with measure 1, rated as `ratings` says (period, stars); by default 12
    residents rated it five stars in October, 7 four stars in November."""
    run("admin", "round-open", "--closes", "2099-01-31")
    run("admin", "initiative-add", "Street lights", "--topics", "1")
    run("admin", "measure-add", "1", "Fewer dark corners")
    default = [(OCTOBER, 5)] * 12 + [(NOVEMBER, 4)] * 7
    with sqlite3.connect(db) as conn:
        rated(Tx(conn), 1, 1, default if ratings is None else ratings)


def test_evaluations_hide_what_the_overall_figures_would_give_away(
    admin: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run = admin
    _rated_initiative(db, run)
    monkeypatch.setenv("SUPPRESS_BELOW", "10")
    # November's 7 is "<10"; 19 - 12 would give it away, and so would October's average beside
    # the overall one; likewise the 12 five stars beside the 7 four, and so would the overall
    # average (19 x 4.6 = 88 = 4a + 5(19 - a): a = 7).
    assert run("admin", "evaluations", "1").splitlines() == [
        "Evaluations of initiative 1 (Street lights): 19 so far. Ratings are what residents "
        "tapped: 1 Very badly, 2 Badly, 3 OK, 4 Well, 5 Very well. Counts from 1 to 9 are "
        "shown as <10. An average is shown only where none "
        "of the counts of stars behind it would be hidden (for check-in periods: in any "
        "period, though their stars are not listed).",
        "Measure 1: Fewer dark corners",
        "  all periods: 19 ratings, average hidden: ★1 0 · ★2 0 · ★3 0 · ★4 <10 · ★5 [c]",
        f"  from {OCTOBER}: [c] ratings, average hidden",
        f"  from {NOVEMBER}: <10 ratings, average hidden",
        "[c]: hidden, so that a count under 10 cannot be worked out from the others.",
    ]

    # At 5 nothing is small: every count and both periods' averages, and no note.
    monkeypatch.setenv("SUPPRESS_BELOW", "5")
    assert run("admin", "evaluations", "1").splitlines()[1:] == [
        "Measure 1: Fewer dark corners",
        "  all periods: 19 ratings, average 4.6: ★1 0 · ★2 0 · ★3 0 · ★4 7 · ★5 12",
        f"  from {OCTOBER}: 12 ratings, average 5.0",
        f"  from {NOVEMBER}: 7 ratings, average 4.0",
    ]


def test_evaluations_show_no_average_that_would_undo_a_hidden_star(
    admin: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run = admin
    # 2 four stars and 8 five: 10 x 4.8 = 48 = 4a + 5(10 - a) would give a = 2 away. In
    # November 5 five stars; October's 1 four and 4 five would show as 4.8, one four.
    ratings = [(OCTOBER, 4), (NOVEMBER, 4)] + [(OCTOBER, 5)] * 4 + [(NOVEMBER, 5)] * 4
    _rated_initiative(db, run, ratings)
    monkeypatch.setenv("SUPPRESS_BELOW", "5")
    assert run("admin", "evaluations", "1").splitlines()[1:] == [
        "Measure 1: Fewer dark corners",
        "  all periods: 10 ratings, average hidden: ★1 0 · ★2 0 · ★3 0 · ★4 <5 · ★5 [c]",
        f"  from {OCTOBER}: 5 ratings, average hidden",
        f"  from {NOVEMBER}: 5 ratings, average hidden",
        "[c]: hidden, so that a count under 5 cannot be worked out from the others.",
    ]
