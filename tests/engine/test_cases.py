"""The pure engine as data: tests/engine/cases/<name>.yaml, discovered by file name.

A case holds a flow (its YAML text under `flow:`), the host's option lists it uses (`lists:`,
name -> [{id, label, also}], `also` being other words that pick the option when typed), facts
the host reads again when a branch reaches them (`facts:`, name -> {on: KEY, values: {answer:
fact}}: the fact's value from the answer saved under KEY, if the answer is listed), what the
resident chose from a host list before, outside the flow (`chosen:`, name -> [ids]), what the
records the flow writes hold now (`recorded:`, record -> {key: answer}) and `steps:`. Each
step is one input and exactly the events it gives, in order, optionally with the session
after it:

    steps:
      - start:                      # or start: {answers: {round_open: yes}}
        events:
          - say: Hello
          - ask: {node: agree, options: [yes, no]}
        session: {node: agree, status: active, answers: {}}
      - choose: yes                 # or choose: {option: yes, node: agree} (a bound button)
      - text: "42"                  # typed text, read by bot.flows.words.PLAIN
      - location: [51.48, -3.18]
      - voice: {file: f1, duration: 7}
      - current:                    # engine.current: show where the session is now
      - change_flow: [{old: "text: Hi", new: "text: Hello"}]   # or the whole new text

Inputs: `start`, `choose`, `text`, `location`, `voice`, `current`, and `change_flow`, which
takes no `events`: the flow file now reads differently (version 2, 3, ...) and later steps
run on it, with the session left as it was.

Events, each a one-key mapping; fields left out take the default shown:
    say: TEXT                      or {text, params: {}}
    ask: NODE                      or {node, options: [], selected: [], controls: [],
                                       refresh: false, placed: [], item: null, ref: NODE}
    rejected: REASON               or {reason, params: {}}
    answered: {node, shown: []}
    save: {key, value, node: KEY, flow: FLOW}
    effect: {ACTION: TARGET, value: null}       (ACTION is set, record or forget)
    finished: OUTCOME              or {outcome, then: null, flow: FLOW}
Options, selected, placed and item are option ids; controls are _skip, _back, _done, _cancel.

Session (only the fields given are compared): node, status, answers, pending, history, and
version (1 is the flow as first written, each change_flow adds one); or `unchanged`.

A case may say `xfail: why` for a known bug: it must fail until the bug is fixed.
Case files are read as the flows are: `yes`, `no`, `on`, `off` stay words (only true and false
are booleans) and a repeated key is an error.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from yaml.nodes import MappingNode, ScalarNode

from bot.flows import engine
from bot.flows.events import (
    Answered,
    ApplyEffect,
    Ask,
    Choose,
    Chosen,
    Context,
    Event,
    Facts,
    Finished,
    Input,
    Location,
    Recorded,
    Rejected,
    SaveAnswer,
    Say,
    Step,
    Text,
    Voice,
    fixed_lists,
)
from bot.flows.loader import load_flow_bytes
from bot.flows.model import Flow, Option
from bot.flows.session import Session
from bot.flows.validator import validate_flow

HERE = Path(__file__).parent / "cases"
CASES = sorted(HERE.glob("*.yaml"))
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)

CASE_KEYS = frozenset({"flow", "lists", "facts", "chosen", "recorded", "steps", "xfail"})
INPUTS = ("start", "choose", "text", "location", "voice", "current", "change_flow")
SESSION_KEYS = frozenset({"node", "status", "answers", "pending", "history", "version"})
_BOOL = "tag:yaml.org,2002:bool"


class CaseError(Exception):
    """A case file that does not follow the format above."""


# -- reading case files ----------------------------------------------------------------------


class _CaseLoader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2's booleans, refusing repeated keys."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key, _ in node.value:
            if isinstance(key, ScalarNode):
                if key.value in seen:
                    raise CaseError(f"line {key.start_mark.line + 1}: repeated key {key.value!r}")
                seen.add(key.value)
        return super().construct_mapping(node, deep=deep)


_CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CaseLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))


def read_case(path: Path) -> dict[str, Any]:
    """A case file, checked for the keys a case has."""
    try:
        case = yaml.load(path.read_text("utf-8"), Loader=_CaseLoader)
    except yaml.YAMLError as exc:
        raise CaseError(f"not YAML: {exc}") from exc
    if not isinstance(case, dict) or not {"flow", "steps"} <= set(case):
        raise CaseError("a case needs 'flow' and 'steps'")
    _only(case, CASE_KEYS, "a case")
    return case


def _only(found: Mapping[str, Any], allowed: frozenset[str] | set[str], what: str) -> None:
    unknown = sorted(set(found) - set(allowed))
    if unknown:
        raise CaseError(f"{what} has unknown keys {unknown}; it may have {sorted(allowed)}")


def _marks(path: Path) -> list[pytest.MarkDecorator]:
    try:
        reason = read_case(path).get("xfail")
    except CaseError:
        return []  # the test itself says what is wrong with the file
    return [pytest.mark.xfail(reason=str(reason), strict=True)] if reason else []


# -- events: the author's short forms and the full form they are compared in ----------------


def _body(value: Any, main: str, defaults: dict[str, Any], what: str) -> dict[str, Any]:
    """`value` as a full mapping: a bare value is the `main` field, the rest take defaults."""
    if not isinstance(value, dict):
        value = {main: value}
    _only(value, {main, *defaults}, what)
    if main not in value:
        raise CaseError(f"{what} needs '{main}'")
    return {**defaults, **value}


def expected_event(entry: Any, flow_id: str) -> dict[str, Any]:
    """An expected event in its full form."""
    if not isinstance(entry, dict) or len(entry) != 1:
        raise CaseError(f"an event is a one-key mapping like 'say: Hello', not {entry!r}")
    [(kind, value)] = entry.items()
    if kind == "say":
        body = _body(value, "text", {"params": {}}, "say")
        return {"say": body["text"], "params": body["params"]}
    if kind == "rejected":
        body = _body(value, "reason", {"params": {}}, "rejected")
        return {"rejected": body["reason"], "params": body["params"]}
    if kind == "ask":
        defaults = {"options": [], "selected": [], "controls": [], "refresh": False}
        defaults |= {"placed": [], "item": None, "ref": None}
        body = _body(value, "node", defaults, "ask")
        node = body.pop("node")
        # Ids are text: [1, 2] in a case means the ids "1" and "2".
        for key in ("options", "selected", "controls", "placed"):
            body[key] = [str(i) for i in body[key]]
        item = None if body["item"] is None else str(body["item"])
        return {"ask": node, **body, "item": item, "ref": body["ref"] or node}
    if kind == "answered":
        body = _body(value, "node", {"shown": []}, "answered")
        return {"answered": body["node"], "shown": body["shown"]}
    if kind == "save":
        body = _body(value, "key", {"value": None, "node": None, "flow": flow_id}, "save")
        node = body["node"] or body["key"]
        return {"save": body["key"], "value": body["value"], "node": node, "flow": body["flow"]}
    if kind == "effect":
        if not isinstance(value, dict):
            raise CaseError(f"write an effect as {{record: consent}}, not {value!r}")
        actions = [a for a in ("set", "record", "forget") if a in value]
        _only(value, {"set", "record", "forget", "value"}, "effect")
        if len(actions) != 1:
            raise CaseError(f"an effect names one of set, record, forget: {value!r}")
        action = actions[0]
        return {"effect": action, "target": value[action], "value": value.get("value")}
    if kind == "finished":
        body = _body(value, "outcome", {"then": None, "flow": flow_id}, "finished")
        return {"finished": body["outcome"], "then": body["then"], "flow": body["flow"]}
    raise CaseError(f"unknown event {kind!r}")


def actual_event(event: Event) -> dict[str, Any]:
    """An engine event in the same full form."""
    if isinstance(event, Say):
        return {"say": event.text, "params": dict(event.params)}
    if isinstance(event, Rejected):
        return {"rejected": event.reason, "params": dict(event.params)}
    if isinstance(event, Ask):
        return {
            "ask": event.node.id,
            "options": [o.id for o in event.options],
            "selected": list(event.selected),
            "controls": list(event.controls),
            "refresh": event.refresh,
            "placed": [o.id for o in event.placed],
            "item": event.item.id if event.item else None,
            "ref": event.binding,
        }
    if isinstance(event, Answered):
        return {"answered": event.node_id, "shown": list(event.shown)}
    if isinstance(event, SaveAnswer):
        return {
            "save": event.key,
            "value": event.value,
            "node": event.node_id,
            "flow": event.flow_id,
        }
    if isinstance(event, ApplyEffect):
        return {"effect": event.action, "target": event.target, "value": event.value}
    assert isinstance(event, Finished)
    return {"finished": event.outcome, "then": event.then, "flow": event.flow_id}


def short(full: dict[str, Any], flow_id: str) -> dict[str, Any]:
    """A full event as an author would write it: defaults left out, bare values where they do."""
    kind = next(iter(full))
    main, rest = full[kind], {k: v for k, v in full.items() if k != kind}
    defaults: dict[str, Any] = {
        "say": {"params": {}},
        "rejected": {"params": {}},
        "ask": {"options": [], "selected": [], "controls": [], "refresh": False, "placed": []}
        | {"item": None, "ref": main},
        "answered": {},
        "save": {"node": main, "flow": flow_id},
        "effect": {"value": None},
        "finished": {"then": None, "flow": flow_id},
    }[kind]
    kept = {k: v for k, v in rest.items() if k not in defaults or v != defaults[k]}
    if kind == "effect":
        return {"effect": {main: kept.pop("target"), **kept}}
    names = {"say": "text", "rejected": "reason", "ask": "node", "answered": "node"}
    names |= {"save": "key", "finished": "outcome"}
    if not kept and kind not in ("answered", "save"):
        return {kind: main}
    if kind == "save" and "node" in kept:  # written as it reads: node, key, value
        return {kind: {"node": kept.pop("node"), "key": main, **kept}}
    return {kind: {names[kind]: main, **kept}}


# -- inputs and the run ----------------------------------------------------------------------


@dataclass
class Run:
    """One case being played: the flow as it now reads, its versions, the session so far."""

    name: str
    text: str
    ctx: Context
    flow: Flow = field(init=False)
    versions: dict[str, int] = field(default_factory=dict)
    session: Session | None = None

    def __post_init__(self) -> None:
        self.flow = self.load(self.text)

    def load(self, text: str) -> Flow:
        flow, problems = load_flow_bytes(text.encode("utf-8"), f"{self.name}.yaml (flow)")
        if flow is not None:
            # Cases run flows the bot would run: a flow the validator refuses never gets here.
            problems = validate_flow(flow)
        if flow is None or problems:
            raise CaseError("the flow has problems:\n" + "\n".join(map(str, problems)))
        self.versions.setdefault(flow.content_hash, len(self.versions) + 1)
        return flow

    def change(self, change: Any) -> None:
        if isinstance(change, str):
            text = change
        elif isinstance(change, list):
            text = self.text
            for edit in change:
                if not isinstance(edit, dict) or set(edit) != {"old", "new"}:
                    raise CaseError(f"a change is {{old: ..., new: ...}}, not {edit!r}")
                if text.count(edit["old"]) != 1:
                    raise CaseError(f"{edit['old']!r} is not in the flow exactly once")
                text = text.replace(edit["old"], edit["new"])
        else:
            raise CaseError("change_flow is the new text, or a list of {old, new}")
        if text == self.text:
            raise CaseError("change_flow must change the flow's text")
        self.text = text
        self.flow = self.load(text)

    def play(self, kind: str, value: Any) -> Step:
        if kind == "start":
            if value is not None and not isinstance(value, dict):
                raise CaseError(f"start takes nothing, or {{answers: {{...}}}}, not {value!r}")
            _only(value or {}, {"answers"}, "start")
            return engine.start(self.flow, self.ctx, (value or {}).get("answers"))
        if self.session is None:
            raise CaseError(f"'{kind}' needs a session: start first")
        if kind == "current":
            return engine.current(self.flow, self.session, self.ctx)
        return engine.resume(self.flow, self.session, make_input(kind, value), self.ctx)


def make_input(kind: str, value: Any) -> Input:
    """The engine input a step names."""
    if kind == "choose":
        body = _body(value, "option", {"node": None}, "choose")
        return Choose(str(body["option"]), body["node"])
    if kind == "text":
        if not isinstance(value, str):
            raise CaseError(f"typed text must be quoted, as it is a string: text: {value!r}")
        return Text(value)
    if kind == "location":
        if not isinstance(value, list) or len(value) != 2:
            raise CaseError(f"a location is [latitude, longitude], not {value!r}")
        return Location(float(value[0]), float(value[1]))
    if kind == "voice":
        body = _body(value, "file", {"duration": 1}, "voice")
        return Voice(str(body["file"]), int(body["duration"]))
    raise CaseError(f"unknown input {kind!r}")


def session_view(run: Run, session: Session, wanted: Any, before: Session | None) -> Any:
    """The session as the step expects to see it (only the fields it names)."""
    if wanted == "unchanged":
        return "unchanged" if session == before else _full_session(run, session)
    if not isinstance(wanted, dict):
        raise CaseError(f"session is a mapping or 'unchanged', not {wanted!r}")
    _only(wanted, SESSION_KEYS, "session")
    return {k: v for k, v in _full_session(run, session).items() if k in wanted}


def _full_session(run: Run, session: Session) -> dict[str, Any]:
    return {
        "node": session.node_id,
        "status": session.status,
        "answers": session.answers,
        "pending": list(session.pending),
        "history": list(session.history),
        "version": run.versions.get(session.flow_hash, session.flow_hash),
    }


def _flow(value: Any) -> str:
    """One value on one line, in YAML's flow style."""
    text = yaml.safe_dump(
        value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=1_000_000
    )
    return text.removesuffix("...\n").strip()


def _dump(data: Any) -> str:
    """Events one per line (a session one field per line), so a diff points at the one."""
    if isinstance(data, list):
        lines = [f"- {kind}: {_flow(value)}" for event in data for kind, value in event.items()]
    elif isinstance(data, dict):
        lines = [f"{key}: {_flow(value)}" for key, value in data.items()]
    else:
        lines = [_flow(data)]
    return "\n".join(lines) + "\n"


def _differs(where: str, what: str, expected: Any, actual: Any) -> str:
    """`where`: `what`, a diff, and the actual value written as a case would write it."""
    diff = difflib.unified_diff(
        _dump(expected).splitlines(), _dump(actual).splitlines(), "expected", "actual", lineterm=""
    )
    return f"{where}: {what}\n" + "\n".join(diff) + f"\n\nactual:\n{_dump(actual)}"


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem, marks=_marks(p)) for p in CASES])
def test_engine_case(path: Path) -> None:
    try:
        case = read_case(path)
    except CaseError as exc:
        pytest.fail(f"case {path.stem!r}: {exc}", pytrace=False)
    lists = {
        name: tuple(
            Option(str(o["id"]), str(o["label"]), also=tuple(o.get("also") or ())) for o in options
        )
        for name, options in (case.get("lists") or {}).items()
    }
    try:
        context = Context(
            NOW,
            lists=fixed_lists(lists),
            facts=case_facts(case.get("facts")),
            chosen=case_chosen(case.get("chosen")),
            recorded=case_recorded(case.get("recorded")),
        )
        run = Run(path.stem, case["flow"], context)
    except CaseError as exc:
        pytest.fail(f"case {path.stem!r}: {exc}", pytrace=False)
    for number, step in enumerate(case["steps"], start=1):
        try:
            play_step(run, step, f"case {path.stem!r} step {number}")
        except CaseError as exc:
            pytest.fail(f"case {path.stem!r} step {number}: {exc}", pytrace=False)


def case_facts(given: Any) -> Facts:
    """The `facts:` of a case as the host would give them."""
    table: dict[str, tuple[str, dict[str, str]]] = {}
    for name, body in (given or {}).items():
        if not isinstance(body, dict):
            raise CaseError(f"a fact is {{on: KEY, values: {{...}}}}, not {body!r}")
        _only(body, {"on", "values"}, f"fact {name!r}")
        table[name] = (str(body["on"]), {str(k): str(v) for k, v in body["values"].items()})

    def facts(name: str, answers: Mapping[str, Any], /) -> str | None:
        if name not in table:
            return None
        key, values = table[name]
        return values.get(str(answers.get(key)))

    return facts


def case_chosen(given: Any) -> Chosen:
    """The `chosen:` of a case: what the resident chose from each host list before."""
    if not isinstance(given or {}, dict) or not all(
        isinstance(ids, list) for ids in (given or {}).values()
    ):
        raise CaseError(f"chosen is {{list name: [ids]}}, not {given!r}")
    table = {str(name): tuple(str(i) for i in ids) for name, ids in (given or {}).items()}

    def chosen(name: str, answers: Mapping[str, Any], /) -> tuple[str, ...]:
        return table.get(name, ())

    return chosen


def case_recorded(given: Any) -> Recorded:
    """The `recorded:` of a case: what each record holds now, by answer key."""
    if not isinstance(given or {}, dict) or not all(
        isinstance(held, dict) for held in (given or {}).values()
    ):
        raise CaseError(f"recorded is {{record: {{key: answer}}}}, not {given!r}")
    table = {str(name): dict(held) for name, held in (given or {}).items()}

    def recorded(record: str, key: str, /) -> Any:
        return table.get(record, {}).get(key)

    return recorded


def play_step(run: Run, step: dict[str, Any], where: str) -> None:
    """Play one step and compare what it gives with what it expects."""
    inputs = [k for k in INPUTS if k in step]
    if len(inputs) != 1:
        raise CaseError(f"a step needs one input of {list(INPUTS)}: {step!r}")
    [kind] = inputs
    where += f" ({kind}: {step[kind]!r})"
    if kind == "change_flow":
        _only(step, {kind}, "a change_flow step")
        run.change(step[kind])
        return
    _only(step, {kind, "events", "session"}, "a step")
    if "events" not in step:
        raise CaseError("give the step's 'events' (an empty list if there are none)")
    result = run.play(kind, step[kind])
    expected = [expected_event(e, run.flow.id) for e in step["events"] or []]
    actual = [actual_event(e) for e in result.events]
    if actual != expected:
        shown = [short(e, run.flow.id) for e in expected], [short(e, run.flow.id) for e in actual]
        pytest.fail(_differs(where, "the events differ", *shown), pytrace=False)
    if "session" in step:
        seen = session_view(run, result.session, step["session"], run.session)
        if seen != step["session"]:
            pytest.fail(
                _differs(where, "the session differs", step["session"], seen), pytrace=False
            )
    run.session = result.session
