"""Initiatives and their milestones at the command line, as a new staff member would try
them: news that tells residents nothing new is refused, a repeated note or a step back is
sent only when staff say so, a topic given twice is taken once, statuses in any case, and
milestones answer with their id and refuse a day to come."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import CliRun

CROSSING = "The crossing is painted and the lights work."


@pytest.fixture
def run(demo_cli: CliRun) -> CliRun:
    return demo_cli


def _rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        return list(conn.execute(sql).fetchall())


def test_news_that_changes_nothing_is_refused_and_nothing_is_queued(
    run: CliRun, tmp_path: Path
) -> None:
    said = run("admin", "initiative-update", "1", "--status", "active", code=1)
    assert said == (
        "Not done: Initiative 1 is already active, and there is no note: nothing new to tell "
        "residents. Give a new status or a note of what was done."
    )
    assert _rows(tmp_path, "SELECT COUNT(*) FROM initiative_updates") == [(0,)]
    assert _rows(tmp_path, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    # Its own status with a note: the note is the news, and the status is not told again.
    assert run("admin", "initiative-update", "1", "--status", "Active", "--note", CROSSING)
    assert _rows(tmp_path, "SELECT status FROM initiative_updates") == [(None,)]
    [(content,)] = _rows(tmp_path, "SELECT content FROM broadcasts")
    assert '"status": null' in str(content)


def test_the_same_note_twice_goes_only_when_staff_say_again(run: CliRun, tmp_path: Path) -> None:
    run("admin", "initiative-update", "1", "--note", CROSSING)
    day = str(_rows(tmp_path, "SELECT created_at FROM initiative_updates")[0][0])[:10]
    said = run("admin", "initiative-update", "1", "--note", f" {CROSSING.upper()} ", code=1)
    assert said == (
        "Not done: That note is word for word the last one about initiative 1 (recorded "
        f"{day}): residents would read it twice. To send it again anyway, run this again "
        "with --again."
    )
    assert _rows(tmp_path, "SELECT COUNT(*) FROM broadcasts") == [(1,)]
    again = run("admin", "initiative-update", "1", "--note", CROSSING, "--again")
    assert again.startswith("Updated initiative 1. It repeats the last note, as you asked.")
    assert _rows(tmp_path, "SELECT COUNT(*) FROM broadcasts") == [(2,)]
    # A different note is news.
    assert run("admin", "initiative-update", "1", "--note", "The lights are on a timer.")


def test_a_step_back_to_an_earlier_status_is_said_and_must_be_confirmed(
    run: CliRun, tmp_path: Path
) -> None:
    run("admin", "initiative-update", "1", "--status", "finished")
    said = run("admin", "initiative-update", "1", "--status", "planned", code=1)
    assert said == (
        "Not done: This moves initiative 1 back from finished to planned: residents will read "
        "that it is planned again. If that is right, run this again with --back."
    )
    assert _rows(tmp_path, "SELECT status FROM initiatives WHERE id = 1") == [("finished",)]
    done = run("admin", "initiative-update", "1", "--status", "planned", "--back")
    assert done.startswith(
        "Updated initiative 1. This moves initiative 1 back from finished to planned"
    )
    assert _rows(tmp_path, "SELECT status FROM initiatives WHERE id = 1") == [("planned",)]
    # Onwards needs no confirming: paused and back to active is not a step back.
    run("admin", "initiative-update", "1", "--status", "PAUSED")
    run("admin", "initiative-update", "1", "--status", "active")


def test_a_topic_given_twice_is_taken_once_and_any_case_of_status(
    run: CliRun, tmp_path: Path
) -> None:
    said = run(
        "admin", "initiative-add", "Walking group from the library", "--topics", "3,3",
        "--status", "Active",
    )  # fmt: skip
    assert (
        said == 'Recorded initiative 3. Add the measures it is judged by: admin measure-add 3 "..."'
    )
    assert _rows(tmp_path, "SELECT topic_id FROM initiative_topics WHERE initiative_id = 3") == [
        (3,)
    ]
    assert _rows(tmp_path, "SELECT status FROM initiatives WHERE id = 3") == [("active",)]
    assert run("admin", "initiative-add", "X", "--topics", "1", "--status", "soon", code=1) == (
        "Not done: Status must be one of: planned, active, paused, finished."
    )


def test_a_finished_initiative_is_not_told_to_take_measures(run: CliRun) -> None:
    """Recording work already done pointed to measure-add, which then refused it."""
    said = run(
        "admin", "initiative-add", "Winter warm hubs", "--topics", "3", "--status", "Finished"
    )
    assert said == (
        "Recorded initiative 3, finished: nobody rates it, so it takes no measures. To tell the "
        'people it concerns what was done: admin initiative-update 3 --note "..."'
    )
    assert run("admin", "measure-add", "3", "People felt warmer", code=1).startswith(
        "Not done: Initiative 3 is finished"
    )
    assert run("admin", "initiative-update", "3", "--note", "Open every Tuesday.").startswith(
        "Updated initiative 3."
    )


def test_hints_name_commands_as_typed_at_the_command_line(run: CliRun) -> None:
    assert run("admin", "initiative-add", "X", "--topics", "999", code=1) == (
        "Not done: There is no topic 999. admin results ROUND lists them."
    )
    assert run("admin", "suggestion-link", "999", "1", code=1) == (
        "Not done: There is no suggestion 999. admin suggestions lists them."
    )
    assert run("admin", "round-close", "99", code=1) == (
        "Not done: There is no round 99. admin rounds lists them."
    )
    assert run("admin", "champion-approve", "9", code=1) == (
        "Not done: There is no champion 9. admin champions lists them."
    )
    # An initiative, a measure or a milestone not found said no more than that.
    for command in (
        ("initiative-update", "9", "--note", "Done."),
        ("initiative-history", "9"),
        ("evaluations", "9"),
        ("measure-add", "9", "Fewer falls"),
        ("milestone-add", "9", "Paint", "--due", "2027-01-31", "--owner", "Sam"),
    ):
        assert run("admin", *command, code=1) == (
            "Not done: There is no initiative 9. admin initiatives lists them."
        ), command
    assert run("admin", "measure-adopt", "99", code=1) == (
        "Not done: There is no measure 99. admin measures lists them."
    )
    assert run("admin", "milestone-done", "99", code=1) == (
        "Not done: There is no milestone 99. admin milestones lists them."
    )


def test_milestones_say_their_id_and_refuse_what_cannot_be(run: CliRun, tmp_path: Path) -> None:
    added = run(
        "admin", "milestone-add", "1", "Paint the crossing", "--due", "2026-12-01",
        "--owner", "Sam",
    )  # fmt: skip
    assert added == (
        "Added milestone 1 to initiative 1, due 2026-12-01, owner Sam. When it is done: "
        "admin milestone-done 1"
    )
    assert run("admin", "milestones", "5", code=1) == (
        "Not done: There is no initiative 5. admin initiatives lists them."
    )
    assert run("admin", "milestones", "2") == "Initiative 2 has no milestones yet."
    today = datetime.now(UTC).date()  # the desk's clock
    later = today + timedelta(days=365)
    said = run("admin", "milestone-done", "1", "--on", later.isoformat(), code=1)
    assert said.startswith(f"Not done: {later} is after today ({today}).")
    assert _rows(tmp_path, "SELECT done_on FROM initiative_milestones") == [(None,)]
    yesterday = today - timedelta(days=1)
    assert run("admin", "milestone-done", "1", "--on", yesterday.isoformat()) == (
        f"Milestone 1 done on {yesterday}."
    )


def test_a_milestone_is_not_added_twice_and_can_be_removed(run: CliRun, tmp_path: Path) -> None:
    add = ("admin", "milestone-add", "1", "Paint the crossing", "--due", "2026-12-01")
    run(*add, "--owner", "Sam")
    assert run(*add, "--owner", "sam", code=1) == (
        "Not done: Initiative 1 already has that milestone: milestone 1, due 2026-12-01, owner "
        "Sam: Paint the crossing. Nothing was added."
    )
    assert run("admin", "milestone-remove", "1") == (
        "Removed milestone 1 of initiative 1 (due 2026-12-01, owner Sam: Paint the crossing)."
    )
    assert run("admin", "milestone-remove", "1", code=1) == (
        "Not done: There is no milestone 1. admin milestones lists them."
    )
    assert _rows(tmp_path, "SELECT COUNT(*) FROM initiative_milestones") == [(0,)]
    history = run("admin", "initiative-history", "1").splitlines()
    assert [line.split(": ", 1)[1] for line in history if "milestone" in line] == [
        "milestone 1 added, due 2026-12-01, owner Sam: Paint the crossing",
        "milestone 1 removed, due 2026-12-01, owner Sam: Paint the crossing",
    ]


def test_starting_an_initiative_with_no_agreed_measures_is_warned_of(run: CliRun) -> None:
    # QS148 statement 2: it is evaluated against measures agreed with residents. Started with
    # none, it was offered to residents to rate with nothing to rate, and the report left it out.
    run("admin", "initiative-add", "Walking group from the library", "--topics", "3")
    said = run("admin", "initiative-update", "3", "--status", "active", "--note", "Walks start.")
    assert "Initiative 3 has no agreed measures yet, so residents cannot rate how it is going" in (
        said
    ), said
    run("admin", "measure-add", "3", "More people walk every week")
    said = run("admin", "initiative-update", "3", "--note", "Forty people came.")
    assert "no agreed measures" not in said


def test_an_initiatives_description_is_translated_by_the_tr_after_it(
    run: CliRun, tmp_path: Path
) -> None:
    run(
        "admin", "initiative-add", "Walking group", "--topics", "3",
        "--tr", "cy=Grŵp cerdded",
        "--description", "Every Tuesday", "--tr", "cy=Bob dydd Mawrth",
    )  # fmt: skip
    # The old form, --tr with no --description (or before it), still translates the title.
    run("admin", "initiative-add", "Lunch club", "--topics", "3", "--tr", "cy=Clwb cinio")
    run(
        "admin", "initiative-add", "Swim club", "--topics", "3", "--tr", "cy=Clwb nofio",
        "--description", "Fridays",
    )  # fmt: skip
    assert _rows(tmp_path, "SELECT title, description FROM initiatives WHERE id > 2") == [
        (
            '{"cy": "Grŵp cerdded", "en": "Walking group"}',
            '{"cy": "Bob dydd Mawrth", "en": "Every Tuesday"}',
        ),
        ('{"cy": "Clwb cinio", "en": "Lunch club"}', None),
        ('{"cy": "Clwb nofio", "en": "Swim club"}', '{"en": "Fridays"}'),
    ]
    said = run(
        "admin", "initiative-add", "X", "--topics", "3", "--description", "A", "--tr", "cy=B",
        "--tr", "cy=C", code=1,
    )  # fmt: skip
    assert said == "Not done: --tr 'cy=C': There are two cy translations of one text: give one."


def test_an_initiatives_description_is_read_and_changed_in_every_language(
    run: CliRun, tmp_path: Path
) -> None:
    """Written with its Welsh, a description could be read only on the dashboard."""
    run(
        "admin", "initiative-add", "Walking group", "--topics", "3",
        "--description", "Every Tuesday", "--tr", "cy=Bob dydd Mawrth",
    )  # fmt: skip
    run("admin", "initiative-add", "Lunch club", "--topics", "3")
    assert run("admin", "text", "description", "3").splitlines()[:3] == [
        "The description of initiative 3:",
        "  en: Every Tuesday",
        "  cy: Bob dydd Mawrth",
    ]
    assert run("admin", "text", "description", "4").splitlines()[:2] == [
        "The description of initiative 4:",
        "  (none yet)",
    ]
    said = run("admin", "edit", "description", "3", "Every Tuesday at 10", "--tr", "cy=-")
    assert said.splitlines()[:2] == [
        "Changed. The description of initiative 3:",
        "  en: Every Tuesday at 10",
    ]
    said = run("admin", "edit", "description", "4", "--tr", "cy=Dydd Gwener")
    assert said.splitlines()[:2] == [
        "Changed. The description of initiative 4:",
        "  cy: Dydd Gwener",
    ]
    assert _rows(tmp_path, "SELECT description FROM initiatives WHERE id > 2") == [
        ('{"en": "Every Tuesday at 10"}',),
        ('{"cy": "Dydd Gwener"}',),
    ]
    assert _rows(
        tmp_path,
        "SELECT action, object_type, object_id FROM audit_log WHERE action = 'description.edit'",
    ) == [("description.edit", "initiative", "3"), ("description.edit", "initiative", "4")]
