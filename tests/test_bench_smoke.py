"""The throughput benchmark runs end to end with a handful of residents (bench/throughput.py).

Only the output's structure and its self-consistency are checked, never a speed.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench._bot_process import CHAT, SENT
from bench.throughput import (
    BenchError,
    Pacing,
    Phase,
    _all_residents,
    _in_order,
    _round_trips,
    _step_ms,
    make_script,
    percentile,
    plan_lanes,
    same_trips,
    spread,
)
from tests.benchrun import run_bench
from tgdouble import CallRecord

REPO = Path(__file__).resolve().parents[1]
NUMBER = r"[\d.]+"


def _bench(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "throughput.py"), "--reply-timeout", "10", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def out() -> str:
    return _bench(
        *("--residents", "4", "--waves", "2", "--runs", "2", "--calibration", "2", "--details"),
        *("--paced", "busy", "--paced-window", "1"),
    )


def _rows(out: str, heading: str) -> list[list[str]]:
    """The table under the first line starting with `heading`, split on 2+ spaces."""
    block = out[out.index(heading) :].split("\n\n", 1)[0].splitlines()
    header = next(i for i, line in enumerate(block) if line.startswith("run "))
    return [
        re.split(r"\s{2,}", line.strip())
        for line in block[header + 1 :]
        if re.match(r"^\d+\s", line)
    ]


def test_calibration_lists_the_calls_of_each_step(out: str) -> None:
    assert "CALIBRATION: ours, 2 residents one after another" in out, out
    for step in ("/start", "tap “Yes, I agree”", "type “Riverside”", "tap “No, thanks”"):
        assert re.search(
            rf"^{re.escape(step)}\s+\w+\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+\w", out, re.M
        )
    assert "residents with these calls: 2 of 2" in out, out
    per_step = re.search(rf"^per step: ({NUMBER}) Bot API calls, ({NUMBER}) SQL", out, re.M)
    assert per_step is not None, out
    assert float(per_step.group(1)) > 0 and float(per_step.group(2)) > 0


def test_both_bots_make_each_steps_calls_in_one_round_trip(out: str) -> None:
    # The double answers every call 50 ms after it came (--round-trip-latency's default): a
    # step takes at least that, and its calls all went at once, in both bots.
    assert re.search(
        r"^ROUND TRIPS: each bot, 2 residents one after another; the double answers every call "
        r"50 ms after it came",
        out,
        re.M,
    ), out
    block = out[out.index("ROUND TRIPS") :].split("\n\n", 1)[0].splitlines()
    rows = {
        step: re.match(rf"^{re.escape(step)}\s+({NUMBER})\s+({NUMBER})\s+(.*)$", line)
        for step in ("/start", "tap “Yes, I agree”", "type “Riverside”", "tap “No, thanks”")
        for line in block
        if line.startswith(step)
    }
    assert len(rows) == 4 and all(rows.values()), block
    calls = {step: row.group(3) for step, row in rows.items() if row}
    assert calls == {
        "/start": "1: sendMessage",
        "tap “Yes, I agree”": "1: answerCallbackQuery, editMessageText, sendMessage",
        "type “Riverside”": "1: editMessageText, sendMessage",
        "tap “No, thanks”": "1: answerCallbackQuery, editMessageText, sendMessage",
    }, block
    for row in rows.values():
        assert row and float(row.group(1)) >= 50 and float(row.group(2)) >= 50, block
    assert block[-1] == (
        "the baseline's calls went in the same round trips as ours: yes (2 of 2 residents; "
        "ours 2 of 2)"
    ), block


def test_runs_alternate_and_make_the_same_calls(out: str) -> None:
    assert "SATURATED, 4 residents at once, 4 steps each, no think time, in 2 waves" in out
    rows = _rows(out, "SATURATED, 4 residents at once")
    bots = [row[1] for row in rows]
    assert bots == [
        "ours",
        "baseline (bare PTB, aiohttp)",
        "ours",
        "baseline (bare PTB, aiohttp)",
        "context: bare PTB, httpx",
    ], out
    calibrated = re.search(rf"^per step: ({NUMBER}) Bot API calls", out, re.M)
    assert calibrated is not None
    for row in rows:
        run, bot, rate, cpu, sql, calls, match, p50, p99, double, _others = row
        assert double.endswith("%"), row
        assert float(rate) > 0 and float(cpu) > 0, row
        assert calls == calibrated.group(1), row  # the same Bot API calls per step
        assert match == "yes", row
        assert float(p50) <= float(p99), row
        assert (sql != "-") == (bot == "ours"), row  # SQL is counted on ours' database only
    ratios = re.search(
        r"^ratio ours / baseline, each run with the baseline run after it: (.*)$", out, re.M
    )
    assert ratios is not None, out
    listed, median = ratios.group(1).split("; median ")
    pairs = [(float(rows[i][2]), float(rows[i + 1][2])) for i in (0, 2)]
    values = [float(v) for v in listed.split(", ")]
    for value, (ours, base) in zip(values, pairs, strict=True):
        assert value == pytest.approx(ours / base, abs=0.011)
    assert float(median) == pytest.approx(statistics.median(values), abs=0.011)
    assert "context, not the target: the same baseline on PTB's default httpx transport" in out
    listed = re.search(
        r"^Bot API calls per step in these runs.*\n  ours     (.*)  \((\d+) of (\d+) residents "
        r"in 2 runs\)\n  baseline (.*)  \((\d+) of (\d+) residents in 2 runs\)$",
        out,
        re.M,
    )
    assert listed is not None, out
    assert listed.group(1) == listed.group(4) and listed.group(1).count(" | ") == 3, out
    # 4 at a time, each followed once by a new resident, in each of 2 runs
    assert listed.group(2) == listed.group(3) == listed.group(5) == listed.group(6) == "16"


def _median_rate(out: str, heading: str) -> float:
    """Ours' median steps/s as the saturated section under `heading` states it."""
    section = out[out.index(heading) :].split("\n\n", 1)[0]
    found = re.search(rf"^ours steps/s ({NUMBER})[ ;]", section, re.M)
    assert found is not None, section
    return float(found.group(1))


def test_the_busy_load_is_a_share_of_the_rate_with_the_burner_running(out: str) -> None:
    idle = "SATURATED, 4 residents at once"
    burning = "SATURATED, WITH 1 CPU-BURNING PROCESS (the capacity the busy paced load is a share"
    assert out.index(idle) < out.index(burning) < out.index("PACED"), out
    rows = _rows(out, burning)
    assert [row[1] for row in rows] == ["ours", "baseline (bare PTB, aiohttp)"] * 2, out
    for row in rows:
        assert float(row[2]) > 0 and row[6] == "yes", row
    offered = re.search(r"^PACED, .*: (\S+) steps/s offered to both bots \(of (\S+)\)", out, re.M)
    assert offered is not None, out
    assert float(offered.group(2)) == _median_rate(out, burning)
    # Without it (--busy-reference idle) the load is a share of the idle rate, as it was.
    old = _bench(
        *("--residents", "2", "--waves", "1", "--runs", "1", "--calibration", "1"),
        *("--paced", "busy", "--paced-window", "1", "--no-context", "--busy-reference", "idle"),
    )
    assert "WITH 1 CPU-BURNING" not in old, old
    offered = re.search(
        r"^PACED, 50% of our median saturated rate with 2 residents, .*\(of (\S+)\)", old, re.M
    )
    assert offered is not None, old
    assert float(offered.group(1)) == _median_rate(old, "SATURATED, 2 residents at once")


def test_paced_phase_with_a_busy_process(out: str) -> None:
    heading = (
        "PACED, 50% of our median saturated rate (measured with 1 CPU-burning process busy too) "
        "with 4 residents, with 1 CPU-burning"
    )
    assert heading in out, out
    offered = re.search(
        rf"^{re.escape(heading)} process busy meanwhile: ({NUMBER}) steps/s offered to both bots "
        rf"\(of ({NUMBER})\) by (\d+) residents thinking",
        out,
        re.M,
    )
    assert offered is not None, out
    assert float(offered.group(1)) == pytest.approx(float(offered.group(2)) / 2, abs=0.1)
    assert int(offered.group(3)) >= 4  # enough residents for a steady window of 1 s
    rows = _rows(out, heading)
    assert [row[1] for row in rows] == ["ours", "baseline (bare PTB, aiohttp)"] * 2, out
    for row in rows:
        _run, _bot, rate, _measured, p50, p99, whole, _trip, cpu, match, burner, _, _ = row
        assert rate == offered.group(1)
        assert float(cpu) > 0  # the bot's CPU a step at this load
        # (the steady window's p99 may exceed the whole phase's: they rank different sets)
        assert float(p50) <= float(p99) and float(whole) > 0
        assert match == "yes"
        assert burner.endswith("%") and int(burner[:-1]) > 0  # the burner did burn


def test_targets_are_judged_on_every_run(out: str) -> None:
    targets = out[out.index("TARGETS") :]
    assert re.search(
        rf"^target ratio >= 0\.50 at 4 residents: (PASS|MISS) \(runs {NUMBER}, {NUMBER}; "
        rf"median {NUMBER}\)$",
        targets,
        re.M,
    ), targets
    p99 = re.search(
        r"^target paced p99 < 25 ms with another process busy, at 50% of our median saturated rate "
        r"\(measured with 1 CPU-burning process busy too\) with 4 residents: (PASS|MISS) "
        rf"\(ours ({NUMBER}), ({NUMBER}) ms; baseline {NUMBER}, {NUMBER} ms\)$",
        targets,
        re.M,
    )
    assert p99 is not None, targets
    worst = max(float(p99.group(2)), float(p99.group(3)))
    assert p99.group(1) == ("PASS" if worst < 25 else "MISS")


def test_without_paced_phases_or_context() -> None:
    out = _bench(
        *("--residents", "2", "--waves", "1", "--runs", "1", "--calibration", "1"),
        *("--paced", "none", "--no-context", "--round-trip-latency", "0"),
    )
    assert "SATURATED, 2 residents at once, 4 steps each, no think time, in 1 wave " in out
    assert "PACED" not in out and "context" not in out and "ROUND TRIPS" not in out, out
    assert re.search(r"^target paced p99 < 25 ms with another process busy: not judged", out, re.M)


def test_a_fixed_paced_rate_is_offered_as_given() -> None:
    # --paced-rate: a load that does not grow as the bot gets faster, named as such.
    out = _bench(
        *("--residents", "2", "--waves", "1", "--runs", "1", "--calibration", "1"),
        *("--paced", "busy", "--paced-rate", "20", "--paced-window", "1", "--no-context"),
        *("--round-trip-latency", "0"),
    )
    heading = re.search(
        rf"^PACED, a fixed 20 steps/s \(({NUMBER})% of our median saturated rate\) with 2 "
        rf"residents, with 1 CPU-burning process busy meanwhile: 20\.0 steps/s offered to both "
        rf"bots \(of ({NUMBER})\)",
        out,
        re.M,
    )
    assert heading is not None, out
    share = 100 * 20 / float(heading.group(2))
    assert float(heading.group(1)) == pytest.approx(share, abs=0.6)
    rows = _rows(out, "PACED, a fixed 20 steps/s")
    assert [(row[1], row[2]) for row in rows] == [
        ("ours", "20.0"),
        ("baseline (bare PTB, aiohttp)", "20.0"),
    ], out
    assert re.search(
        r"^target paced p99 < 25 ms with another process busy, at a fixed 20 steps/s "
        rf"\({NUMBER}% of our median saturated rate\) with 2 residents: (PASS|MISS)",
        out,
        re.M,
    ), out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--paced-rate", "-5"], "--paced-rate must be more than 0 steps/s"),
        (["--paced-rate", "0"], "--paced-rate must be more than 0 steps/s"),
        (["--paced-rate", "20", "--paced", "none"], "--paced-rate needs a paced phase"),
        (["--busy-reference", "idle", "--paced-rate", "20"], "not with --paced-rate"),
        (["--busy-reference", "busy", "--paced", "quiet"], "not with --paced-rate or --paced q"),
        (["--busy-reference", "idle", "--paced", "none"], "--busy-reference needs a busy paced"),
        (["--round-trip-latency", "-1"], "--round-trip-latency must be 0 or more"),
    ],
)
def test_paced_options_that_cannot_apply_are_refused(args: list[str], said: str) -> None:
    result = run_bench("throughput.py", *args, timeout=60)
    assert result.returncode == 2 and said in result.stderr, result.stderr


def test_details_name_the_bots(out: str) -> None:
    assert "details, ours, saturated run 1, 4 residents:" in out, out
    assert "details, baseline (bare PTB, aiohttp), saturated run 1, 4 residents:" in out, out
    assert re.search(r"database writer: [\d.]+ write transactions per step", out), out


def test_details_of_a_paced_run_say_where_its_slowest_steps_were(out: str) -> None:
    for bot in ("ours", "baseline (bare PTB, aiohttp)"):
        heading = f"details, {bot}, paced run 1, "
        assert heading in out, out
        block = out[out.index(heading) :].split("\n\n", 1)[0]
        assert "1 CPU-burning process busy (by kind and around the calls: the steady window):" in (
            block
        ), block
        # Every step makes at least one call; taps and typed answers more than one.
        for name in ("first call", "between calls", "after the last"):
            assert re.search(rf"^  {name} +p50 +{NUMBER} ms  p90 +{NUMBER} ms  p99", block, re.M)
        slices = re.search(
            r"slowest 1% \((\d+) steps\)(: no 100 ms slice has more than one| by 100 ms slice "
            rf"from the start, the most: \d+\.\d s: \d+ of \d+ \(longest {NUMBER} ms\))",
            block,
        )
        assert slices and int(slices.group(1)) >= 1, block


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


def test_paced_lanes_keep_each_residents_draws() -> None:
    # Planned ahead, each resident still starts and thinks as its own generator says.
    pacing = Pacing(residents=50, rate=10.0, load=0.5, reference=20.0, service=0.0, seed=3)
    lanes = plan_lanes(range(1, 51), 50, pacing)
    assert [lane.first_after for lane in lanes] == sorted(lane.first_after for lane in lanes)
    for lane in lanes:
        [user] = lane.people
        fresh = pacing.rng(user)
        assert lane.first_after == pacing.first_step_after(fresh)
        assert lane.rng is not None and lane.rng.random() == fresh.random()


class _Instant:
    """Residents' side of a double that replies at once: when each step was sent, and how
    many tasks were alive when each resident sent its first."""

    def __init__(self) -> None:
        self.sent: dict[int, list[float]] = {}
        self.tasks_at_first: dict[int, int] = {}

    def _send(self, user: int) -> None:
        if user not in self.sent:
            self.tasks_at_first[user] = len(asyncio.all_tasks())
        self.sent.setdefault(user, []).append(time.monotonic())

    def send_command(self, user: int, command: str) -> None:
        self._send(user)

    def tap(self, user: int, label: str) -> None:
        self._send(user)

    def send_text(self, user: int, text: str) -> None:
        self._send(user)

    async def reply(self, user: int, expect: object, timeout: float) -> float:  # noqa: ASYNC109
        return time.monotonic()


async def test_paced_residents_are_begun_when_due_not_all_at_once() -> None:
    # Each resident's task is made when its first step is due: the first to start finds only
    # the few begun before it, not a thousand set up and sleeping (the old way, whose setup
    # took the loop's first turn and sent every step due in it at its end, together).
    count = 1000
    pacing = Pacing(count, rate=count / 0.5, load=0.5, reference=2 * count, service=0.0, seed=1)
    api = _Instant()
    users = range(1, count + 1)
    lanes = plan_lanes(users, count, pacing)
    started = time.monotonic()
    walked = await _all_residents(api, lanes, 10.0, pacing)  # type: ignore[arg-type]
    assert len(walked) == count and all(len(steps) == 4 for steps in walked)
    # The k-th to start finds about k tasks (those begun before it, the test's own): a slow
    # moment of the machine may let a few dozen fall due together, not a thousand.
    early = [api.tasks_at_first[lane.people[0]] - rank for rank, lane in enumerate(lanes[:100])]
    assert max(early) < 100, early
    # And on time (loosely: a loaded machine may be late; the old way was 14-18 ms late here,
    # and its first to start found all 1,001 tasks).
    due = {lane.people[0]: lane.first_after for lane in lanes}
    late = [api.sent[user][0] - started - due[user] for user in users if due[user] < 0.05]
    assert len(late) > 50 and min(late) >= 0
    assert statistics.median(late) < 0.05, statistics.median(late)


async def test_residents_after_the_first_of_a_lane_wait_their_own_draws() -> None:
    # Two lanes of three: each resident's steps are at least its own generator's waits apart
    # (the first of a lane from the start, each after it from the reply before its first).
    pacing = Pacing(6, rate=300.0, load=0.5, reference=600.0, service=0.0, seed=5)
    api = _Instant()
    lanes = plan_lanes(range(1, 7), 2, pacing)
    assert [list(lane.people) for lane in sorted(lanes, key=lambda x: x.people[0])] == [
        [1, 3, 5],
        [2, 4, 6],
    ]
    started = time.monotonic()
    await _all_residents(api, lanes, 10.0, pacing)  # type: ignore[arg-type]
    for lane in lanes:
        ready = started
        for user in lane.people:
            rng = pacing.rng(user)
            waits = [pacing.first_step_after(rng)] + [pacing.think_time(rng) for _ in range(3)]
            sent = api.sent[user]
            assert sent[0] - ready >= waits[0] - 1e-3, (user, sent[0] - ready, waits[0])
            for before, after, wait in zip(sent, sent[1:], waits[1:], strict=False):
                assert after - before >= wait - 1e-3, (user, after - before, wait)
            ready = sent[-1]


def _call(method: str, message_id: int | None = None, **params: Any) -> CallRecord:
    """A call to chat 5, as the double logs it; a sendMessage answered with `message_id`."""
    if method == "sendMessage":
        return CallRecord(
            method, {"chat_id": 5, **params}, 0.0, response={"result": {"message_id": message_id}}
        )
    if message_id is not None:
        params["message_id"] = message_id
    return CallRecord(method, {"chat_id": 5, **params}, 0.0)


def test_the_calls_made_beside_the_rest_are_compared_in_any_place() -> None:
    # Both bots make the answer to a press and the edit showing an answer beside the reply,
    # so they reach the double before, between or after its messages; the calls made one
    # after another keep their order, an edit redrawing a question's buttons included.
    send, answer = _call("sendMessage", 2), _call("answerCallbackQuery")
    shown = _call("editMessageText", 1, text="Are you happy to take part?\n\n✅ Yes")
    expected = ("sendMessage", "answerCallbackQuery", "editMessageText")
    assert _in_order([answer, send, shown]) == expected
    assert _in_order([shown, send, answer]) == expected
    assert _in_order([shown, send]) == ("sendMessage", "editMessageText")
    redrawn = _call("editMessageText", 1, reply_markup={"inline_keyboard": []})
    after = ("sendMessage", "editMessageText", "answerCallbackQuery")
    assert _in_order([send, redrawn, answer]) == after
    first = ("editMessageText", "sendMessage", "answerCallbackQuery")
    assert _in_order([redrawn, send, answer]) == first


def test_the_script_refuses_an_edit_beside_a_message_of_its_own_step() -> None:
    # The baseline starts a step's calls made beside the rest before its sends: such a call
    # can only name a message sent in an earlier step.
    shown = _call("editMessageText", 2, text="Which area?\n\n✅ Riverside")
    with pytest.raises(BenchError, match="same step"):
        make_script([[_call("sendMessage", 1)], [_call("sendMessage", 2), shown], [], []], chat=5)
    script = make_script(
        [
            [_call("sendMessage", 1)],
            [_call("sendMessage", 2)],
            [shown, _call("sendMessage", 3)],
            [],
        ],
        chat=5,
    )
    assert script["steps"][2]["calls"][0]["params"] == {
        "chat_id": CHAT,
        "message_id": {SENT: 1},
        "text": "Which area?\n\n✅ Riverside",
    }


def _at(method: str, time: float) -> CallRecord:
    return CallRecord(method=method, params={"chat_id": 5}, time=time)


def test_calls_that_came_together_went_in_one_round_trip() -> None:
    # With 50 ms before each answer, a call made after another's answer comes 50 ms or more
    # after it; calls made at once come within a few milliseconds of each other.
    at_once = [
        _at("sendMessage", 10.003),
        _at("answerCallbackQuery", 10.0),
        _at("editMessageText", 10.001),
    ]
    assert _round_trips(at_once, 0.05) == (
        ("answerCallbackQuery", "editMessageText", "sendMessage"),
    )
    in_turn = [
        _at("sendMessage", 10.0),
        _at("answerCallbackQuery", 10.052),
        _at("editMessageText", 10.104),
    ]
    assert _round_trips(in_turn, 0.05) == (
        ("sendMessage",),
        ("answerCallbackQuery",),
        ("editMessageText",),
    )
    assert _round_trips([], 0.05) == ()


def _tripped(bot: str, *per_resident: tuple[tuple[str, ...], ...]) -> Phase:
    phase = Phase(bot, len(per_resident), "round trips", latency=0.05)
    phase.trips = Counter((trips,) for trips in per_resident)
    return phase


def test_the_benchmark_stops_if_the_baseline_takes_other_round_trips() -> None:
    together = (("answerCallbackQuery", "sendMessage"),)
    apart = (("sendMessage",), ("answerCallbackQuery",))
    assert same_trips(
        _tripped("ours", together, together), _tripped("baseline", together, together)
    ) == (together,)
    with pytest.raises(
        BenchError, match="other round trips than ours'.*sendMessage then answerCallbackQuery"
    ):
        same_trips(_tripped("ours", together, together), _tripped("baseline", apart, apart))
    with pytest.raises(
        BenchError, match="ours: the residents' calls went in different round trips"
    ):
        same_trips(_tripped("ours", together, apart), _tripped("baseline", together, together))


def test_step_times_are_the_median_of_each_residents_nth_update() -> None:
    phase = Phase("ours", 2, "round trips", latency=0.05)
    phase.samples = [
        (kind, start, start + ms / 1000, chat)
        for chat, times in ((5, (51, 52, 53, 54)), (6, (55, 56, 57, 58)))
        for start, (kind, ms) in zip(
            (1.0, 2.0, 3.0, 4.0),
            zip(("command", "button", "text", "button"), times, strict=True),
            strict=True,
        )
    ]
    assert [round(ms, 3) for ms in _step_ms(phase)] == [53.0, 54.0, 55.0, 56.0]
    phase.samples = phase.samples[:-1]  # a resident with three updates cannot be placed
    with pytest.raises(BenchError, match="chat 6 had 3 updates, not 4"):
        _step_ms(phase)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0


def test_spread_is_the_median_and_the_range() -> None:
    assert spread([0.3, 0.1, 0.2]) == "0.20 (0.10-0.30)"
    assert spread([5.0], 1) == "5.0"
