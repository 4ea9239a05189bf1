"""The pure engine: every node kind, controls, rejections and flow versions, with no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.flows import engine
from bot.flows.events import (
    Answered,
    ApplyEffect,
    Ask,
    Choose,
    Context,
    Finished,
    Input,
    Location,
    Rejected,
    SaveAnswer,
    Say,
    Step,
    Text,
    Voice,
)
from bot.flows.loader import load_flow
from bot.flows.model import Flow

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
CTX = Context(now=NOW)

SURVEY = """\
id: survey
title: Survey
start: hello
nodes:
  - id: hello
    kind: message
    text: "Hello"
    next: agree
  - id: agree
    kind: consent
    text: "Agree?"
    save_as: consent
    record: consent
    next: gate
  - id: gate
    kind: branch
    on: consent
    cases:
      - when: "yes"
        next: topics
    default: bye
  - id: topics
    kind: multi_choice
    text: "Pick up to 2"
    max_choices: 2
    save_as: topics
    options:
      - {id: food, label: "Food"}
      - {id: housing, label: "Housing"}
      - {id: parks, label: "Parks"}
    next: order
  - id: order
    kind: rank
    text: "Order them"
    items_from: topics
    save_as: order
    next: age
  - id: age
    kind: number
    text: "Age?"
    min: 16
    max: 120
    save_as: age
    optional: true
    next: where
  - id: where
    kind: location
    text: "Where?"
    save_as: where
    next: say
  - id: say
    kind: text
    text: "Anything else?"
    max_length: 10
    save_as: comment
    optional: true
    next: done
  - id: done
    kind: end
    text: "Thanks"
    then: menu
  - id: bye
    kind: end
    text: "Bye"
    forget: participant
"""


@pytest.fixture
def flow(tmp_path: Path) -> Flow:
    path = tmp_path / "survey.yaml"
    path.write_text(SURVEY, "utf-8")
    loaded, problems = load_flow(path)
    assert problems == [] and loaded is not None
    return loaded


def play(flow: Flow, *inputs: Input) -> list[Step]:
    steps = [engine.start(flow, CTX)]
    for received in inputs:
        steps.append(engine.resume(flow, steps[-1].session, received, CTX))
    return steps


def asked(step: Step) -> Ask:
    asks = [e for e in step.events if isinstance(e, Ask)]
    assert asks, f"no question in {step.events}"
    return asks[-1]


def test_start_runs_messages_then_waits_at_the_first_question(flow: Flow) -> None:
    step = engine.start(flow, CTX)
    assert isinstance(step.events[0], Say) and step.events[0].text == "Hello"
    ask = asked(step)
    assert ask.node.id == "agree"
    assert [o.id for o in ask.options] == ["yes", "no"]
    assert ask.controls == ()  # first question: no back, not optional
    assert step.session.node_id == "agree"


def test_consent_records_the_injected_time(flow: Flow) -> None:
    step = play(flow, Choose("yes"))[-1]
    assert SaveAnswer("survey", "agree", "consent", "yes") in step.events
    assert ApplyEffect("record", "consent", {"agreed": True, "at": NOW.isoformat()}) in step.events
    assert asked(step).node.id == "topics"


def test_no_consent_ends_and_asks_the_host_to_forget(flow: Flow) -> None:
    step = play(flow, Choose("no"))[-1]
    assert ApplyEffect("forget", "participant") in step.events
    assert step.events[-1] == Finished("survey", "completed", None)
    assert not step.session.active


def test_multi_choice_toggles_limits_and_finishes_with_done(flow: Flow) -> None:
    steps = play(
        flow,
        Choose("yes"),
        Choose("food"),
        Choose("parks"),
        Choose("housing"),  # a third: refused, limit 2
        Choose("food"),  # untick
        Choose("housing"),
        Choose("_done"),
    )
    assert asked(steps[2]).selected == ("food",) and asked(steps[2]).refresh
    refused = steps[4]
    assert any(isinstance(e, Rejected) and e.params == {"count": "2"} for e in refused.events)
    assert asked(steps[5]).selected == ("parks",)
    done = steps[-1]
    assert SaveAnswer("survey", "topics", "topics", ["parks", "housing"]) in done.events
    assert asked(done).node.id == "order"
    assert [o.id for o in asked(done).options] == ["parks", "housing"]


def test_done_with_nothing_ticked_is_refused_when_required(flow: Flow) -> None:
    step = play(flow, Choose("yes"), Choose("_done"))[-1]
    assert isinstance(step.events[0], Rejected)
    assert asked(step).node.id == "topics"


def test_rank_orders_items_and_places_the_last_one_itself(flow: Flow) -> None:
    steps = play(
        flow, Choose("yes"), Choose("food"), Choose("parks"), Choose("_done"), Choose("parks")
    )
    assert SaveAnswer("survey", "order", "order", ["parks", "food"]) in steps[-1].events
    assert asked(steps[-1]).node.id == "age"


def test_rank_with_one_item_is_saved_without_asking(flow: Flow) -> None:
    step = play(flow, Choose("yes"), Choose("food"), Choose("_done"))[-1]
    assert SaveAnswer("survey", "order", "order", ["food"]) in step.events
    assert asked(step).node.id == "age"


def _at_age(flow: Flow) -> list[Step]:
    return play(flow, Choose("yes"), Choose("food"), Choose("_done"))


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("twelve", "Please type a number, like 3."),
        ("12", "Please type a number from {low} to {high}."),
        ("30.5", "Please type a number, like 3."),
        ("nan", "Please type a number, like 3."),
    ],
)
def test_number_rejections_re_ask(flow: Flow, typed: str, reason: str) -> None:
    step = engine.resume(flow, _at_age(flow)[-1].session, Text(typed), CTX)
    assert isinstance(step.events[0], Rejected) and step.events[0].reason == reason
    assert asked(step).node.id == "age"


def test_number_in_another_script_is_read(flow: Flow) -> None:
    step = engine.resume(flow, _at_age(flow)[-1].session, Text("٤٢"), CTX)  # Arabic-Indic 42
    assert SaveAnswer("survey", "age", "age", 42) in step.events


def test_skip_saves_a_skip_and_back_returns_one_question(flow: Flow) -> None:
    session = _at_age(flow)[-1].session
    skipped = engine.resume(flow, session, Choose("_skip"), CTX)
    assert SaveAnswer("survey", "age", "age", None) in skipped.events
    assert asked(skipped).node.id == "where"
    back = engine.resume(flow, skipped.session, Text("back"), CTX)
    assert asked(back).node.id == "age"


def test_skip_on_a_required_question_is_refused(flow: Flow) -> None:
    session = play(flow, Choose("yes"))[-1].session
    step = engine.resume(flow, session, Choose("_skip"), CTX)
    assert isinstance(step.events[0], Rejected)


def test_location_accepts_a_pin_or_a_typed_place(flow: Flow) -> None:
    at_where = engine.resume(flow, _at_age(flow)[-1].session, Text("40"), CTX).session
    pinned = engine.resume(flow, at_where, Location(51.48, -3.18), CTX)
    assert (
        SaveAnswer("survey", "where", "where", {"latitude": 51.48, "longitude": -3.18})
        in pinned.events
    )
    typed = engine.resume(flow, at_where, Text("Splott library"), CTX)
    assert SaveAnswer("survey", "where", "where", {"place": "Splott library"}) in typed.events


def test_text_limits_length_and_accepts_a_voice_note(flow: Flow) -> None:
    at_where = engine.resume(flow, _at_age(flow)[-1].session, Text("40"), CTX).session
    at_say = engine.resume(flow, at_where, Text("Park"), CTX).session
    too_long = engine.resume(flow, at_say, Text("x" * 11), CTX)
    assert isinstance(too_long.events[0], Rejected) and too_long.events[0].params == {"count": "10"}
    voiced = engine.resume(flow, at_say, Voice("file-1", 7), CTX)
    assert Say("Thank you for your voice note.") in voiced.events
    assert (
        SaveAnswer("survey", "say", "comment", {"voice": "file-1", "duration": 7}) in voiced.events
    )
    assert voiced.events[-1] == Finished("survey", "completed", "menu")
    assert Answered("say", ("🎤",)) in voiced.events


def test_a_stale_button_is_told_the_question_moved_on(flow: Flow) -> None:
    session = play(flow, Choose("yes"))[-1].session
    step = engine.resume(flow, session, Choose("yes", node_id="agree"), CTX)
    assert step.events[0] == Rejected(engine.MOVED_ON)
    assert asked(step).node.id == "topics"
    assert step.session == session  # nothing changed, nothing saved
    assert not any(isinstance(e, SaveAnswer) for e in step.events)


def test_cancel_leaves_with_answers_kept(flow: Flow) -> None:
    session = play(flow, Choose("yes"))[-1].session
    step = engine.resume(flow, session, Choose("_cancel"), CTX)
    assert step.events == (Finished("survey", "cancelled"),)
    assert step.session.status == "cancelled" and step.session.answers == {"consent": "yes"}


def test_unknown_input_kind_on_choice_is_a_rejection_not_an_error(flow: Flow) -> None:
    step = engine.resume(flow, engine.start(flow, CTX).session, Location(1, 2), CTX)
    assert isinstance(step.events[0], Rejected)


def _changed(flow: Flow, tmp_path: Path, text: str) -> Flow:
    path = tmp_path / "survey.yaml"
    path.write_text(text, "utf-8")
    changed, problems = load_flow(path)
    assert problems == [] and changed is not None and changed.content_hash != flow.content_hash
    return changed


def test_changed_flow_continues_when_the_node_still_exists(flow: Flow, tmp_path: Path) -> None:
    session = play(flow, Choose("yes"))[-1].session
    changed = _changed(flow, tmp_path, SURVEY.replace('"Pick up to 2"', '"Choose two"'))
    step = engine.resume(changed, session, Choose("food"), CTX)
    assert asked(step).node.text == "Choose two" and asked(step).selected == ("food",)
    assert step.session.flow_hash == changed.content_hash


def test_changed_flow_restarts_when_the_node_is_gone(flow: Flow, tmp_path: Path) -> None:
    session = play(flow, Choose("yes"))[-1].session
    text = SURVEY.replace("id: topics", "id: themes").replace("next: topics", "next: themes")
    changed = _changed(flow, tmp_path, text)
    step = engine.resume(changed, session, Choose("food"), CTX)
    assert step.events[0] == Say(engine.QUESTIONS_CHANGED)
    assert asked(step).node.id == "agree"
    assert step.session.answers == {"consent": "yes"}  # answers so far kept
