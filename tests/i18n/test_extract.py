"""The flow extractor: what babel gets from a flow file, with lines and translator comments."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract

from bot.i18n.extract import Extracted, extract_flow

KEYWORDS = ("_", "gettext", "ngettext", "N_")


def run(source: str, keywords: tuple[str, ...] = KEYWORDS) -> list[Extracted]:
    return list(extract_flow(io.BytesIO(source.encode("utf-8")), keywords, ("TRANSLATORS:",), {}))


FLOW = """\
# A comment line
id: survey
title: A survey
start: ask
nodes:
  - id: ask
    kind: choice
    text: "What matters most?"
    note: "Asked once a year."
    options:
      - {id: food, label: "Healthy food"}
      - id: parks
        label: Parks
        next: done
  - id: done
    kind: end
    text: |-
      Thank you!
      See you soon.
  - id: jump
    kind: goto
    next: ask
"""


def test_title_texts_and_labels_with_lines_and_comments() -> None:
    assert run(FLOW) == [
        (3, None, "A survey", ["flow: survey, title"]),
        (8, None, "What matters most?", ["Asked once a year.", "flow: survey, node: ask"]),
        (
            11,
            None,
            "Healthy food",
            ["Asked once a year.", "flow: survey, node: ask, option: food"],
        ),
        (
            13,
            None,
            "Parks",
            ["Asked once a year.", "flow: survey, node: ask, option: parks"],
        ),
        # A block scalar starts on the line of its key.
        (17, None, "Thank you!\nSee you soon.", ["flow: survey, node: done"]),
    ]


def test_what_a_question_says_when_typed_words_match_nothing_is_extracted() -> None:
    source = FLOW.replace(
        '    note: "Asked once a year."\n',
        '    note: "Asked once a year."\n    no_match: "We could not find that."\n',
    )
    assert (
        10,
        None,
        "We could not find that.",
        ["Asked once a year.", "flow: survey, node: ask, said when typed words match no option"],
    ) in run(source)


def test_a_note_belongs_to_its_own_node_only() -> None:
    source = """\
id: f
title: T
nodes:
  - id: a
    kind: message
    text: "First"
    note: "  About the first.  "
  - id: b
    kind: message
    text: "Second"
"""
    assert run(source) == [
        (2, None, "T", ["flow: f, title"]),
        (6, None, "First", ["About the first.", "flow: f, node: a"]),
        (10, None, "Second", ["flow: f, node: b"]),
    ]


def test_plural_text_becomes_an_ngettext_pair() -> None:
    source = """\
id: f
title: T
nodes:
  - id: count
    kind: message
    text:
      one: "You chose {count} topic."
      other: "You chose {count} topics."
    note: "{count} is a number."
  - id: inline
    kind: message
    text: {one: "One day left", other: "{count} days left"}
"""
    assert run(source) == [
        (2, None, "T", ["flow: f, title"]),
        (
            7,
            "ngettext",
            ("You chose {count} topic.", "You chose {count} topics."),
            ["{count} is a number.", "flow: f, node: count"],
        ),
        (
            12,
            "ngettext",
            ("One day left", "{count} days left"),
            ["flow: f, node: inline"],
        ),
    ]


def test_plural_text_is_left_out_without_the_ngettext_keyword() -> None:
    source = "id: f\nnodes:\n  - id: a\n    text: {one: 'a', other: 'b'}\n"
    assert run(source, keywords=("_",)) == []


def test_ids_missing_blank_values_and_odd_shapes() -> None:
    source = """\
id: f
nodes:
  - kind: message
    text: "No id"
  - id: blank
    text: "   "
  - id: listy
    text: [not, text]
  - id: half-plural
    text: {one: "only one"}
  - id: options
    options:
      - {label: "No option id"}
      - just-a-string
      - {id: empty, label: ""}
"""
    assert run(source) == [
        (4, None, "No id", ["flow: f, node: #1"]),
        (13, None, "No option id", ["flow: f, node: options, option: #1"]),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "id: f\nnodes: [\n",  # unclosed bracket
        "id: f\n  bad: indent\n nodes: []\n",
        "id: f\ntitle: A\n---\nid: g\n",  # two documents
        "",
        "- just\n- a list\n",
        "name: settings\ntitle: Not a flow\n",  # no nodes
        "title: No id\nnodes: []\n",
    ],
)
def test_broken_or_other_yaml_yields_nothing(source: str) -> None:
    assert run(source) == []


def test_bytes_that_are_not_utf8_yield_nothing() -> None:
    data = io.BytesIO(b"id: f\ntitle: caf\xe9\nnodes: []\n")
    assert list(extract_flow(data, KEYWORDS, (), {})) == []


def test_a_byte_order_mark_is_ignored() -> None:
    data = io.BytesIO("\ufeffid: f\ntitle: Hello\nnodes: []\n".encode())
    assert list(extract_flow(data, KEYWORDS, (), {})) == [(2, None, "Hello", ["flow: f, title"])]


def test_through_babel_extract() -> None:
    source = (
        FLOW + "  - id: many\n    kind: message\n    text: {one: 'a {count}', other: 'b {count}'}\n"
    )
    found = list(
        extract(
            "bot.i18n.extract:extract_flow",
            io.BytesIO(source.encode()),
            keywords=DEFAULT_KEYWORDS,
        )
    )
    assert [(line, message) for line, message, _, _ in found] == [
        (3, "A survey"),
        (8, "What matters most?"),
        (11, "Healthy food"),
        (13, "Parks"),
        (17, "Thank you!\nSee you soon."),
        (25, ("a {count}", "b {count}")),
    ]


def test_the_entry_point_is_registered() -> None:
    """`pybabel extract -F babel.cfg` finds the extractor by the name babel.cfg uses."""
    from importlib.metadata import entry_points

    names = {e.name: e.value for e in entry_points(group="babel.extractors")}
    assert names.get("community_voice_flows") == "bot.i18n.extract:extract_flow"


def test_babel_cfg_names_the_extractor() -> None:
    cfg = (Path(__file__).resolve().parents[2] / "babel.cfg").read_text(encoding="utf-8")
    assert "[community_voice_flows: flows/**.yaml]" in cfg
    assert "[python: bot/**.py]" in cfg


def test_labels_of_a_question_with_a_label_context_carry_it() -> None:
    source = """\
id: ask
title: Ask
start: other
nodes:
  - id: other
    kind: choice
    text: "Is there something else?"
    label_context: "yes/no: is there"
    options:
      - {id: "yes", label: "Yes"}
      - {id: "no", label: "No"}
"""
    found = list(
        extract("bot.i18n.extract:extract_flow", io.BytesIO(source.encode()), DEFAULT_KEYWORDS)
    )
    # babel gives (line, message, comments, context): the same "Yes" as any other question's,
    # but its own entry for translators (Welsh "Oes", not "Ie").
    assert [(line, message, context) for line, message, _, context in found] == [
        (2, "Ask", None),
        (7, "Is there something else?", None),
        (10, "Yes", "yes/no: is there"),
        (11, "No", "yes/no: is there"),
    ]
