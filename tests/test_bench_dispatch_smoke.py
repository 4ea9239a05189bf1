"""The dispatch benchmark times what PTB does with an update in the bot's real Application:
parse it (PTB's way and through our getUpdates request) and find its handler
(bench/dispatch.py). The output's structure and the handlers each search asks are checked,
never a speed."""

from __future__ import annotations

import re

from tests.benchrun import run_bench

KINDS = (
    "a tap (3 buttons on its message)",
    "a tap (11 buttons on its message)",
    "a typed answer",
    "/start",
    "/privacy (a resident's command)",
    "/rounds (a staff command)",
)


def test_each_kind_of_update_finds_its_handler_after_a_few() -> None:
    result = run_bench("dispatch.py", "--repeat", "50")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    header = re.match(r"What PTB does with an update .* \((\d+) handlers in \d+ groups\)", out)
    assert header is not None, out
    handlers = int(header.group(1))
    number = r"(\d+\.\d\d) µs"
    for kind in KINDS:
        line = re.search(rf"^{re.escape(kind)} +{number} +{number} +{number} +(\d+)$", out, re.M)
        assert line is not None, (kind, out)
        # One handler per command table: no search asks more than a dozen (it was 57-72).
        assert 1 <= int(line.group(4)) <= min(handlers, 12), (kind, out)


def test_a_repeat_below_one_is_refused() -> None:
    result = run_bench("dispatch.py", "--repeat", "0")
    assert result.returncode == 2 and "--repeat must be 1 or more" in result.stderr
