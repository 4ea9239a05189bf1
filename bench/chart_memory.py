"""Memory over many results charts: resident memory must not grow with the number drawn.

    .venv/bin/python bench/chart_memory.py [--charts 200]

Draws a warm-up of 50 charts (matplotlib's caches fill up), then N more (with a different
highlighted bar each time, so no cache can hide the work), and prints resident memory (RSS)
after the warm-up and after the N.
Target: less than 20 MB of growth for 200 charts (a figure kept alive by mistake costs more
than 2 MB each). It was a unit test once; memory depends on the machine, so it lives here.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.jobs.charts import Bar, render_results_chart

LABELS = ["Mental health and loneliness", "Safer streets", "Activities for young people"]
TARGET_MB = 20.0
# matplotlib fills caches (fonts, text layout) over its first few dozen charts; after that,
# memory must stay flat.
WARM_UP = 50


def resident_mb() -> float:
    """Resident memory of this process now, in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def draw(n: int) -> None:
    bars = [
        Bar(label, share, i == n % 3)
        for i, (label, share) in enumerate(zip(LABELS, (0.5, 0.3, 0.2), strict=True))
    ]
    render_results_chart(bars, title="What people chose", locale="en", highlight_note="★")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charts", type=int, default=200)
    args = parser.parse_args()
    for n in range(WARM_UP):
        draw(n)
    gc.collect()
    before = resident_mb()
    for n in range(args.charts):
        draw(n)
    gc.collect()
    after = resident_mb()
    growth = after - before
    print(f"RSS after warm-up      {before:8.1f} MB")
    print(f"RSS after {args.charts:>4} charts  {after:8.1f} MB")
    verdict = "PASS" if growth < TARGET_MB else "MISS"
    print(f"growth {growth:.1f} MB, target < {TARGET_MB:g} MB: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
