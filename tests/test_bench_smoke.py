"""The throughput benchmark runs end to end with a handful of residents (bench/throughput.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.throughput import Pacing, percentile

REPO = Path(__file__).resolve().parents[1]


def _bench(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "throughput.py"), "--reply-timeout", "10", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_benchmark_runs_with_five_residents() -> None:
    out = _bench("--residents", "5", "--details")
    for label in (
        "SATURATED: 5 residents all at once, no think time",
        "residents (all at once)",
        "updates/s",
        "answers saved/s",
        "processing p50 (ms)",
        "processing p99 (ms)",
        "PACED: 5 residents with think time",
        "residents (paced)",
        "steady window (s)",
        "  measured send rate (updates/s)",
        "  processing p99 (ms)",
        "  resident round trip p99 (ms)",
        "unloaded: 5 residents one after another",
        "ours paced: ",
        "echo paced: ",
    ):
        assert label in out, out
    assert re.search(r"^updates\s+20\s+20$", out, re.M), out
    assert re.search(r"^offered load \(updates/s\)\s+([\d.]+)\s+\1$", out, re.M), out
    assert re.search(
        r"^offered to both bots: [\d.]+ updates/s = 50% of our saturated [\d.]+ updates/s",
        out,
        re.M,
    ), out
    assert re.search(
        r"^ratio = our updates/s / echo updates/s = [\d.]+ / [\d.]+ = [\d.]+$", out, re.M
    ), out
    assert re.search(r"^target ratio >= 0\.70: (PASS|MISS) \([\d.]+, saturated\)$", out, re.M), out
    assert re.search(
        r"^target p99 < 25 ms at [\d.]+ updates/s offered \(50% of saturated throughput\): "
        r"(PASS|MISS) \([\d.]+ ms; echo [\d.]+ ms\)$",
        out,
        re.M,
    ), out
    assert re.search(
        r"^saturated p99 \(not judged; queueing with 5 residents at once\): "
        r"ours [\d.]+ ms, echo [\d.]+ ms$",
        out,
        re.M,
    ), out
    assert len(re.findall(r"^bot warnings/errors logged\s+0\s+0$", out, re.M)) == 2, out


def test_benchmark_without_the_paced_phase() -> None:
    out = _bench("--residents", "3", "--no-paced")
    assert "PACED" not in out, out
    assert re.search(r"^target p99 < 25 ms: not judged \(paced phase skipped\)$", out, re.M), out
    assert "saturated p99 (not judged" in out, out


def test_paced_residents_offer_a_flat_rate() -> None:
    # Think times alone (no round trips): the staggered start keeps the rate flat.
    pacing = Pacing(residents=1000, rate=100.0, load=0.5, reference=200.0, service=0.0, seed=7)
    sends = []
    for user in range(1000):
        rng, at = pacing.rng(user), 0.0
        for step in range(4):
            at += pacing.think_time(rng) if step else pacing.first_step_after(rng)
            sends.append(at)
    assert pacing.cycle == 10.0 and pacing.steady_for == 30.0
    per_five_seconds = Counter(int(at // 5) for at in sends if at < pacing.steady_for)
    assert sorted(per_five_seconds) == list(range(6))
    for count in per_five_seconds.values():
        assert 0.88 * 500 < count < 1.12 * 500, per_five_seconds


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0
