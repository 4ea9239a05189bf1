"""Draw a flow as a Mermaid flowchart, to review its shape by eye (e.g. in a pull request)."""

from __future__ import annotations

from bot.flows.model import Flow, Node, NodeKind

LABEL_TEXT_MAX = 40
# '#' goes first: the other replacements introduce '#' themselves.
_ESCAPES = (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;"))


def to_mermaid(flow: Flow) -> str:
    """A `flowchart TD` with one box per node, in file order, and an edge per way onward."""
    # Mermaid ids are generated because flow ids such as "end" are Mermaid keywords.
    ids = {node_id: f"n{i}" for i, node_id in enumerate(flow.nodes)}
    lines = ["flowchart TD"]
    lines += [f'    {ids[node.id]}["{_label(node)}"]' for node in flow.nodes.values()]
    if flow.start in ids:
        lines.append(f'    start(("start")) --> {ids[flow.start]}')
    other_flows: dict[str, str] = {}
    for node in flow.nodes.values():
        for label, target in _edges(node):
            if target in ids:  # an unknown target is the validator's business, not drawn
                arrow = f"-->|{_escape(label)}|" if label is not None else "-->"
                lines.append(f"    {ids[node.id]} {arrow} {ids[target]}")
        if node.kind is NodeKind.END and node.then is not None:
            box = other_flows.get(node.then)
            if box is None:
                box = other_flows[node.then] = f"f{len(other_flows)}"
                lines.append(f'    {ids[node.id]} --> {box}(["flow:{_escape(node.then)}"])')
            else:
                lines.append(f"    {ids[node.id]} --> {box}")
    return "\n".join(lines) + "\n"


def _edges(node: Node) -> list[tuple[str | None, str]]:
    edges: list[tuple[str | None, str]] = []
    if node.next is not None and node.kind is not NodeKind.END:
        edges.append((None, node.next))
    edges += [(opt.id, opt.next) for opt in node.options if opt.next is not None]
    edges += [(case.when, case.next) for case in node.cases]
    if node.default is not None:
        edges.append(("otherwise", node.default))
    return edges


def _label(node: Node) -> str:
    label = f"{node.id} ({node.kind.value})"
    if node.text:
        text = " ".join(node.text.split())
        if len(text) > LABEL_TEXT_MAX:
            cut = text[: LABEL_TEXT_MAX + 1]  # one more, to keep a word that ends right at the max
            text = (cut.rsplit(" ", 1)[0] if " " in cut else cut[:-1]).rstrip() + "..."
        label += f"<br/>{_escape(text)}"
    return label


def _escape(text: str) -> str:
    for plain, code in _ESCAPES:
        text = text.replace(plain, code)
    return text
