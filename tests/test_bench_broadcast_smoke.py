"""The broadcast benchmark runs end to end with a few recipients (bench/broadcast.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.broadcast import broadcast_text, busiest_second
from bot.host.textsplit import split_text

REPO = Path(__file__).resolve().parents[1]
SIZES = ("--free-recipients", "40", "--paid-recipients", "200", "--paid-rate", "200")


@pytest.fixture(scope="module")
def out() -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "broadcast.py"), *SIZES, "--rss-recipients", "50"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _section(out: str, label: str) -> dict[str, str]:
    """The `name  value` rows of the run headed `(label) ...`."""
    block = re.search(rf"^\({label}\) .*?\n(.*?)\n\n", out, re.M | re.S)
    assert block is not None, out
    rows = {}
    for line in block.group(1).splitlines():
        name, value = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        rows[name] = value
    return rows


def test_every_run_delivers_once_within_the_limits(out: str) -> None:
    for label, header, recipients in (
        ("a", "40 recipients at 30/s, free limits (30/s overall, 1/s per chat)", 40),
        ("b", "200 recipients at 200/s, paid broadcast limits (200/s overall, 1/s per chat)", 200),
        (
            "c",
            "50 recipients at 200/s, paid broadcast limits (200/s overall, 1/s per chat), "
            "for peak RSS against (b)",
            50,
        ),
    ):
        assert f"({label}) {header}\n" in out, out
        rows = _section(out, label)
        assert rows["recipients"] == str(recipients)
        assert rows["messages accepted (200)"] == str(recipients)
        assert rows["per-chat breaches"] == "0", out
        assert rows["other errors answered"] == "none", out
        too_many = int(rows["429s provoked"])
        assert too_many == int(rows["global-limit breaches"]) + int(rows["per-chat breaches"])
        ratio = float(rows["achieved / configured"])
        rate = float(rows["configured rate (msg/s)"])
        assert ratio == pytest.approx(float(rows["achieved rate (msg/s)"]) / rate, abs=1e-3)
        # The limit is per second: a run shorter than a second may finish a little ahead of
        # the average rate (the first message needs no wait), never above the limit itself.
        assert ratio > 0, out
        assert int(rows["most accepted in any 1 s window"]) <= rate, out
        assert 50 < float(rows["worker peak RSS (MB)"]) < 1000, out
        for name in ("sending time, first to last accepted (s)", "worker CPU (s)"):
            assert float(rows[name]) > 0, out
    # No more messages than the overall limit allows in one second: a 429 here is a real bug.
    for label in ("b", "c"):
        assert _section(out, label)["429s provoked"] == "0", out


def test_targets_are_judged(out: str) -> None:
    targets = out[out.index("TARGETS\n") :]
    for where in ("at 30/s with 40 recipients (a)", "at 200/s with 200 recipients (b)"):
        assert re.search(
            rf"^target achieved/configured >= 0\.95 {re.escape(where)}: (PASS|MISS) "
            r"\([\d.]+\)$",
            targets,
            re.M,
        ), targets
        assert re.search(
            rf"^target 429s provoked = 0 {re.escape(where)}: (PASS|MISS) \(\d+\)$", targets, re.M
        ), targets
        assert re.search(
            rf"^target per-chat breaches = 0 {re.escape(where)}: PASS \(0\)$", targets, re.M
        ), targets
    assert re.search(
        r"^target peak RSS 50 vs 200 recipients under 20 MB apart \(c\): (PASS|MISS) "
        r"\([\d.]+ vs [\d.]+ MB, [\d.]+ MB apart\)$",
        targets,
        re.M,
    ), targets


def test_no_429s_at_the_free_rate(out: str) -> None:
    assert _section(out, "a")["429s provoked"] == "0", out


def test_busiest_second_counts_a_sliding_window() -> None:
    assert busiest_second([0.0, 0.5, 0.99, 1.0, 1.2, 3.0]) == 4  # 0.5, 0.99, 1.0, 1.2
    assert busiest_second([0.0, 1.0, 2.0]) == 1
    assert busiest_second([]) == 0


def test_long_texts_split_into_the_pieces_asked_for() -> None:
    assert broadcast_text(1) == "Hi"
    for pieces in (2, 3):
        assert len(split_text(broadcast_text(pieces))) == pieces
