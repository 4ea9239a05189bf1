"""The transport benchmark sends real calls to the double through both transports
(bench/transport.py). Only the output's structure and consistency are checked, never a speed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_both_transports_are_measured_alternately() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "transport.py")]
        + ["--requests", "300", "--concurrency", "20", "--runs", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "300 sendMessage calls a run, 20 at a time, 2 alternated runs each" in out, out
    rows = {
        m.group(1): [float(x) for x in m.group(2).split(", ")]
        for m in re.finditer(
            r"^(aiohttp|keepalive)\s+([\d.]+, [\d.]+)\s+[\d.]+, [\d.]+$", out, re.M
        )
    }
    assert set(rows) == {"aiohttp", "keepalive"}, out
    assert all(cpu > 0 for cpus in rows.values() for cpu in cpus), out
    ratios = re.search(
        r"^keepalive / aiohttp CPU a request, by pair: ([\d.]+), ([\d.]+) ", out, re.M
    )
    assert ratios is not None, out
    for pair, ratio in enumerate(ratios.groups()):
        # The printed CPU figures are rounded to the µs: the ratio is theirs within that.
        assert abs(float(ratio) - rows["keepalive"][pair] / rows["aiohttp"][pair]) < 0.02, out


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "transport.py"), "--runs", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--runs must be at least 1" in result.stderr
