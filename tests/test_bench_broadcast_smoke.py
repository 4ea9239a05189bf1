"""The broadcast benchmark runs the real bot end to end on a small fixture (bench/broadcast.py).

Only the output's structure and its self-consistency are checked, never a speed.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench._realbot import residents
from bench.broadcast import BroadcastAPI, Reply, Run, _at_double, percentile

REPO = Path(__file__).resolve().parents[1]
SMALL = (
    *("--participants", "300", "--residents", "1", "--think", "0.2"),
    *("--idle", "0.5", "--settle", "0.5", "--latency", "0"),
)


def _bench(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "broadcast.py"), *SMALL, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def plain() -> str:
    # 30/s over a fixed window of 2 s, then paused; 1000/s over the whole audience.
    return _bench("--kind", "plain", "--rate", "30,1000", "--window", "2")


@pytest.fixture(scope="module")
def results() -> str:
    # Charts for the round's ~60 participants, at 1000/s: the whole audience, or what went
    # out in 30 s if it takes longer (then the claimed batch drains after the pause).
    return _bench(
        "--kind", "results", "--rate", "1000", "--max-seconds", "30", "--participants", "100"
    )


def _section(out: str, title: str) -> dict[str, str]:
    """The `name  value` rows of the run headed `(title) ...`."""
    block = re.search(rf"^\({re.escape(title)}\) .*?\n(.*?)\n\n", out, re.M | re.S)
    assert block is not None, out
    rows = {}
    for line in block.group(1).splitlines():
        if line.startswith("  bot log: "):
            continue
        name, value = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        rows[name] = value
    return rows


def _pair(value: str) -> tuple[float, ...]:
    return tuple(float(part) for part in value.split(" / "))


def _consistent(rows: dict[str, str], out: str) -> None:
    """What every run's figures must agree on, whatever the speed."""
    accepted = re.fullmatch(r"(\d+) to (\d+) chats", rows["broadcast messages accepted (all)"])
    assert accepted is not None, rows
    messages, chats = int(accepted.group(1)), int(accepted.group(2))
    photos, texts = (int(n) for n in rows["photos / texts"].split(" / "))
    assert photos + texts == messages, rows
    assert int(rows["of which in the measured span"]) <= messages, rows
    by_count = re.findall(r"(\d+) x (\d+)", rows["chats by messages received"])
    assert sum(int(c) for _, c in by_count) == chats, rows
    assert sum(int(n) * int(c) for n, c in by_count) == messages, rows
    rate = float(rows["configured rate (msg/s)"])
    ratio = float(rows["achieved / configured"])
    assert ratio == pytest.approx(float(rows["achieved rate (msg/s)"]) / rate, abs=1e-3)
    too_many = int(rows["429s provoked"])
    assert too_many == int(rows["global-limit breaches"]) + int(rows["per-chat breaches"])
    assert rows["other errors answered"] == "none", out
    assert all(mb > 20 for mb in _pair(rows["bot RSS idle / peak / after (MB)"])), rows
    states = dict(
        (state, int(n)) for state, n in re.findall(r"(\w+) (\d+)", rows["deliveries by state"])
    )
    assert sum(states.values()) == int(rows["recipients queued"]), rows
    assert states.get("sent", 0) >= chats - 1, rows  # a resident's chat is not counted
    for name in ("round trip p50 / p99 (ms)", "without the double's time p50 / p99 (ms)"):
        if rows[name] != "-":
            p50, p99 = _pair(rows[name])
            assert 0 <= p50 <= p99, rows


def test_plain_broadcast_over_a_window_and_over_the_whole_audience(plain: str) -> None:
    free = _section(plain, "plain, 30/s (free limits), latency 0 ms")
    _consistent(free, plain)
    assert free["rate measured over"] in (
        "a fixed window of 2 s from the first broadcast message",
        "the whole audience, first broadcast message to last",
    ), free
    assert free["sends with allow_paid_broadcast"].startswith("0 of "), free
    assert free["photo uploads (multipart sendPhoto)"] == "0", free
    paid = _section(plain, "plain, 1000/s (paid limits), latency 0 ms")
    _consistent(paid, plain)
    assert paid["rate measured over"] == "the whole audience, first broadcast message to last"
    queued = int(paid["recipients queued"])
    assert paid["deliveries by state"] == f"sent {queued}", paid  # every one, exactly once
    assert paid["chats by messages received"] == f"1 x {queued - 1}", paid  # one resident
    flagged = re.fullmatch(r"(\d+) of (\d+)", paid["sends with allow_paid_broadcast"])
    assert flagged is not None, paid
    # Every broadcast message carries allow_paid_broadcast; the residents' replies do not.
    assert queued <= int(flagged.group(1)) <= int(flagged.group(2)), paid


def test_results_broadcast_counts_uploads_and_charts(results: str) -> None:
    rows = _section(results, "results, 1000/s (paid limits), latency 0 ms")
    _consistent(rows, results)
    assert rows["rate measured over"] in (
        "the whole audience, first broadcast message to last",
        "cut at --max-seconds: the first 30 s (the audience was not done)",
    ), rows
    photos = int(rows["photos / texts"].split(" / ")[0])
    uploads = int(rows["photo uploads (multipart sendPhoto)"])
    distinct = int(rows["distinct charts uploaded"])
    assert photos > 0 and 0 < distinct <= uploads, rows
    assert uploads + int(rows["photos sent by file_id"]) >= photos, rows  # 429s are retried
    assert rows["chores cancelled before the run"] != "none", rows  # the fixture's check-ins


def test_an_initiatives_news_goes_to_those_who_chose_its_topic() -> None:
    out = _bench("--kind", "news", "--rate", "1000", "--participants", "300")
    rows = _section(out, "news, 1000/s (paid limits), latency 0 ms")
    _consistent(rows, out)
    queued = int(rows["recipients queued"])
    # Some of the round's participants (those who chose its second topic), not everyone.
    assert 0 < queued < 300, rows
    assert rows["deliveries by state"] == f"sent {queued}", rows
    assert rows["photos / texts"] == f"0 / {queued}", rows  # the round is open: no chart
    assert rows["photo uploads (multipart sendPhoto)"] == "0", rows
    assert "target achieved/configured >= 0.95 (news, 1000/s" in out


def test_targets_are_judged_for_every_run(plain: str, results: str) -> None:
    for out, titles in (
        (
            plain,
            (
                "plain, 30/s (free limits), latency 0 ms",
                "plain, 1000/s (paid limits), latency 0 ms",
            ),
        ),
        (results, ("results, 1000/s (paid limits), latency 0 ms",)),
    ):
        targets = out[out.index("TARGETS\n") :]
        for title in titles:
            where = re.escape(f"({title})")
            rows = _section(out, title)
            ratio = re.search(
                rf"^target achieved/configured >= 0\.95 {where}: (PASS|MISS) \(([\d.]+)\)$",
                targets,
                re.M,
            )
            assert ratio is not None, targets
            assert ratio.group(2) == rows["achieved / configured"]
            assert ratio.group(1) == ("PASS" if float(ratio.group(2)) >= 0.95 else "MISS")
            for target in ("429s provoked = 0", "per-chat breaches = 0"):
                assert re.search(rf"^target {target} {where}: (PASS|MISS) \(\d+\)$", targets, re.M)
            rss = re.search(
                rf"^target peak RSS <= idle \+ 40 MB {where}: (PASS|MISS) \(([\d.]+) -> ([\d.]+) "
                r"MB, \+([\d.]+)\)$",
                targets,
                re.M,
            )
            assert rss is not None, targets
            assert rss.group(1) == ("PASS" if float(rss.group(4)) <= 40 else "MISS")
            assert re.search(
                rf"^target RSS back within 10 MB of idle afterwards {where}: (PASS|MISS) ",
                targets,
                re.M,
            )
            assert re.search(
                rf"^target residents' replies p99 < 100 ms during the broadcast {where}: "
                r"(PASS|MISS|not judged) ",
                targets,
                re.M,
            )
    assert re.search(
        r"^target photo uploads <= distinct charts \(results, 1000/s \(paid limits\), latency 0 "
        r"ms\): (PASS|MISS) \(\d+ uploads, \d+ distinct\)$",
        results,
        re.M,
    ), results


def test_the_doubles_time_is_counted_once_per_step() -> None:
    class Calls:
        resident_calls = [
            (1, "answerCallbackQuery", 0.010, 0.020),
            (1, "editMessageText", 0.015, 0.030),  # overlaps the one before
            (1, "sendMessage", 0.040, 0.050),
            (1, "sendMessage", 0.200, 0.300),  # after the step
            (2, "sendMessage", 0.010, 0.090),  # another chat
        ]

    reply = Reply(chat=1, sent=0.0, seen=0.060)
    _at_double(Calls(), [reply])  # type: ignore[arg-type]
    assert reply.at_double == pytest.approx(0.030)
    assert reply.delay == pytest.approx(0.030)


async def test_the_poll_that_brought_a_residents_update_is_the_doubles_time() -> None:
    # The update comes while the bot's next poll is still in the double's latency: the wait
    # is the double's, not the bot's.
    api = BroadcastAPI(None, latency=0.05)
    api.residents = {1}
    poll = asyncio.create_task(api.call("getUpdates", {"timeout": 5}))
    await asyncio.sleep(0.01)
    update = api.send_command(1, "menu")
    api.send_command(2, "menu")  # not a resident
    status, body = await poll
    assert status == 200 and body["result"][0]["update_id"] == update["update_id"]
    [(chat, method, arrived, answered)] = api.resident_calls
    assert (chat, method) == (1, "getUpdates") and answered - arrived >= 0.05
    reply = Reply(chat=1, sent=arrived + 0.01, seen=answered + 0.02)
    _at_double(api, [reply])
    assert reply.delay == pytest.approx(0.02, abs=1e-6)


def test_rate_over_a_window_and_over_the_whole_audience() -> None:
    whole = Run("plain", 10.0, 0, 100, None, accepted=[0.0, 0.1, 0.2, 0.3, 0.4])
    assert whole.span == pytest.approx(0.4) and whole.achieved == pytest.approx(10.0)
    window = Run("plain", 10.0, 0, 100, 2.0, accepted=[0.5 * n for n in range(10)])
    assert window.measured == 4 and window.achieved == pytest.approx(2.0)
    assert window.ratio == pytest.approx(0.2)
    assert percentile([1.0, 2.0, 3.0], 99) == 3.0


def test_a_broadcast_with_nobody_tapping_picks_no_residents(tmp_path: Path) -> None:
    # --residents 0 measures the broadcast alone (at 30/s the replies otherwise take their
    # share of the one limit first); it used to fail dividing by zero.
    assert residents(tmp_path / "unused.db", 0) == []
