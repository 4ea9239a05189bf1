"""Export benchmark: the XLSX export of the answers table at scale, time and peak memory.

    .venv/bin/python bench/export.py [--participants 10000,100000] [--format xlsx]

For each size, builds the scale fixture (bench/fixture.py: 10 answers per participant, so
10,000 participants give 100,000 answers and 100,000 give 1,000,000), then runs the export
exactly as `community-voice export --what answers` does, in a fresh process, and reports its
time and that process's peak resident memory (RSS).
Targets: the XLSX of 100,000 answers in under 5 s; peak RSS flat as the table grows (the
1,000,000-answer export within 20 MB of the 100,000-answer one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fixture import build
from bot.staff.actor import Actor, Role
from bot.staff.desk import StaffDesk
from bot.staff.exports import export
from bot.store.db import Database

TARGET_SECONDS = 5.0  # for 100,000 answers
TARGET_ROWS = 100_000
FLAT_MB = 20.0


async def run_export(db_path: Path, output: Path, fmt: str) -> float:
    """One export of the answers table; returns the seconds it took."""
    db = await Database.open(db_path)
    try:
        desk = StaffDesk(db)
        started = time.perf_counter()
        await export(desk, Actor("bench", Role.VIEWER, "bench"), "answers", fmt, output)
        return time.perf_counter() - started
    finally:
        await db.close()


def peak_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries that
    over from the process that forked this one (the parent, which just built the fixture),
    while VmHWM belongs to this program alone."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def worker(db_path: Path, output: Path, fmt: str) -> None:
    """In its own process, so its peak memory is the export's alone."""
    seconds = asyncio.run(run_export(db_path, output, fmt))
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb()}))


def measure(participants: int, fmt: str, folder: Path) -> dict[str, float]:
    """Build a fixture of this size and export its answers in a fresh process."""
    db_path = folder / f"fixture-{participants}.sqlite3"
    made = build(db_path, participants)
    output = folder / f"answers-{participants}.{fmt}"
    result = subprocess.run(
        [sys.executable, __file__, "--worker", str(db_path), str(output), "--format", fmt],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "answers": made.answers,
        "fixture_seconds": made.seconds,
        "seconds": found["seconds"],
        "peak_mb": found["peak_mb"],
        "file_mb": output.stat().st_size / 2**20,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", default="10000,100000")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--worker", nargs=2, type=Path, metavar=("DB", "OUTPUT"))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.format)
        return 0
    sizes = [int(n) for n in args.participants.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="cv-export-bench-") as folder:
        for size in sizes:
            found = measure(size, args.format, Path(folder))
            results.append(found)
            print(
                f"{found['answers']:>9,} answers  {args.format}: {found['seconds']:6.2f} s "
                f"({found['answers'] / found['seconds']:,.0f} rows/s), peak RSS "
                f"{found['peak_mb']:6.1f} MB, file {found['file_mb']:6.1f} MB "
                f"(fixture built in {found['fixture_seconds']:.1f} s)"
            )
    print()
    passed = True
    for found in results:
        if found["answers"] == TARGET_ROWS and args.format == "xlsx":
            ok = found["seconds"] < TARGET_SECONDS
            passed &= ok
            verdict = "PASS" if ok else "FAIL"
            print(
                f"target {args.format} of {TARGET_ROWS:,} answers < {TARGET_SECONDS:g} s: "
                f"{verdict} ({found['seconds']:.2f} s)"
            )
    if len(results) > 1:
        spread = max(r["peak_mb"] for r in results) - min(r["peak_mb"] for r in results)
        ok = spread < FLAT_MB
        passed &= ok
        verdict = "PASS" if ok else "FAIL"
        print(f"target peak RSS flat (within {FLAT_MB:g} MB): {verdict} ({spread:.1f} MB apart)")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
