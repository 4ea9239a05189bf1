"""Where a bot process's time went, from py-spy's folded stacks (throughput.py --py-spy).

    .venv/bin/python -m bench.stacks FOLDER/ours.txt [FOLDER/baseline.txt ...] [--top 15]

Each sample is put in the first category whose rule matches its stack, in the order below,
then the functions with the most samples of their own (self time) are listed.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

Rule = Callable[[str, Sequence[str]], bool]


def _any(frames: Sequence[str], *needles: str) -> bool:
    return any(needle in frame for frame in frames for needle in needles)


# (category, rule on (thread, frames)); the first that matches wins.
CATEGORIES: list[tuple[str, Rule]] = [
    ("other threads (the database writer: SQL)", lambda thread, _: "MainThread" not in thread),
    ("store, event-loop side", lambda _, f: _any(f, "bot/store/")),
    ("polling: getUpdates, Update parsing", lambda _, f: _any(f, "ext/_updater.py")),
    (
        "Bot API calls: PTB + HTTP client",
        lambda _, f: _any(f, "telegram/_bot.py", "telegram/request/", "httpx/", "httpcore/"),
    ),
    ("our code: channel, conversation, flows", lambda _, f: _any(f, "(bot/")),
    ("PTB dispatch: Application, handlers", lambda _, f: _any(f, "telegram/ext/")),
    ("event loop, sockets, other", lambda _, f: True),
]


def summarise(path: Path, top: int) -> list[str]:
    """The report for one folded-stacks file."""
    by_category: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        thread, *frames = stack.split(";")
        total += samples
        for name, rule in CATEGORIES:
            if rule(thread, frames):
                by_category[name] += samples
                break
        if frames:
            self_time[re.sub(r":\d+\)$", ")", frames[-1])] += samples
    lines = [f"{path}: {total} samples"]
    if not total:
        return lines
    lines += [f"  {100 * by_category[name] / total:5.1f}%  {name}" for name, _ in CATEGORIES]
    lines.append("  most self time:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in self_time.most_common(top)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Summarise py-spy folded stacks by category.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=15, help="functions by self time to list")
    args = parser.parse_args(argv)
    for path in args.files:
        print("\n".join(summarise(path, args.top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
