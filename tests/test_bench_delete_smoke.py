"""The /delete and queueing benchmark runs the real bot end to end (bench/delete.py).

Only the output's structure and its self-consistency are checked, never a speed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_delete_and_queueing_on_a_small_fixture() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "delete.py"), "--participants", "300"]
        + ["--deletes", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "/delete with 300 participants: 2 residents, one after another" in out, out
    erasure = re.search(
        r"^  erasure's write transaction p50 / max \(ms\)\s+([\d.]+) / ([\d.]+)   \((.+)\)$",
        out,
        re.M,
    )
    tap = re.search(r"^  confirming tap, whole, p50 / max \(ms\)\s+([\d.]+) / ([\d.]+) ", out, re.M)
    assert erasure is not None and tap is not None, out
    assert 0 < float(erasure.group(1)) <= float(erasure.group(2)), out
    # The erasure is one of the things the tap waits for.
    assert float(erasure.group(2)) <= float(tap.group(2)), out
    queued = re.search(r"^queueing a broadcast to everyone: (\d+) recipients$", out, re.M)
    assert queued is not None and int(queued.group(1)) > 200, out
    longest = re.search(
        r"^  longest write transaction \(ms\)\s+([\d.]+)   \((bot|cli): (.+)\)$", out, re.M
    )
    over = re.search(r"^  write transactions over 50 ms\s+(\d+)$", out, re.M)
    assert longest is not None and over is not None, out
    assert (int(over.group(1)) > 0) == (float(longest.group(1)) > 50), out
    delete_target = re.search(
        r"^target /delete < 20 ms with 300 participants: (PASS|MISS) "
        r"\(longest erasure ([\d.]+) ms;",
        out,
        re.M,
    )
    assert delete_target is not None, out
    assert delete_target.group(2) == erasure.group(2)
    assert delete_target.group(1) == ("PASS" if float(erasure.group(2)) < 20 else "MISS")
    hold = re.search(
        rf"^target no write transaction over 50 ms while queueing a broadcast to "
        rf"{queued.group(1)}: (PASS|MISS) \(longest ([\d.]+) ms, .+\)$",
        out,
        re.M,
    )
    assert hold is not None, out
    assert hold.group(1) == ("PASS" if float(hold.group(2)) <= 50 else "MISS")
