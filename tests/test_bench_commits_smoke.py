"""The commits benchmark runs residents' steps through the bot's own Host and times every
commit (bench/commits.py). Only the output's structure and consistency are checked, never a
speed."""

from __future__ import annotations

import re
import subprocess

from tests.benchrun import run_bench


def _run(*args: str, script: str = "commits.py") -> subprocess.CompletedProcess[str]:
    return run_bench(script, *args)


def test_every_step_commits_once_and_checkpoints_are_counted() -> None:
    result = _run("--rate", "200", "--seconds", "2.5")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.startswith("Commits of residents' steps at 200 steps/s, for 2.5 s, 1 at a time"), out
    counts = re.search(r"^(\d+) steps in ([\d.]+) s \((\d+) steps/s\), (\d+) commits$", out, re.M)
    assert counts is not None, out
    steps, commits = int(counts.group(1)), int(counts.group(4))
    assert steps % 4 == 0 and steps >= 400, out  # four steps a resident, at 200 a second
    assert commits == steps, out  # one write transaction a step
    assert re.search(r"^steps a commit: 1\.00; CPU a step: \d+\.\d{3} ms$", out, re.M), out
    timing = re.search(
        r"^commit ms: p50 ([\d.]+), p99 ([\d.]+), p99\.9 ([\d.]+), longest ([\d.]+)$", out, re.M
    )
    assert timing is not None, out
    p50, p99, p999, longest = (float(x) for x in timing.groups())
    assert 0 < p50 <= p99 <= p999 <= longest + 0.05, out  # the longest is rounded to 0.1
    # Each step as the resident waits for it: its commit and more.
    steps_timed = re.search(
        r"^step ms: p50 ([\d.]+), p99 ([\d.]+), p99\.9 ([\d.]+), longest ([\d.]+)$", out, re.M
    )
    assert steps_timed is not None, out
    step_p50, step_p99, _, step_longest = (float(x) for x in steps_timed.groups())
    assert p50 < step_p50 <= step_p99 <= step_longest + 0.05, out
    assert re.search(r"^steps over 5 ms: \d+ \(\d+ ms in all\)$", out, re.M), out
    checks = re.search(r"^checkpoints: (\d+); the log started again (\d+) times; ", out, re.M)
    assert checks is not None, out
    assert int(checks.group(1)) >= 1, out  # a checkpoint a second after writes


def test_residents_stepping_together_share_commits() -> None:
    result = _run("--rate", "400", "--seconds", "1.5", "--together", "4")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    counts = re.search(r"^(\d+) steps in .*, (\d+) commits$", out, re.M)
    assert counts is not None, out
    steps, commits = int(counts.group(1)), int(counts.group(2))
    assert steps % 16 == 0, out  # four residents at a time, four steps each
    assert commits <= steps / 2, out  # each turn of the loop: one commit for four steps
    shared = re.search(r"^steps a commit: ([\d.]+); ", out, re.M)
    assert shared is not None and float(shared.group(1)) == round(steps / commits, 2), out


def test_a_rate_of_nothing_is_refused() -> None:
    result = _run("--rate", "0")
    assert result.returncode == 2
    assert "--rate and --seconds must be above 0" in result.stderr


def test_nobody_stepping_is_refused() -> None:
    result = _run("--together", "0")
    assert result.returncode == 2
    assert "--together must be 1 or more" in result.stderr


def test_the_pages_each_step_writes_are_counted_by_table_and_index() -> None:
    result = _run("--residents", "20", script="pages.py")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.startswith("Pages written to the log by 20 residents' steps, one at a time"), out
    assert re.search(r"^every step: \d+\.\d\d pages a commit \(80 commits\)$", out, re.M), out
    steps = re.findall(r"^(\S.*): (\d+\.\d\d) pages a commit \((\d+)\)$", out, re.M)
    assert [label for label, _, _ in steps] == [
        "/start",
        "tap “Yes, I agree”",
        "type “Riverside”",
        "tap “No, thanks”",
    ], out
    assert all(commits == "20" for _, _, commits in steps), out  # a commit a step
    # The area typed is one answer row: its table's page and one of each index of answers.
    typed = out.split("type “Riverside”")[1].split("tap “No, thanks”")[0]
    assert re.search(r"^ +1\.\d\d answers$", typed, re.M), out
    assert "sessions_to_remind" not in typed and "sessions_participant" not in typed, out


def test_pages_of_nobody_are_refused() -> None:
    result = _run("--residents", "0", script="pages.py")
    assert result.returncode == 2
    assert "--residents must be 1 or more" in result.stderr
