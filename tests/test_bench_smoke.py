"""The throughput benchmark runs end to end with a handful of residents (bench/throughput.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench.throughput import percentile

REPO = Path(__file__).resolve().parents[1]


def test_benchmark_runs_with_five_residents() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "throughput.py"),
            "--residents",
            "5",
            "--details",
            "--reply-timeout",
            "10",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for label in (
        "residents (all at once)",
        "updates/s",
        "answers saved/s",
        "processing p50 (ms)",
        "processing p99 (ms)",
        "unloaded: 5 residents one after another",
    ):
        assert label in out, out
    assert re.search(r"^updates\s+20\s+20$", out, re.M), out
    assert re.search(
        r"^ratio = our updates/s / echo updates/s = [\d.]+ / [\d.]+ = [\d.]+$", out, re.M
    )
    assert re.search(r"^target ratio >= 0\.70: (PASS|MISS) \([\d.]+\)$", out, re.M), out
    assert re.search(r"^target p99 < 25 ms: (PASS|MISS) \([\d.]+ ms\)$", out, re.M), out
    assert re.search(r"^bot warnings/errors logged\s+0\s+0$", out, re.M), out


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0
