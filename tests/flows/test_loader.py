from __future__ import annotations

import hashlib
from pathlib import Path

from bot.flows.loader import load_flow, load_flows
from bot.flows.model import Case, Effect, Flow, Node, NodeKind, Option, Source
from bot.flows.problems import Problem
from bot.flows.registry import InvalidFlows, check_flows, default_flows_dir

GOOD = """\
id: onboarding
title: Getting started
description: First steps
start: language
nodes:
  - id: language
    kind: choice
    text: "Which language would you like?"
    note: "Shown before any language is chosen"
    options_from: locales
    save_as: locale
    set: locale
    next: consent
  - id: consent
    kind: consent
    text: "Do you agree?"
    save_as: consent
    record: consent
    next: check
  - id: check
    kind: branch
    on: consent
    cases:
      - when: yes
        next: topics
    default: bye
  - id: topics
    kind: multi_choice
    text: "Pick up to 3"
    max_choices: 3
    options:
      - {id: housing, label: Housing}
      - {id: parks, label: "Parks", alone: true}
    save_as: topics
    optional: true
    next: order
  - id: order
    kind: rank
    text: "Which matters most?"
    items_from: topics
    save_as: order
    next: age
  - id: age
    kind: number
    text: "How old are you?"
    min: 0
    max: 120.5
    integer: false
    next: bye
  - id: bye
    kind: end
    text: "Thank you. Goodbye."
    forget: participant
    then: menu
"""


def write(tmp_path: Path, text: str, name: str = "flow.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    flow, problems = load_flow(write(tmp_path, text))
    assert flow is None
    return [str(problem).removeprefix(f"{tmp_path}/") for problem in problems]


def test_good_flow_loads_into_the_model(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    flow, problems = load_flow(path)
    assert problems == []
    assert flow is not None

    def at(line: int) -> Source:
        return Source(str(path), line)

    expected_nodes = [
        Node(
            id="language",
            kind=NodeKind.CHOICE,
            source=at(6),
            text="Which language would you like?",
            note="Shown before any language is chosen",
            options_from="locales",
            save_as="locale",
            next="consent",
            effects=(Effect("set", "locale"),),
        ),
        Node(
            id="consent",
            kind=NodeKind.CONSENT,
            source=at(14),
            text="Do you agree?",
            save_as="consent",
            next="check",
            effects=(Effect("record", "consent"),),
        ),
        Node(
            id="check",
            kind=NodeKind.BRANCH,
            source=at(20),
            on="consent",
            cases=(Case("yes", "topics", at(24)),),
            default="bye",
        ),
        Node(
            id="topics",
            kind=NodeKind.MULTI_CHOICE,
            source=at(27),
            text="Pick up to 3",
            max_choices=3,
            options=(
                Option("housing", "Housing", None, at(32)),
                Option("parks", "Parks", None, at(33), alone=True),
            ),
            save_as="topics",
            optional=True,
            next="order",
        ),
        Node(
            id="order",
            kind=NodeKind.RANK,
            source=at(37),
            text="Which matters most?",
            items_from="topics",
            save_as="order",
            next="age",
        ),
        Node(
            id="age",
            kind=NodeKind.NUMBER,
            source=at(43),
            text="How old are you?",
            min_value=0.0,
            max_value=120.5,
            integer=False,
            next="bye",
        ),
        Node(
            id="bye",
            kind=NodeKind.END,
            source=at(50),
            text="Thank you. Goodbye.",
            then="menu",
            effects=(Effect("forget", "participant"),),
        ),
    ]
    assert flow == Flow(
        id="onboarding",
        title="Getting started",
        description="First steps",
        start="language",
        nodes={node.id: node for node in expected_nodes},
        source=at(1),
        content_hash=hashlib.sha256(GOOD.encode()).hexdigest()[:16],
    )
    assert list(flow.nodes) == [node.id for node in expected_nodes]


def test_effects_keep_set_record_forget_order(tmp_path: Path) -> None:
    text = """\
id: f
title: T
start: pick
nodes:
  - id: pick
    kind: choice
    text: "Pick"
    options_from: areas
    forget: participant
    record: consent
    set: area
    next: pick
"""
    flow, problems = load_flow(write(tmp_path, text))
    assert problems == []
    assert flow is not None
    assert flow.node("pick").effects == (
        Effect("set", "area"),
        Effect("record", "consent"),
        Effect("forget", "participant"),
    )


def test_yaml_booleans_stay_strings_in_ids(tmp_path: Path) -> None:
    text = """\
id: on
title: yes
start: yes
nodes:
  - id: yes
    kind: choice
    text: no
    options:
      - {id: on, label: off}
      - {id: no, label: n}
    next: off
  - id: off
    kind: branch
    on: yes
    cases:
      - {when: true, next: yes}
    default: yes
"""
    flow, problems = load_flow(write(tmp_path, text))
    assert problems == []
    assert flow is not None
    assert (flow.id, flow.title, flow.start) == ("on", "yes", "yes")
    assert list(flow.nodes) == ["yes", "off"]
    assert [(o.id, o.label) for o in flow.node("yes").options] == [("on", "off"), ("no", "n")]
    assert flow.node("yes").text == "no"
    assert flow.node("off").on == "yes"
    assert flow.node("off").cases[0].when == "true"


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = """\
id: f
title: T
start: a
nodes:
  - id: a
    kind: message
    text: "Hi"
    next: b
    next: c
title: Again
"""
    assert problems_of(tmp_path, text) == [
        "flow.yaml:9: flow 'f' node 'a': duplicate key 'next' (first on line 8)",
        "flow.yaml:10: flow 'f': duplicate key 'title' (first on line 2)",
    ]


def test_yes_is_not_a_boolean(tmp_path: Path) -> None:
    text = """\
id: f
title: T
start: a
nodes:
  - id: a
    kind: text
    text: "Name?"
    optional: yes
    next: a
  - id: b
    kind: number
    text: "Age?"
    integer: 1
    next: b
"""
    assert problems_of(tmp_path, text) == [
        "flow.yaml:8: flow 'f' node 'a': 'optional' is 'yes': use true or false",
        "flow.yaml:13: flow 'f' node 'b': 'integer' is '1': use true or false",
    ]


def test_an_option_that_stands_alone_says_so_with_true(tmp_path: Path) -> None:
    text = """\
id: f
title: T
start: a
nodes:
  - id: a
    kind: multi_choice
    text: "Which?"
    options:
      - {id: x, label: "X"}
      - {id: unsure, label: "Not sure", alone: yes}
    next: a
"""
    assert problems_of(tmp_path, text) == [
        "flow.yaml:10: flow 'f' node 'a': 'alone' is 'yes': use true or false",
    ]


def test_unknown_keys_get_a_suggestion(tmp_path: Path) -> None:
    text = """\
id: f
titel: T
start: a
nodes:
  - id: a
    kind: message
    text: "Hi"
    nxt: a
    colour: red
  - id: b
    kind: choise
  - id: c
    kind: wibble
"""
    assert problems_of(tmp_path, text) == [
        "flow.yaml:1: flow 'f': missing 'title'",
        "flow.yaml:2: flow 'f': unknown key 'titel' (did you mean 'title'?)",
        "flow.yaml:8: flow 'f' node 'a': unknown key 'nxt' (did you mean 'next'?)",
        "flow.yaml:9: flow 'f' node 'a': unknown key 'colour'",
        "flow.yaml:11: flow 'f' node 'b': unknown kind 'choise' (did you mean 'choice'?)",
        "flow.yaml:13: flow 'f' node 'c': unknown kind 'wibble' (use one of: message, "
        "choice, multi_choice, rank, text, number, location, consent, branch, goto, end)",
    ]


def test_keys_of_other_kinds_are_refused(tmp_path: Path) -> None:
    text = """\
id: f
title: T
start: a
nodes:
  - id: a
    kind: text
    text: "Name?"
    max_choices: 3
    options_from: areas
    next: b
  - id: b
    kind: goto
    text: "Jumping"
    next: a
"""
    assert problems_of(tmp_path, text) == [
        "flow.yaml:8: flow 'f' node 'a': 'max_choices' does not apply to a text node",
        "flow.yaml:9: flow 'f' node 'a': 'options_from' does not apply to a text node",
        "flow.yaml:13: flow 'f' node 'b': 'text' does not apply to a goto node",
    ]


def test_wrong_types_are_explained(tmp_path: Path) -> None:
    text = """\
id: f
title: [T]
start: a
nodes:
  - id: a
    kind: choice
    text: {en: "Hi"}
    options: housing
    max_choices: three
    next: b
  - just text
  - id: b
    kind: number
    text: "Age?"
    min: low
    max: .inf
    next:
"""
    assert problems_of(tmp_path, text) == [
        "flow.yaml:2: flow 'f': 'title' must be text, not a list",
        "flow.yaml:7: flow 'f' node 'a': 'text' must be text, not a set of keys",
        "flow.yaml:8: flow 'f' node 'a': 'options' must be a list (lines starting '- '), not text",
        "flow.yaml:9: flow 'f' node 'a': 'max_choices' does not apply to a choice node",
        "flow.yaml:11: flow 'f': expected a node (key: value lines), found text",
        "flow.yaml:15: flow 'f' node 'b': 'min' must be a number, not 'low'",
        "flow.yaml:16: flow 'f' node 'b': 'max' must be a number, not '.inf'",
        "flow.yaml:17: flow 'f' node 'b': 'next' has no value",
    ]


def test_numbers_are_checked(tmp_path: Path) -> None:
    text = """\
id: f
title: T
start: a
nodes:
  - id: a
    kind: multi_choice
    text: "Pick"
    options_from: areas
    max_choices: 2.5
    next: a
  - id: b
    kind: text
    text: "Say"
    max_length: "-3"
    next: a
"""
    flow_problems = problems_of(tmp_path, text)
    assert flow_problems == [
        "flow.yaml:9: flow 'f' node 'a': 'max_choices' must be a whole number, not '2.5'",
    ]


def test_ids_must_be_lowercase_and_not_start_with_underscore(tmp_path: Path) -> None:
    text = """\
id: My-Flow
title: T
start: _skip
nodes:
  - id: _skip
    kind: choice
    text: "Pick"
    save_as: Answer
    options:
      - {id: "two words", label: Two}
    next: _skip
"""
    rule = "use lowercase letters, digits, '_' and '-', starting with a letter or digit"
    assert problems_of(tmp_path, text) == [
        f"flow.yaml:1: 'My-Flow' is not a valid flow id: {rule}",
        f"flow.yaml:5: '_skip' is not a valid node id: {rule}",
        f"flow.yaml:8: 'Answer' is not a valid save_as key: {rule}",
        f"flow.yaml:10: 'two words' is not a valid option id: {rule}",
    ]


def test_required_keys(tmp_path: Path) -> None:
    text = """\
id: f
title: T
start: a
nodes:
  - kind: message
    text: "Hi"
  - id: b
    kind: choice
    text: "Pick"
    options:
      - {label: Red}
      - {id: blue}
    next: b
  - id: c
    kind: branch
    on: x
    cases:
      - {when: "1"}
    default: b
"""
    assert problems_of(tmp_path, text) == [
        "flow.yaml:5: flow 'f': missing 'id'",
        "flow.yaml:11: flow 'f' node 'b': missing 'id'",
        "flow.yaml:12: flow 'f' node 'b': missing 'label'",
        "flow.yaml:18: flow 'f' node 'c': missing 'next'",
    ]


def test_syntax_error_has_a_line(tmp_path: Path) -> None:
    text = 'id: f\ntitle: "T\nstart: a\nnodes: []\n'
    assert problems_of(tmp_path, "id: f\nstart a\nnodes: []\n") == [
        "flow.yaml:3: invalid YAML: could not find expected ':' "
        "(while scanning a simple key on line 2)"
    ]
    assert problems_of(tmp_path, text) == [
        "flow.yaml:5: invalid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar on line 2)"
    ]


def test_anchors_aliases_and_tags_are_refused(tmp_path: Path) -> None:
    text = """\
id: f
title: !!str T
start: a
nodes:
  - &greeting
    id: a
    kind: message
    text: !shout "Hi"
    next: a
  - *greeting
"""
    assert problems_of(tmp_path, text) == [
        "flow.yaml:2: tags (tag:yaml.org,2002:str) are not allowed",
        "flow.yaml:5: anchors (&greeting) are not allowed",
        "flow.yaml:8: tags (!shout) are not allowed",
        "flow.yaml:10: aliases (*greeting) are not allowed: write the value out in full",
    ]


def test_unreadable_files(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "") == ["flow.yaml: the file is empty"]
    assert problems_of(tmp_path, "- a\n- b\n") == [
        "flow.yaml:1: expected a flow file (key: value lines), found a list"
    ]
    assert problems_of(tmp_path, "a: 1\n---\nb: 2\n") == [
        "flow.yaml:2: invalid YAML: but found another document "
        "(expected a single document in the stream on line 1)"
    ]
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"id: f\ntitle: caf\xe9\n")
    assert [str(p) for p in load_flow(path)[1]] == [f"{path}:2: the file is not UTF-8 text"]
    missing = tmp_path / "missing.yaml"
    assert [str(p) for p in load_flow(missing)[1]] == [
        f"{missing}: cannot read the file: No such file or directory"
    ]


def test_content_hash_follows_the_bytes(tmp_path: Path) -> None:
    first, _ = load_flow(write(tmp_path, GOOD, "a.yaml"))
    same, _ = load_flow(write(tmp_path, GOOD, "b.yaml"))
    other, _ = load_flow(write(tmp_path, GOOD.replace("Goodbye", "Bye"), "c.yaml"))
    assert first is not None and same is not None and other is not None
    assert len(first.content_hash) == 16
    assert first.content_hash == same.content_hash != other.content_hash


def flow_text(flow_id: str) -> str:
    return f"id: {flow_id}\ntitle: T\nstart: a\nnodes:\n  - id: a\n    kind: end\n"


def test_load_flows_reads_directories_sorted(tmp_path: Path) -> None:
    flows_dir = tmp_path / "flows"
    flows_dir.mkdir()
    write(flows_dir, flow_text("second"), "b.yml")
    write(flows_dir, flow_text("first"), "a.yaml")
    write(flows_dir, "not a flow", "notes.txt")
    write(flows_dir, "broken: [", ".a.yaml.swp.yaml")
    extra = write(tmp_path, flow_text("third"), "extra.yaml")
    flows, problems = load_flows([flows_dir, extra])
    assert problems == []
    assert list(flows) == ["first", "second", "third"]


def test_load_flows_reports_clashes_and_missing_paths(tmp_path: Path) -> None:
    a = write(tmp_path, flow_text("same"), "a.yaml")
    b = write(tmp_path, flow_text("same"), "b.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()
    flows, problems = load_flows([a, b, empty, tmp_path / "nope"])
    assert list(flows) == ["same"]
    assert flows["same"].source.file == str(a)
    assert [str(p) for p in problems] == [
        f"{empty}: no *.yaml flow files here",
        f"{tmp_path / 'nope'}: no such file or directory",
        f"{b}:1: flow 'same': flow id 'same' is already used in {a}",
    ]


def test_problem_str_leaves_out_what_is_unknown() -> None:
    assert str(Problem("f.yaml", 3, "x", "n", "bad")) == "f.yaml:3: flow 'x' node 'n': bad"
    assert str(Problem("f.yaml", 3, "x", None, "bad")) == "f.yaml:3: flow 'x': bad"
    assert str(Problem("f.yaml", 3, None, None, "bad")) == "f.yaml:3: bad"
    assert str(Problem("f.yaml", 0, None, None, "bad")) == "f.yaml: bad"


# -- check_flows: every file, both passes (shape, then graph) ---------------------------------


def test_check_flows_loads_and_validates_every_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("then: menu", "then: onboarding"), "onboarding.yaml")
    write(tmp_path, flow_text("menu"), "menu.yaml")
    flows, problems = check_flows(tmp_path)
    assert problems == []
    assert list(flows) == ["menu", "onboarding"]
    assert flows["menu"].source.file == str(tmp_path / "menu.yaml")


def test_check_flows_reports_every_problem_and_skips_then_when_a_file_is_broken(
    tmp_path: Path,
) -> None:
    write(tmp_path, GOOD, "onboarding.yaml")  # then: menu, which does not exist
    write(tmp_path, "id: broken\ntitle: T\n", "zz.yaml")
    flows, problems = check_flows([tmp_path])
    # With a file unreadable, `then:` is not checked: the missing flow may be that one.
    assert list(flows) == ["onboarding"]
    assert [str(p) for p in problems] == [
        f"{tmp_path}/zz.yaml:1: flow 'broken': missing 'start'",
        f"{tmp_path}/zz.yaml:1: flow 'broken': missing 'nodes'",
    ]

    (tmp_path / "zz.yaml").unlink()
    flows, problems = check_flows([tmp_path])
    assert list(flows) == ["onboarding"]
    assert [str(p) for p in problems] == [
        f"{tmp_path}/onboarding.yaml:50: flow 'onboarding' node 'bye': "
        "'then' names unknown flow 'menu'"
    ]


def test_invalid_flows_lists_every_problem_one_per_line() -> None:
    problems = [
        Problem("a.yaml", 3, "a", "n", "bad"),
        Problem("b.yaml", 0, None, None, "worse"),
    ]
    error = InvalidFlows(problems)
    assert error.problems == tuple(problems)
    assert str(error) == "a.yaml:3: flow 'a' node 'n': bad\nb.yaml: worse"


def test_default_flows_dir_is_at_the_repo_root() -> None:
    assert default_flows_dir() == Path(__file__).resolve().parents[2] / "flows"
