"""The rules a loaded flow must keep; every broken rule is reported, not just the first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.flows.callback import CALLBACK_DATA_MAX, callback_data_length
from bot.flows.model import (
    CONSENT_NO,
    CONSENT_YES,
    CONTROL_IDS,
    OPTION_KINDS,
    QUESTION_KINDS,
    Flow,
    Node,
    NodeKind,
    Source,
)
from bot.flows.problems import Problem, by_position, did_you_mean

# Option lists filled by the host (options_from) are unknown here, so assume ids this long.
HOST_OPTION_ID_MAX = 16
TEXT_MAX_LENGTH = 4096  # Telegram's message limit
NEEDS_TEXT = QUESTION_KINDS | {NodeKind.MESSAGE}
_FIXED_ANSWERS = (CONSENT_YES, CONSENT_NO)


def validate_all(flows: Mapping[str, Flow]) -> list[Problem]:
    """Problems in every flow, checking `then:` against the flows given."""
    known = set(flows)
    return [problem for flow in flows.values() for problem in validate_flow(flow, known)]


def validate_flow(flow: Flow, known_flows: set[str] | None = None) -> list[Problem]:
    """Problems in one flow, by line; `then:` is checked only when `known_flows` is given."""
    check = _Check(flow, known_flows)
    check.run()
    return by_position(check.problems)


def targets(node: Node) -> list[str]:
    """Every node id this node can lead to: next, option next, case next, default."""
    # The engine never follows `next` from an end node (the validator refuses it anyway).
    found = [node.next] if node.next and node.kind is not NodeKind.END else []
    found += [opt.next for opt in node.options if opt.next]
    found += [case.next for case in node.cases]
    found += [node.default] if node.default else []
    return found


class _Check:
    def __init__(self, flow: Flow, known_flows: set[str] | None) -> None:
        self.flow = flow
        self.known_flows = known_flows
        self.problems: list[Problem] = []
        self.position = {node_id: i for i, node_id in enumerate(flow.nodes)}
        self.savers: dict[str, list[Node]] = {}
        for node in flow.nodes.values():
            if node.save_as:
                self.savers.setdefault(node.save_as, []).append(node)

    def problem(self, source: Source, node: Node | None, message: str) -> None:
        node_id = node.id if node is not None else None
        self.problems.append(Problem.at(source, self.flow.id, node_id, message))

    def run(self) -> None:
        flow = self.flow
        if flow.start not in flow.nodes:
            hint = did_you_mean(flow.start, flow.nodes)
            self.problem(flow.source, None, f"start node '{flow.start}' does not exist{hint}")
        for node in flow.nodes.values():
            self.text(node)
            self.onward(node)
            self.options(node)
            self.kind_rules(node)
            self.callback_data(node)
        self.reachable()
        self.loops()

    def target(self, source: Source, node: Node, what: str, target: str) -> None:
        if target not in self.flow.nodes:
            hint = did_you_mean(target, self.flow.nodes)
            self.problem(source, node, f"{what} points to unknown node '{target}'{hint}")

    # -- per node --------------------------------------------------------------------------

    def text(self, node: Node) -> None:
        if node.kind in NEEDS_TEXT and not node.text:
            self.problem(node.source, node, f"a {node.kind.value} node needs 'text'")

    def onward(self, node: Node) -> None:
        if node.next is not None and node.kind is NodeKind.END:
            message = "an end node must not have 'next' (use 'then' to start another flow)"
            self.problem(node.source, node, message)
            return
        if node.next is not None:
            self.target(node.source, node, "'next'", node.next)
            return
        if node.kind in (NodeKind.END, NodeKind.BRANCH):
            return
        if node.kind is NodeKind.CHOICE and node.options and not node.options_from:
            stuck = [opt.id for opt in node.options if opt.next is None]
            if stuck:
                self.problem(
                    node.source,
                    node,
                    f"no way onward from options {_quoted(stuck)}: "
                    "add 'next' to the node or to each option",
                )
            return
        self.problem(node.source, node, "no way onward: add 'next'")

    def options(self, node: Node) -> None:
        first_line: dict[str, int] = {}
        for opt in node.options:
            source = opt.source or node.source
            if opt.id in first_line:
                self.problem(
                    source,
                    node,
                    f"duplicate option id '{opt.id}' (first on line {first_line[opt.id]})",
                )
            else:
                first_line[opt.id] = source.line
            if opt.alone and node.kind is not NodeKind.MULTI_CHOICE:
                self.problem(
                    source,
                    node,
                    f"option '{opt.id}' has 'alone', but only options of a multi_choice node "
                    "can stand alone",
                )
            if opt.next is None:
                continue
            if node.kind is NodeKind.CHOICE:
                self.target(source, node, f"option '{opt.id}'", opt.next)
            else:
                self.problem(
                    source,
                    node,
                    f"option '{opt.id}' has 'next', but only options of a choice node "
                    "can lead elsewhere",
                )

    def kind_rules(self, node: Node) -> None:
        kind = node.kind
        if kind in (NodeKind.CHOICE, NodeKind.MULTI_CHOICE):
            self.choices(node)
        elif kind is NodeKind.RANK:
            self.rank(node)
        elif kind is NodeKind.CONSENT and node.options:
            self.problem(
                node.source, node, "a consent node must not list options: it always has yes and no"
            )
        elif kind is NodeKind.TEXT:
            self.text_limit(node)
            self.settable_by_voice(node)
        elif kind is NodeKind.LOCATION:
            self.settable_by_voice(node)
        elif kind is NodeKind.NUMBER:
            self.number_range(node)
        elif kind is NodeKind.BRANCH:
            self.branch(node)
        elif kind is NodeKind.END:
            self.then(node)
        if node.separate and not node.text:
            self.problem(node.source, node, "'separate' needs a 'text' to send on its own")

    def choices(self, node: Node) -> None:
        if node.options and node.options_from:
            self.problem(node.source, node, "use 'options' or 'options_from', not both")
        elif not node.options and not node.options_from:
            self.problem(
                node.source, node, f"a {node.kind.value} node needs 'options' or 'options_from'"
            )
        # max_choices left out means "as many as there are options".
        if node.max_choices is not None and node.max_choices < 1:
            self.problem(node.source, node, "'max_choices' must be at least 1")

    def number_range(self, node: Node) -> None:
        low, high = node.min_value, node.max_value
        if low is not None and high is not None and low > high:
            self.problem(node.source, node, f"'min' ({low:g}) is more than 'max' ({high:g})")

    def then(self, node: Node) -> None:
        if node.then is None or self.known_flows is None or node.then in self.known_flows:
            return
        hint = did_you_mean(node.then, self.known_flows)
        self.problem(node.source, node, f"'then' names unknown flow '{node.then}'{hint}")

    def text_limit(self, node: Node) -> None:
        if node.max_length is None:
            return
        if node.max_length < 1:
            self.problem(node.source, node, "'max_length' must be at least 1")
        elif node.max_length > TEXT_MAX_LENGTH:
            self.problem(
                node.source,
                node,
                f"'max_length' can be at most {TEXT_MAX_LENGTH} (Telegram's message limit)",
            )

    def settable_by_voice(self, node: Node) -> None:
        # A voice note cannot be a language or an area: the resident would be left with none.
        for effect in node.effects:
            if effect.action == "set" and node.voice:
                self.problem(
                    node.source,
                    node,
                    f"'set: {effect.target}' needs a typed answer: add 'voice: false', so a "
                    "voice note is refused and the question asked again",
                )

    def rank(self, node: Node) -> None:
        if node.options and node.items_from:
            self.problem(node.source, node, "use 'options' or 'items_from', not both")
        elif not node.options and not node.items_from:
            self.problem(node.source, node, "a rank node needs 'items_from' or 'options'")
        if not node.items_from:
            return
        # The engine takes the items from the first node saving this key, so check that one.
        source = self.items_source(node)
        if source is None:
            hint = did_you_mean(node.items_from, self.savers)
            self.problem(
                node.source,
                node,
                f"'items_from' names '{node.items_from}', which no node saves{hint}",
            )
        elif source.kind is not NodeKind.MULTI_CHOICE:
            self.problem(
                node.source,
                node,
                f"'items_from' names '{node.items_from}', saved by the {source.kind.value} "
                f"node '{source.id}'; it must be a multi_choice",
            )
        elif self.position[source.id] > self.position[node.id]:
            self.problem(
                node.source,
                node,
                f"'items_from' names '{node.items_from}', saved by node '{source.id}', "
                "which comes after this node",
            )

    def items_source(self, node: Node) -> Node | None:
        savers = self.savers.get(node.items_from or "")
        return savers[0] if savers else None

    def branch(self, node: Node) -> None:
        if node.on is None:
            self.problem(node.source, node, "a branch node needs 'on' (a save_as key)")
        elif node.on not in self.savers and node.on not in self.flow.given:
            hint = did_you_mean(node.on, [*self.savers, *self.flow.given])
            self.problem(node.source, node, f"'on' names '{node.on}', which no node saves{hint}")
        answers = self.possible_answers(node.on)
        if not node.cases:
            self.problem(node.source, node, "a branch node needs at least one case")
        first_line: dict[str, int] = {}
        for case in node.cases:
            source = case.source or node.source
            self.target(source, node, f"case '{case.when}'", case.next)
            if case.when in first_line:
                self.problem(
                    source,
                    node,
                    f"case '{case.when}' repeats line {first_line[case.when]}, "
                    "so it can never be taken",
                )
            first_line.setdefault(case.when, source.line)
            if answers is not None and case.when not in answers:
                self.problem(
                    source,
                    node,
                    f"case '{case.when}' can never match: '{node.on}' is one of {_quoted(answers)}",
                )
        if node.default is None:
            self.problem(node.source, node, "branch has no default")
        else:
            self.target(node.source, node, "'default'", node.default)

    def possible_answers(self, key: str | None) -> list[str] | None:
        """Every answer saved under `key`, or None when some node takes open answers."""
        savers = self.savers.get(key or "")
        if not savers:
            given = self.flow.given.get(key or "")
            return list(given) if given else None
        answers: dict[str, None] = {}  # ordered and without repeats
        for saver in savers:
            if saver.kind is NodeKind.CONSENT:
                found = list(_FIXED_ANSWERS)
            elif saver.kind in (NodeKind.CHOICE, NodeKind.MULTI_CHOICE) and not saver.options_from:
                found = [opt.id for opt in saver.options]
            else:
                return None
            answers.update(dict.fromkeys(found))
        return list(answers) or None

    def callback_data(self, node: Node) -> None:
        if node.kind not in QUESTION_KINDS:
            return
        # Every question may show the controls, whatever its kind.
        needed = max(callback_data_length(node.id, control) for control in CONTROL_IDS)
        if needed > CALLBACK_DATA_MAX:
            self.problem(
                node.source, node, "node id is too long for Telegram buttons" + _bytes(needed)
            )
            return
        if node.kind not in OPTION_KINDS:
            return
        for opt in node.options:
            self.option_fits(opt.source or node.source, node, f"option id '{opt.id}' is", opt.id)
        host_list = node.options_from
        if node.kind is NodeKind.RANK and node.items_from and not node.options:
            source = self.items_source(node)
            if source is not None:
                host_list = source.options_from
                for opt in source.options:
                    what = f"item '{opt.id}' from '{node.items_from}' is"
                    self.option_fits(node.source, node, what, opt.id)
        if host_list:
            what = f"options from '{host_list}' (ids up to {HOST_OPTION_ID_MAX} characters) are"
            self.option_fits(node.source, node, what, "x" * HOST_OPTION_ID_MAX)

    def option_fits(self, source: Source, node: Node, what: str, option_id: str) -> None:
        needed = callback_data_length(node.id, option_id)
        if needed > CALLBACK_DATA_MAX:
            self.problem(source, node, f"{what} too long for Telegram buttons" + _bytes(needed))

    # -- whole flow ------------------------------------------------------------------------

    def reachable(self) -> None:
        if self.flow.start not in self.flow.nodes:
            return  # already reported; every node would look unreachable
        seen = {self.flow.start}
        todo = [self.flow.start]
        while todo:
            for target in targets(self.flow.nodes[todo.pop()]):
                if target in self.flow.nodes and target not in seen:
                    seen.add(target)
                    todo.append(target)
        for node in self.flow.nodes.values():
            if node.id not in seen:
                self.problem(
                    node.source, node, f"cannot be reached from the start node '{self.flow.start}'"
                )

    def loops(self) -> None:
        """Report cycles of nodes that never wait: the engine would go round them forever."""
        # Answers cannot change inside such a cycle, so a branch that enters it once always will.
        nodes = self.flow.nodes
        hops = {
            node.id: [t for t in targets(node) if t in nodes and not nodes[t].is_question]
            for node in nodes.values()
            if not node.is_question
        }
        reach = {node_id: _closure(node_id, hops) for node_id in hops}
        reported: set[str] = set()
        for node_id in hops:
            if node_id in reported or node_id not in reach[node_id]:
                continue
            ring = [other for other in hops if other in reach[node_id] and node_id in reach[other]]
            reported.update(ring)
            self.problem(
                nodes[node_id].source,
                nodes[node_id],
                f"loop with no question in it, so the flow would never stop: {_quoted(ring)}",
            )


def _closure(start: str, hops: Mapping[str, list[str]]) -> set[str]:
    """Node ids reachable from `start` in one or more hops."""
    seen: set[str] = set()
    todo = list(hops[start])
    while todo:
        node_id = todo.pop()
        if node_id not in seen:
            seen.add(node_id)
            todo.extend(hops[node_id])
    return seen


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _bytes(needed: int) -> str:
    return f": callback data would need {needed} bytes, the limit is {CALLBACK_DATA_MAX}"
