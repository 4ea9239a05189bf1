"""Read flows/*.yaml into frozen Flow objects; anything doubtful becomes a Problem.

The YAML is read as a plain node tree and converted here, not by PyYAML's constructor: every
scalar starts out as a string, so `id: on` stays "on" and `optional: yes` is refused rather
than silently turned into a boolean. Duplicate keys, anchors, aliases and tags are refused.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, Event, NodeEvent, ScalarEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YamlNode

from bot.flows.model import Case, Effect, Flow, Node, NodeKind, Option, Source
from bot.flows.problems import Problem, by_position, did_you_mean

# Ids starting with "_" are kept for the controls (model.CONTROL_IDS).
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
FLOW_SUFFIXES = (".yaml", ".yml")
EFFECT_ACTIONS = ("set", "record", "forget")

_FLOW_KEYS = frozenset({"id", "title", "description", "start", "given", "nodes"})
_OPTION_KEYS = frozenset({"id", "label", "next", "alone"})
_CASE_KEYS = frozenset({"when", "next"})

_ANY = frozenset({"id", "kind", "forget"})
_SAYS = frozenset({"text", "note"})
_ASKS = _ANY | _SAYS | {"next", "save_as", "optional", "set", "record"}
# Which keys each kind takes. `options` on consent and `next` on end are let through so the
# validator can explain what to do instead.
_NODE_KEYS: dict[NodeKind, frozenset[str]] = {
    NodeKind.MESSAGE: _ANY | _SAYS | {"next", "separate"},
    NodeKind.CHOICE: _ASKS
    | {"options", "options_from", "for_each", "ask_if_one", "no_match", "label_context"},
    NodeKind.MULTI_CHOICE: _ASKS | {"options", "options_from", "max_choices", "label_context"},
    NodeKind.RANK: _ASKS | {"options", "items_from"},
    NodeKind.TEXT: _ASKS | {"max_length", "voice", "help_is_answer"},
    NodeKind.NUMBER: _ASKS | {"min", "max", "integer"},
    NodeKind.LOCATION: _ASKS | {"max_length", "voice", "help_is_answer"},
    NodeKind.CONSENT: _ASKS | {"options"},
    NodeKind.BRANCH: _ANY | {"on", "cases", "default"},
    NodeKind.GOTO: _ANY | {"next"},
    NodeKind.END: _ANY | _SAYS | {"then", "next", "record", "separate"},
}
_ALL_NODE_KEYS = frozenset().union(*_NODE_KEYS.values())

_Fields = dict[str, tuple[ScalarNode, YamlNode]]


def load_flow(path: Path) -> tuple[Flow | None, list[Problem]]:
    """Read one flow file; the flow is None whenever there is any problem."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(file, 0, None, None, f"cannot read the file: {exc.strerror}")]
    return load_flow_bytes(raw, file)


def load_flow_bytes(raw: bytes, file: str) -> tuple[Flow | None, list[Problem]]:
    """Read one flow from its file's bytes (`file` names it in problems)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, [Problem(file, line, None, None, "the file is not UTF-8 text")]
    root, problems = _compose(file, text)
    if root is None:
        return None, problems
    reader = _Reader(file)
    flow = reader.flow_from(root, content_hash(raw))
    if reader.problems:
        return None, by_position(reader.problems)
    return flow, []


def content_hash(raw: bytes) -> str:
    """The version of a flow file: a hash of its bytes."""
    return hashlib.sha256(raw).hexdigest()[:16]


def load_flows(paths: Path | Iterable[Path]) -> tuple[dict[str, Flow], list[Problem]]:
    """Read flow files and directories (every *.yaml / *.yml inside, sorted) into flows by id."""
    files, problems = flow_files(paths)
    flows: dict[str, Flow] = {}
    for file in files:
        flow, found = load_flow(file)
        problems.extend(found)
        if flow is None:
            continue
        first = flows.get(flow.id)
        if first is not None:
            problems.append(
                Problem.at(
                    flow.source,
                    flow.id,
                    None,
                    f"flow id '{flow.id}' is already used in {first.source.file}",
                )
            )
            continue
        flows[flow.id] = flow
    return flows, problems


def flow_files(paths: Path | Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The flow files named by `paths`, with directories expanded, and any missing path."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in [paths] if isinstance(paths, Path) else paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix in FLOW_SUFFIXES and p.is_file() and not p.name.startswith(".")
            )
            if not found:
                problems.append(Problem(str(path), 0, None, None, "no *.yaml flow files here"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(str(path), 0, None, None, "no such file or directory"))
    return files, problems


def _compose(file: str, text: str) -> tuple[YamlNode | None, list[Problem]]:
    """The YAML node tree of `text`, or None with the problems that stop it being read."""
    try:
        problems = [
            Problem(file, _mark_line(event.start_mark), None, None, message)
            for event in yaml.parse(text, Loader=yaml.SafeLoader)
            if (message := _refusal(event))
        ]
        if problems:
            return None, problems
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(file, exc)]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks all its parse errors
        return None, [Problem(file, 0, None, None, f"invalid YAML: {exc}")]
    if root is None:
        return None, [Problem(file, 0, None, None, "the file is empty")]
    return root, []


def _refusal(event: Event) -> str | None:
    # Aliases would let one node appear twice, and tags would bypass our own conversion.
    if isinstance(event, AliasEvent):
        return f"aliases (*{event.anchor}) are not allowed: write the value out in full"
    if isinstance(event, NodeEvent) and event.anchor is not None:
        return f"anchors (&{event.anchor}) are not allowed"
    if isinstance(event, ScalarEvent | CollectionStartEvent) and event.tag is not None:
        return f"tags ({event.tag}) are not allowed"
    return None


def _syntax_problem(file: str, exc: yaml.MarkedYAMLError) -> Problem:
    line = _mark_line(exc.problem_mark or exc.context_mark)
    message = f"invalid YAML: {exc.problem or 'cannot read this'}"
    if exc.context:
        # The context often starts earlier (an unclosed bracket), so name its line too.
        context_line = _mark_line(exc.context_mark) or line
        where = f" on line {context_line}" if context_line != line else ""
        message += f" ({exc.context}{where})"
    return Problem(file, line, None, None, message)


class _Marked(Protocol):
    line: int


def _mark_line(mark: _Marked | None) -> int:
    return mark.line + 1 if mark is not None else 0


def _line(node: YamlNode) -> int:
    return int(node.start_mark.line) + 1


def _shape(node: YamlNode) -> str:
    if isinstance(node, MappingNode):
        return "a set of keys"
    if isinstance(node, SequenceNode):
        return "a list"
    return "text"


def _peek_id(node: YamlNode) -> str | None:
    """The mapping's valid `id`, so problems found before it is read can still name it."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id" and isinstance(value, ScalarNode):
                return str(value.value) if ID_PATTERN.fullmatch(str(value.value)) else None
    return None


class _Reader:
    """Converts one file's node tree, collecting problems with the flow and node they are in."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.flow: str | None = None
        self.node: str | None = None
        self.problems: list[Problem] = []

    def problem(self, at: YamlNode, message: str) -> None:
        self.problems.append(Problem(self.file, _line(at), self.flow, self.node, message))

    def source(self, at: YamlNode) -> Source:
        return Source(self.file, _line(at))

    # -- the document ----------------------------------------------------------------------

    def flow_from(self, root: YamlNode, content_hash: str) -> Flow | None:
        self.flow = _peek_id(root)
        fields = self.fields(root, "a flow file", _FLOW_KEYS)
        if fields is None:
            return None
        flow_id = self.ident(root, fields, "id", "flow id")
        self.flow = flow_id
        title = self.text(root, fields, "title", required=True)
        description = self.text(root, fields, "description")
        start = self.text(root, fields, "start", required=True)
        given = self.given(fields)
        nodes: dict[str, Node] = {}
        for item in self.items(root, fields, "nodes", required=True):
            node = self.node_from(item)
            if node is None:
                continue
            first = nodes.get(node.id)
            if first is not None:
                self.problem(
                    item, f"duplicate node id '{node.id}' (first on line {first.source.line})"
                )
                continue
            nodes[node.id] = node
        self.node = None
        if flow_id is None or title is None or start is None:
            return None
        return Flow(
            id=flow_id,
            title=title,
            start=start,
            nodes=nodes,
            source=self.source(root),
            content_hash=content_hash,
            description=description,
            given=given,
        )

    def given(self, fields: _Fields) -> dict[str, tuple[str, ...]]:
        """`given: {round_open: [yes, no]}`: answers the host seeds, with their values."""
        if "given" not in fields:
            return {}
        value = fields["given"][1]
        entries = self.fields(value, "'given' (key: [values] lines)")
        if entries is None:
            return {}
        given: dict[str, tuple[str, ...]] = {}
        for key, (key_node, values) in entries.items():
            if not ID_PATTERN.fullmatch(key):
                self.problem(key_node, f"'{key}' is not a valid key for 'given'")
                continue
            if not isinstance(values, SequenceNode) or not all(
                isinstance(v, ScalarNode) for v in values.value
            ):
                self.problem(
                    values, f"'given: {key}' must list its possible values, like [yes, no]"
                )
                continue
            given[key] = tuple(str(v.value) for v in values.value)
        return given

    def node_from(self, item: YamlNode) -> Node | None:
        self.node = _peek_id(item)
        fields = self.fields(item, "a node")
        if fields is None:
            return None
        node_id = self.ident(item, fields, "id", "node id")
        self.node = node_id
        kind = self.kind(item, fields)
        self.keep_known(fields, _NODE_KEYS[kind] if kind else _ALL_NODE_KEYS, kind)
        context = self.text(item, fields, "label_context")
        effects = tuple(
            Effect(action, target)
            for action in EFFECT_ACTIONS
            if (target := self.text(item, fields, action)) is not None
        )
        node = Node(
            id=node_id or "",
            kind=kind or NodeKind.MESSAGE,
            source=self.source(item),
            text=self.text(item, fields, "text"),
            note=self.text(item, fields, "note"),
            next=self.text(item, fields, "next"),
            options=tuple(
                replace(option, context=context) if context else option
                for entry in self.items(item, fields, "options")
                if (option := self.option_from(entry)) is not None
            ),
            options_from=self.ident(item, fields, "options_from", "option list name", False),
            for_each=self.ident(item, fields, "for_each", "item list name", False),
            label_context=context,
            save_as=self.ident(item, fields, "save_as", "save_as key", False),
            optional=self.boolean(fields, "optional", False),
            max_choices=self.integer(fields, "max_choices"),
            items_from=self.text(item, fields, "items_from"),
            max_length=self.integer(fields, "max_length"),
            voice=self.boolean(fields, "voice", True),
            help_is_answer=self.boolean(fields, "help_is_answer", False),
            ask_if_one=self.boolean(fields, "ask_if_one", True),
            no_match=self.text(item, fields, "no_match"),
            min_value=self.number(fields, "min"),
            max_value=self.number(fields, "max"),
            integer=self.boolean(fields, "integer", True),
            on=self.text(item, fields, "on"),
            cases=tuple(
                case
                for entry in self.items(item, fields, "cases")
                if (case := self.case_from(entry)) is not None
            ),
            default=self.text(item, fields, "default"),
            then=self.text(item, fields, "then"),
            effects=effects,
            separate=self.boolean(fields, "separate", False),
        )
        return node if node_id is not None and kind is not None else None

    def kind(self, item: YamlNode, fields: _Fields) -> NodeKind | None:
        value = self.text(item, fields, "kind", required=True)
        if value is None:
            return None
        try:
            return NodeKind(value)
        except ValueError:
            kinds = [k.value for k in NodeKind]
            hint = did_you_mean(value, kinds) or f" (use one of: {', '.join(kinds)})"
            self.problem(fields["kind"][1], f"unknown kind '{value}'{hint}")
            return None

    def option_from(self, entry: YamlNode) -> Option | None:
        fields = self.fields(entry, "an option", _OPTION_KEYS)
        if fields is None:
            return None
        option_id = self.ident(entry, fields, "id", "option id")
        label = self.text(entry, fields, "label", required=True)
        next_ = self.text(entry, fields, "next")
        alone = self.boolean(fields, "alone", False)
        if option_id is None or label is None:
            return None
        return Option(option_id, label, next_, self.source(entry), alone=alone)

    def case_from(self, entry: YamlNode) -> Case | None:
        fields = self.fields(entry, "a case", _CASE_KEYS)
        if fields is None:
            return None
        when = self.text(entry, fields, "when", required=True)
        next_ = self.text(entry, fields, "next", required=True)
        if when is None or next_ is None:
            return None
        return Case(when, next_, self.source(entry))

    # -- mappings --------------------------------------------------------------------------

    def fields(
        self, node: YamlNode, what: str, allowed: frozenset[str] | None = None
    ) -> _Fields | None:
        """The keys of a mapping (first of any duplicates), reporting duplicates and strays."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"expected {what} (key: value lines), found {_shape(node)}")
            return None
        fields: _Fields = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.problem(key, f"keys must be plain words, not {_shape(key)}")
                continue
            first = fields.get(key.value)
            if first is not None:
                self.problem(key, f"duplicate key '{key.value}' (first on line {_line(first[0])})")
                continue
            fields[key.value] = (key, value)
        if allowed is not None:
            self.keep_known(fields, allowed, None)
        return fields

    def keep_known(self, fields: _Fields, allowed: frozenset[str], kind: NodeKind | None) -> None:
        """Report and drop keys that are not `allowed` (for a node: for its kind)."""
        for name, (key, _) in list(fields.items()):
            if name in allowed:
                continue
            del fields[name]
            if kind is not None and name in _ALL_NODE_KEYS:
                self.problem(key, f"'{name}' does not apply to a {kind.value} node")
            else:
                self.problem(key, f"unknown key '{name}'{did_you_mean(name, allowed)}")

    # -- values ----------------------------------------------------------------------------

    def text(
        self, owner: YamlNode, fields: _Fields, key: str, required: bool = False
    ) -> str | None:
        """A string value (None if absent); every scalar counts, so `yes` is just "yes"."""
        if key not in fields:
            if required:
                self.problem(owner, f"missing '{key}'")
            return None
        value = fields[key][1]
        if not isinstance(value, ScalarNode):
            self.problem(value, f"'{key}' must be text, not {_shape(value)}")
            return None
        if not str(value.value).strip():
            self.problem(value, f"'{key}' has no value")
            return None
        return str(value.value)

    def ident(
        self, owner: YamlNode, fields: _Fields, key: str, what: str, required: bool = True
    ) -> str | None:
        value = self.text(owner, fields, key, required)
        if value is not None and not ID_PATTERN.fullmatch(value):
            self.problem(
                fields[key][1],
                f"'{value}' is not a valid {what}: use lowercase letters, digits, '_' and '-', "
                "starting with a letter or digit",
            )
            return None
        return value

    def items(
        self, owner: YamlNode, fields: _Fields, key: str, required: bool = False
    ) -> list[YamlNode]:
        if key not in fields:
            if required:
                self.problem(owner, f"missing '{key}'")
            return []
        value = fields[key][1]
        if not isinstance(value, SequenceNode):
            self.problem(
                value, f"'{key}' must be a list (lines starting '- '), not {_shape(value)}"
            )
            return []
        return list(value.value)

    def scalar(self, fields: _Fields, key: str) -> tuple[YamlNode, str] | None:
        if key not in fields:
            return None
        value = fields[key][1]
        if not isinstance(value, ScalarNode):
            self.problem(value, f"'{key}' must be a single value, not {_shape(value)}")
            return None
        return value, str(value.value).strip()

    def integer(self, fields: _Fields, key: str) -> int | None:
        found = self.scalar(fields, key)
        if found is None:
            return None
        value, raw = found
        if not re.fullmatch(r"[+-]?[0-9]+", raw):
            self.problem(value, f"'{key}' must be a whole number, not '{raw}'")
            return None
        return int(raw)

    def number(self, fields: _Fields, key: str) -> float | None:
        found = self.scalar(fields, key)
        if found is None:
            return None
        value, raw = found
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.problem(value, f"'{key}' must be a number, not '{raw}'")
            return None
        return number

    def boolean(self, fields: _Fields, key: str, default: bool) -> bool:
        found = self.scalar(fields, key)
        if found is None:
            return default
        value, raw = found
        if raw not in ("true", "false"):
            self.problem(value, f"'{key}' is '{raw}': use true or false")
            return default
        return raw == "true"
