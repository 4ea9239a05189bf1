"""`make faults`: the whole fault suite, one table of figures; exit 1 if a target is missed.

.venv/bin/python -m tests.faults            # the full run (under 10 minutes)
.venv/bin/python -m tests.faults --short    # what `make test` runs (under a minute)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")

from tests.faults.plan import FULL, SHORT, Plan
from tests.faults.scenarios import Figure


async def run(plan: Plan) -> tuple[list[Figure], float]:
    started = time.monotonic()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="faults-") as folder:
        for number, (label, scenario) in enumerate(plan.scenarios()):
            place = Path(folder) / f"{number}-{label}"
            place.mkdir()
            began = time.monotonic()
            figures += await scenario(place)
            print(f"{label}: {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    return figures, time.monotonic() - started


def table(figures: list[Figure], seconds: float, plan: Plan) -> str:
    rows = [("scenario", "figure", "value", "target", "")]
    rows += [(f.scenario, f.name, f.value, f.target, "PASS" if f.ok else "MISS") for f in figures]
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(5)]
    lines = [
        "  ".join(cell[:60].ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    missed = sum(1 for f in figures if not f.ok)
    lines.append("")
    lines.append(
        f"{plan.name} run: {len(figures)} figures, {missed} missed, {seconds:.0f} s "
        f"(target < {plan.budget} s)"
    )
    return "\n".join(lines)


def markdown(figures: list[Figure]) -> str:
    """The same figures as a Markdown table (for the README)."""
    lines = ["| scenario | figure | value | target | |", "|---|---|---|---|---|"]
    lines += [
        f"| {f.scenario} | {f.name} | {f.value} | {f.target} | {'PASS' if f.ok else 'MISS'} |"
        for f in figures
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="the short form make test runs")
    parser.add_argument("--markdown", type=Path, help="also write the table here, as Markdown")
    args = parser.parse_args()
    plan = SHORT if args.short else FULL
    figures, seconds = asyncio.run(run(plan))
    print(table(figures, seconds, plan))
    if args.markdown:
        args.markdown.write_text(markdown(figures))
    return 0 if all(f.ok for f in figures) and seconds < plan.budget else 1


if __name__ == "__main__":
    sys.exit(main())
