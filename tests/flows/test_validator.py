from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.callback import (
    CALLBACK_DATA_MAX,
    SESSION_ID_MAX,
    callback_data_fits,
    callback_data_length,
    decode_callback,
    encode_callback,
)
from bot.flows.loader import load_flow
from bot.flows.registry import check_flows
from bot.flows.validator import validate_all, validate_flow

BROKEN = Path(__file__).parent / "broken"

# Each fixture breaks one rule of shape or graph (many.yaml several at once); these are the
# exact reports. Names the bot must provide (effect targets, records, option lists, facts,
# placeholders) are not this pass's business: see test_needs.py.
EXPECTED: dict[str, list[str]] = {
    "branch": [
        "branch.yaml:10: flow 'branch' node 'check': branch has no default",
        "branch.yaml:16: flow 'branch' node 'check': case 'maybe' can never match: 'consent' "
        "is one of 'yes', 'no'",
        "branch.yaml:18: flow 'branch' node 'check': case 'yes' repeats line 14, so it can "
        "never be taken",
        "branch.yaml:20: flow 'branch' node 'guess': 'on' names 'consnet', which no node "
        "saves (did you mean 'consent'?)",
        "branch.yaml:20: flow 'branch' node 'guess': a branch node needs at least one case",
        "branch.yaml:24: flow 'branch' node 'empty': a branch node needs at least one case",
    ],
    "callback_data": [
        "callback_data.yaml:5: flow 'callback_data' node "
        "'a_node_id_that_is_much_too_long_for_telegram_buttons': node id is too long for "
        "Telegram buttons: callback data would need 74 bytes, the limit is 64",
        "callback_data.yaml:14: flow 'callback_data' node "
        "'fairly_long_node_id_for_the_options': option id 'a_rather_long_option_id' is too "
        "long for Telegram buttons: callback data would need 73 bytes, the limit is 64",
        "callback_data.yaml:16: flow 'callback_data' node "
        "'host_list_question_with_a_longer_id': options from 'areas' (ids up to 16 "
        "characters) are too long for Telegram buttons: callback data would need 66 bytes, "
        "the limit is 64",
    ],
    "dead_ends": [
        "dead_ends.yaml:9: flow 'dead_ends' node 'ask': no way onward from options 'blue', "
        "'green': add 'next' to the node or to each option",
        "dead_ends.yaml:16: flow 'dead_ends' node 'name': no way onward: add 'next'",
    ],
    "duplicate_node_id": [
        "duplicate_node_id.yaml:11: flow 'duplicate_node_id' node 'ask': duplicate node id "
        "'ask' (first on line 5)",
    ],
    "duplicate_option_id": [
        "duplicate_option_id.yaml:11: flow 'duplicate_option_id' node 'ask': duplicate "
        "option id 'red' (first on line 9)",
    ],
    "end_with_next": [
        "end_with_next.yaml:5: flow 'end_with_next' node 'bye': an end node must not have "
        "'next' (use 'then' to start another flow)",
    ],
    "voice_set": [
        "voice_set.yaml:5: flow 'voice_set' node 'area': 'set: area' needs a typed answer: add "
        "'voice: false', so a voice note is refused and the question asked again",
        "voice_set.yaml:11: flow 'voice_set' node 'place': 'set: area' needs a typed answer: "
        "add 'voice: false', so a voice note is refused and the question asked again",
    ],
    "limits": [
        "limits.yaml:5: flow 'limits' node 'age': 'min' (120) is more than 'max' (0.5)",
        "limits.yaml:11: flow 'limits' node 'story': 'max_length' can be at most 4096 "
        "(Telegram's message limit)",
        "limits.yaml:16: flow 'limits' node 'word': 'max_length' must be at least 1",
    ],
    "separate": [
        "separate.yaml:14: flow 'separate' node 'bye': 'separate' needs a 'text' to send on "
        "its own",
    ],
    "loop": [
        "loop.yaml:13: flow 'loop' node 'check': loop with no question in it, so the flow "
        "would never stop: 'check', 'say', 'jump'",
        "loop.yaml:27: flow 'loop' node 'spin': cannot be reached from the start node 'ask'",
        "loop.yaml:27: flow 'loop' node 'spin': loop with no question in it, so the flow "
        "would never stop: 'spin'",
    ],
    "many": [
        "many.yaml:5: flow 'many' node 'ask': no way onward from options 'a': add 'next' to "
        "the node or to each option",
        "many.yaml:10: flow 'many' node 'ask': option 'a' points to unknown node 'nowhere'",
        "many.yaml:11: flow 'many' node 'ask': duplicate option id 'a' (first on line 10)",
        "many.yaml:12: flow 'many' node 'check': branch has no default",
        "many.yaml:12: flow 'many' node 'check': cannot be reached from the start node 'ask'",
        "many.yaml:16: flow 'many' node 'check': case 'z' can never match: 'pick' is one of 'a'",
        "many.yaml:18: flow 'many' node 'bye': an end node must not have 'next' (use 'then' "
        "to start another flow)",
        "many.yaml:18: flow 'many' node 'bye': 'then' names unknown flow 'elsewhere'",
        "many.yaml:18: flow 'many' node 'bye': cannot be reached from the start node 'ask'",
    ],
    "max_choices": [
        "max_choices.yaml:5: flow 'max_choices' node 'topics': 'max_choices' must be at least 1",
    ],
    "missing_start": [
        "missing_start.yaml:1: flow 'missing_start': start node 'hello' does not exist (did "
        "you mean 'helo'?)",
    ],
    "missing_text": [
        "missing_text.yaml:5: flow 'missing_text' node 'hello': a message node needs 'text'",
        "missing_text.yaml:8: flow 'missing_text' node 'name': a text node needs 'text'",
    ],
    "option_next": [
        "option_next.yaml:9: flow 'option_next' node 'topics': option 'housing' has 'next', "
        "but only options of a choice node can lead elsewhere",
    ],
    "option_alone": [
        "option_alone.yaml:11: flow 'option_alone' node 'colour': option 'unsure' has "
        "'alone', but only options of a multi_choice node can stand alone",
        "option_alone.yaml:17: flow 'option_alone' node 'order': option 'a' has 'alone', "
        "but only options of a multi_choice node can stand alone",
    ],
    "options": [
        "options.yaml:5: flow 'options' node 'none': a choice node needs 'options' or "
        "'options_from'",
        "options.yaml:9: flow 'options' node 'both': use 'options' or 'options_from', not both",
        "options.yaml:16: flow 'options' node 'agree': a consent node must not list options: "
        "it always has yes and no",
    ],
    "rank": [
        "rank.yaml:5: flow 'rank' node 'nothing': a rank node needs 'items_from' or 'options'",
        "rank.yaml:9: flow 'rank' node 'unknown': 'items_from' names 'topix', which no node "
        "saves (did you mean 'topics'?)",
        "rank.yaml:14: flow 'rank' node 'single': 'items_from' names 'colour', saved by the "
        "choice node 'colour'; it must be a multi_choice",
        "rank.yaml:19: flow 'rank' node 'early': 'items_from' names 'topics', saved by node "
        "'topics', which comes after this node",
        "rank.yaml:38: flow 'rank' node 'both': use 'options' or 'items_from', not both",
    ],
    "then_unknown": [
        "then_unknown.yaml:5: flow 'then_unknown' node 'bye': 'then' names unknown flow 'menus'",
    ],
    "unknown_targets": [
        "unknown_targets.yaml:5: flow 'unknown_targets' node 'ask': 'next' points to unknown "
        "node 'chek' (did you mean 'check'?)",
        "unknown_targets.yaml:10: flow 'unknown_targets' node 'ask': option 'red' points to "
        "unknown node 'nowhere'",
        "unknown_targets.yaml:13: flow 'unknown_targets' node 'check': 'default' points to "
        "unknown node 'gone'",
        "unknown_targets.yaml:13: flow 'unknown_targets' node 'check': cannot be reached "
        "from the start node 'ask'",
        "unknown_targets.yaml:17: flow 'unknown_targets' node 'check': case 'red' points to "
        "unknown node 'missing'",
        "unknown_targets.yaml:20: flow 'unknown_targets' node 'bye': cannot be reached from "
        "the start node 'ask'",
    ],
    "unreachable": [
        "unreachable.yaml:9: flow 'unreachable' node 'lost': cannot be reached from the "
        "start node 'hello'",
        "unreachable.yaml:13: flow 'unreachable' node 'also_lost': cannot be reached from "
        "the start node 'hello'",
    ],
}


def test_every_fixture_has_expectations() -> None:
    assert sorted(path.stem for path in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fixture(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)  # so reports name the file as "x.yaml", as written above
    _, problems = check_flows([Path(f"{name}.yaml")])
    assert [str(problem) for problem in problems] == EXPECTED[name]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "flow.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
id: good
title: Everything allowed
start: agree
nodes:
  - id: agree
    kind: consent
    text: "Do you agree?"
    save_as: consent
    record: consent
    next: check
  - id: check
    kind: branch
    on: consent
    cases:
      - {when: "yes", next: area}
    default: bye
  - id: area
    kind: choice
    text: "Where?"
    options_from: areas
    save_as: area
    set: area
    next: topics
  - id: topics
    kind: multi_choice
    text: "Pick some"
    options:
      - {id: housing, label: Housing}
      - {id: parks, label: Parks}
    save_as: topics
    next: order
  - id: order
    kind: rank
    text: "Order them"
    items_from: topics
    save_as: order
    next: more
  - id: more
    kind: choice
    text: "Anything else?"
    options:
      - {id: "yes", label: "Yes", next: story}
      - {id: "no", label: "No", next: bye}
  - id: story
    kind: text
    text: "Tell us"
    optional: true
    next: age
  - id: age
    kind: number
    text: "Age?"
    min: 0
    max: 120
    next: where
  - id: where
    kind: location
    text: "Where is it?"
    next: thanks
  - id: thanks
    kind: message
    text: "Thanks"
    next: again
  - id: again
    kind: goto
    next: more
  - id: bye
    kind: end
    forget: participant
    then: good
"""


def test_good_flow_has_no_problems(tmp_path: Path) -> None:
    flow, problems = load_flow(write(tmp_path, GOOD))
    assert problems == []
    assert flow is not None
    assert validate_flow(flow, {"good"}) == []
    assert validate_all({"good": flow}) == []


def test_then_is_only_checked_against_known_flows(tmp_path: Path) -> None:
    flow, _ = load_flow(write(tmp_path, GOOD))
    assert flow is not None
    assert validate_flow(flow) == []
    assert [str(p) for p in validate_flow(flow, {"menu"})] == [
        f"{tmp_path}/flow.yaml:66: flow 'good' node 'bye': 'then' names unknown flow 'good'"
    ]


def test_branch_may_look_at_answers_the_host_seeds(tmp_path: Path) -> None:
    text = """\
id: f
title: T
start: known
given:
  language_known: ["yes", "no"]
nodes:
  - id: known
    kind: branch
    on: language_known
    cases:
      - {when: "yes", next: bye}
      - {when: "maybe", next: bye}
    default: bye
  - id: bye
    kind: end
"""
    flow, _ = load_flow(write(tmp_path, text))
    assert flow is not None
    assert [str(p) for p in validate_flow(flow)] == [
        f"{tmp_path}/flow.yaml:12: flow 'f' node 'known': "
        "case 'maybe' can never match: 'language_known' is one of 'yes', 'no'"
    ]


def test_rank_items_borrowed_from_host_options_must_fit(tmp_path: Path) -> None:
    long_id = "r" * 34  # 3 + 10 + 1 + 34 + 1 + 16 = 65 bytes
    text = f"""\
id: f
title: T
start: pick
nodes:
  - id: pick
    kind: multi_choice
    text: "Pick"
    options_from: areas
    save_as: picked
    next: {long_id}
  - id: {long_id}
    kind: rank
    text: "Order"
    items_from: picked
    next: bye
  - id: bye
    kind: end
"""
    flow, _ = load_flow(write(tmp_path, text))
    assert flow is not None
    assert [str(p) for p in validate_flow(flow)] == [
        f"{tmp_path}/flow.yaml:11: flow 'f' node '{long_id}': options from 'areas' "
        "(ids up to 16 characters) are too long for Telegram buttons: "
        "callback data would need 65 bytes, the limit is 64"
    ]


# -- callback data -------------------------------------------------------------------------


def test_callback_round_trip() -> None:
    data = encode_callback("s1", "topics", "housing")
    assert data == "v1:s1:topics:housing"
    assert decode_callback(data) == ("s1", "topics", "housing")
    assert decode_callback(encode_callback("abcdefghij", "n", "_done")) == (
        "abcdefghij",
        "n",
        "_done",
    )


def test_callback_limit_arithmetic() -> None:
    assert SESSION_ID_MAX == 10 and CALLBACK_DATA_MAX == 64
    # "v1:" + 10 + ":" + node + ":" + option = 15 + node + option bytes
    assert callback_data_length("n", "o") == 17
    assert callback_data_fits("n" * 25, "o" * 24)
    assert not callback_data_fits("n" * 25, "o" * 25)
    assert not callback_data_fits("n", "é" * 25)  # bytes, not characters
    encode_callback("s" * 10, "n" * 25, "o" * 24)
    with pytest.raises(ValueError, match="64 bytes"):
        encode_callback("s", "n" * 25, "o" * 34)


@pytest.mark.parametrize(
    ("session_id", "node_id", "option_id"),
    [("", "n", "o"), ("s" * 11, "n", "o"), ("s", "", "o"), ("s", "n", "a:b")],
)
def test_encode_refuses_bad_parts(session_id: str, node_id: str, option_id: str) -> None:
    with pytest.raises(ValueError):
        encode_callback(session_id, node_id, option_id)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "v1",
        "v1:s:n",
        "v2:s:n:o",
        "v1::n:o",
        "v1:s::o",
        "v1:s:n:",
        "v1:s:n:o:extra",
        "v1:sessionid11:n:o",
        "v1:s:n:" + "o" * 60,
    ],
)
def test_decode_refuses_anything_else(data: str) -> None:
    assert decode_callback(data) is None
