"""Every pass a flow must pass before the bot runs it (shape, graph, and the names the bot
provides), as `validate` and start-up run them: one fault per test, each with its exact report.

Most faults are made by copying the shipped flows/ and changing one line of one file, so the
other flows are there too (a `then: menu` must find its menu) and the report is the only one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.flows.registry import InvalidFlows, default_flows_dir
from bot.host.checks import check_all, load_library
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from tests.conftest import REPO


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `community-voice` as a newcomer would: no token, only warnings logged."""
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["LOG_LEVEL"] = "WARNING"
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def edited(tmp_path: Path, flow: str, old: str, new: str) -> tuple[Path, Path]:
    """A copy of the shipped flows/ with `old` changed to `new` (once) in `<flow>.yaml`:
    the folder and the changed file."""
    folder = tmp_path / "flows"
    shutil.copytree(default_flows_dir(), folder)
    path = folder / f"{flow}.yaml"
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{old!r} should be in {path.name} exactly once"
    path.write_text(text.replace(old, new), "utf-8")
    return folder, path


def line_of(path: Path, text: str) -> int:
    """The line (1-based) of the one line of `path` that holds `text`."""
    found = [i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line]
    assert len(found) == 1, f"{text!r} should be on exactly one line of {path.name}"
    return found[0]


def reports(folder: Path, hooks: Registry) -> list[str]:
    _, problems = check_all([folder], hooks)
    return [str(problem) for problem in problems]


# -- the shipped flows -----------------------------------------------------------------------


def test_the_shipped_flows_pass_every_check(hooks: Registry) -> None:
    flows, problems = check_all([default_flows_dir()], hooks)
    assert problems == []
    ids = {path.stem for path in default_flows_dir().glob("*.yaml")}
    assert set(flows) == ids and "onboarding" in ids


def test_load_library_gives_the_flows_by_id(hooks: Registry) -> None:
    library = load_library([default_flows_dir()], hooks)
    assert isinstance(library, FlowLibrary)
    assert "menu" in library and "nope" not in library
    assert library.get("menu").id == "menu" and library.current("nope") is None
    assert [flow.id for flow in library] == list(library.ids())
    assert len(library) == len(library.ids())
    with pytest.raises(KeyError):
        library.get("nope")


# -- records read answers the flow saves -----------------------------------------------------


def test_a_renamed_answer_that_a_record_reads_is_refused(tmp_path: Path, hooks: Registry) -> None:
    folder, path = edited(tmp_path, "priorities", "save_as: other", "save_as: something_else")
    assert reports(folder, hooks) == [
        f"{path}:{line_of(path, '- id: thanks')}: flow 'priorities' node 'thanks': "
        "'record: priorities' reads the answer 'other', but no node of this flow saves it "
        "(add 'save_as: other' to a text node) (did you mean 'has_other'?)"
    ]


def test_a_renamed_order_that_a_record_reads_is_refused(tmp_path: Path, hooks: Registry) -> None:
    folder, path = edited(tmp_path, "priorities", "save_as: topic_order", "save_as: ranking")
    assert reports(folder, hooks) == [
        f"{path}:{line_of(path, '- id: thanks')}: flow 'priorities' node 'thanks': "
        "'record: priorities' reads the answer 'topic_order', but no node of this flow saves "
        "it (add 'save_as: topic_order' to a rank node)"
    ]


def test_a_record_key_saved_by_the_wrong_kind_of_node_is_refused(
    tmp_path: Path, hooks: Registry
) -> None:
    # `other` asked as a location: saved, but not the free text the record files.
    folder, path = edited(
        tmp_path, "priorities", "- id: other\n    kind: text", "- id: other\n    kind: location"
    )
    assert reports(folder, hooks) == [
        f"{path}:{line_of(path, '- id: thanks')}: flow 'priorities' node 'thanks': "
        "'record: priorities' reads the answer 'other' from a text node, but it is saved by "
        "'other' (location)"
    ]


def test_a_record_the_bot_does_not_have_is_refused(tmp_path: Path, hooks: Registry) -> None:
    folder, path = edited(tmp_path, "priorities", "record: priorities", "record: priority")
    assert reports(folder, hooks) == [
        f"{path}:{line_of(path, '- id: thanks')}: flow 'priorities' node 'thanks': "
        "the bot cannot record 'priority' "
        "(use asset or champion or evaluation or measures or priorities or support_request)"
    ]


# -- names the bot provides ------------------------------------------------------------------


def test_an_option_list_the_bot_does_not_have_is_refused(tmp_path: Path, hooks: Registry) -> None:
    folder, path = edited(
        tmp_path, "priorities", "options_from: round_topics", "options_from: nosuchlist"
    )
    assert reports(folder, hooks) == [
        f"{path}:{line_of(path, '- id: topics')}: flow 'priorities' node 'topics': "
        "the bot has no option list called 'nosuchlist'"
    ]


def test_a_placeholder_the_bot_cannot_fill_is_refused(tmp_path: Path, hooks: Registry) -> None:
    folder, path = edited(
        tmp_path,
        "priorities",
        '"What else should we work on?"',
        '"What else should we work on, {nosuch}?"',
    )
    assert reports(folder, hooks) == [
        f"{path}:{line_of(path, '- id: other')}: flow 'priorities' node 'other': "
        "the bot cannot fill in '{nosuch}'"
    ]


def test_a_fact_the_bot_cannot_give_is_refused(tmp_path: Path, hooks: Registry) -> None:
    folder, path = edited(tmp_path, "priorities", "given:\n", 'given:\n  nosuchfact: ["yes"]\n')
    # A flow-level problem: reported on the flow's first line.
    assert reports(folder, hooks) == [
        f"{path}:{line_of(path, 'id: priorities')}: flow 'priorities': "
        "the bot cannot provide 'given: nosuchfact'"
    ]


def test_a_fact_value_the_bot_never_gives_is_refused(tmp_path: Path, hooks: Registry) -> None:
    folder, path = edited(
        tmp_path, "priorities", 'round_open: ["yes", "no"]', 'round_open: ["yes", "maybe"]'
    )
    assert reports(folder, hooks) == [
        f"{path}:{line_of(path, 'id: priorities')}: flow 'priorities': "
        "'given: round_open' lists 'maybe', which the bot never gives (it gives 'yes', 'no')"
    ]


# -- start-up and `validate` run the same passes ---------------------------------------------


def test_load_library_refuses_with_every_problem_check_all_finds(
    tmp_path: Path, hooks: Registry
) -> None:
    folder, _ = edited(tmp_path, "priorities", "save_as: other", "save_as: something_else")
    (folder / "zz.yaml").write_text("id: zz\ntitle: T\nstart: nowhere\nnodes: []\n", "utf-8")
    expected = reports(folder, hooks)
    assert len(expected) == 2
    with pytest.raises(InvalidFlows) as caught:
        load_library([folder], hooks)
    assert [str(problem) for problem in caught.value.problems] == expected


def test_validate_command_runs_every_pass_with_file_and_line(
    tmp_path: Path, hooks: Registry
) -> None:
    _, copy = edited(
        tmp_path, "priorities", "- id: other\n    kind: text", "- id: other\n    kind: location"
    )
    result = cli("validate", str(copy))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert (
        f"{copy}:{line_of(copy, '- id: thanks')}: flow 'priorities' node 'thanks': "
        "'record: priorities' reads the answer 'other' from a text node, but it is saved by "
        "'other' (location)"
    ) in lines
    # Alone, its `then: menu` finds no menu: what start-up would say of this file, too.
    with pytest.raises(InvalidFlows) as caught:
        load_library([copy], hooks)
    assert lines == [str(problem) for problem in caught.value.problems]
    assert f"{len(lines)} problem(s) found." in result.stderr
