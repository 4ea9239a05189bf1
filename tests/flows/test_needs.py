"""The needs pass: every name a flow uses (option lists, facts, placeholders, effect targets,
records and the answers they read) must be one its host provides.

bot.flows.needs knows no names of its own, so these tests describe a small host of their own;
tests/host/test_checks.py runs the same pass with the bot's real registry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.loader import load_flow
from bot.flows.model import NodeKind
from bot.flows.needs import Provided, RecordNeeds, fields_in, needs_problems
from bot.flows.registry import check_flows

NEEDS = Path(__file__).parent / "needs"

PROVIDED = Provided(
    options=frozenset({"areas", "measures"}),
    facts={"round_open": ("yes", "no")},
    params=frozenset({"organisation", "item"}),
    settable=frozenset({"locale", "area"}),
    forgettable=frozenset({"participant"}),
    node_records=frozenset({"consent"}),
    records={
        "visit": RecordNeeds(
            {
                "place": frozenset({NodeKind.LOCATION}),
                "rating": frozenset({NodeKind.CHOICE, NodeKind.NUMBER}),
                "note": frozenset(),  # any kind of node may save it
            }
        )
    },
)

# Each fixture passes shape and graph and breaks only names; these are the exact reports.
EXPECTED: dict[str, list[str]] = {
    "effects": [
        "effects.yaml:5: flow 'effects' node 'where': 'set' cannot target 'postcode' "
        "(use area or locale)",
        # On a question, `record:` records that question's own answer (only consent can).
        "effects.yaml:5: flow 'effects' node 'where': the bot cannot record 'area' (use consent)",
        "effects.yaml:12: flow 'effects' node 'bye': 'forget' cannot target 'everything' "
        "(use participant)",
    ],
    "names": [
        "names.yaml:1: flow 'names': 'given: round_open' lists 'maybe', which the bot never "
        "gives (it gives 'yes', 'no')",
        "names.yaml:1: flow 'names': the bot cannot provide 'given: moon_phase'",
        "names.yaml:8: flow 'names' node 'area': the bot has no option list called 'area' "
        "(did you mean 'areas'?)",
        "names.yaml:8: flow 'names' node 'area': the bot cannot fill in '{nickname}'",
        "names.yaml:14: flow 'names' node 'rate': the bot has no option list called 'measure' "
        "(did you mean 'measures'?)",
        "names.yaml:14: flow 'names' node 'rate': the bot cannot fill in '{organization}' "
        "(did you mean 'organisation'?)",
        # On an end node, `record:` names a record of answers; consent is not one.
        "names.yaml:23: flow 'names' node 'bye': the bot cannot record 'consent' (use visit)",
    ],
    "records": [
        "records.yaml:17: flow 'records' node 'bye': 'record: visit' reads the answer 'place' "
        "from a location node, but it is saved by 'where' (text)",
        "records.yaml:17: flow 'records' node 'bye': 'record: visit' reads the answer 'rating', "
        "but no node of this flow saves it (add 'save_as: rating' to a choice or number node)",
        "records.yaml:20: flow 'records' node 'gone': the bot cannot record 'visits' (use visit)",
    ],
}


def test_every_fixture_has_expectations() -> None:
    assert sorted(path.stem for path in NEEDS.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_needs_fixture(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(NEEDS)  # so reports name the file as "x.yaml", as written above
    flows, problems = check_flows([Path(f"{name}.yaml")])
    assert problems == [], "a needs fixture must pass shape and graph, to test one pass only"
    assert [str(p) for p in needs_problems(flows.values(), PROVIDED)] == EXPECTED[name]


GOOD = """\
id: good
title: Every name provided
given:
  round_open: ["yes", "no"]
start: open
nodes:
  - id: open
    kind: branch
    on: round_open
    cases:
      - {when: "yes", next: agree}
    default: bye
  - id: agree
    kind: consent
    text: "Do you agree to {organisation} keeping your answers?"
    save_as: consent
    record: consent
    next: area
  - id: area
    kind: choice
    text: "Where?"
    options_from: areas
    save_as: area
    set: area
    next: where
  - id: where
    kind: location
    text: "Where exactly?"
    save_as: place
    next: rate
  - id: rate
    kind: number
    text: "{item}: out of 5?"
    save_as: rating
    next: note
  - id: note
    kind: text
    text: "Anything to add?"
    save_as: note
    next: bye
  - id: bye
    kind: end
    text: "Thanks, {item}"
    record: visit
    forget: participant
"""


def test_a_flow_using_only_provided_names_has_no_problems(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, "utf-8")
    flow, problems = load_flow(path)
    assert problems == [] and flow is not None
    assert needs_problems([flow], PROVIDED) == []


def test_a_host_that_provides_nothing_suggests_nothing(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, "utf-8")
    flow, _ = load_flow(path)
    assert flow is not None
    assert [p.message for p in needs_problems([flow], Provided())] == [
        "the bot cannot provide 'given: round_open'",
        "the bot cannot fill in '{organisation}'",
        "the bot cannot record 'consent'",
        "the bot has no option list called 'areas'",
        "'set' cannot target 'area'",
        "the bot cannot fill in '{item}'",
        "the bot cannot fill in '{item}'",
        "the bot cannot record 'visit'",
        "'forget' cannot target 'participant'",
    ]


def test_fields_in_reads_placeholders_and_forgives_stray_braces() -> None:
    assert fields_in("Hello {name}, see {item} and {{not this}}") == {"name", "item"}
    assert fields_in("a lone { brace") == set()
    assert fields_in(None) == set()
