"""A babel extractor for flow files: the resident-facing strings in flows/*.yaml.

Registered as the `community_voice_flows` extraction method (entry point group
`babel.extractors`), so `pybabel extract -F babel.cfg` reads flows next to the Python code.

Extracted: the flow's `title`, every node's `text` and `no_match`, and every option's `label`.
Each message gets the node's `note:` (a note for translators) and a reference comment such as
`flow: onboarding, node: consent`, so translators see where a string is used. A text written as
`{one: ..., other: ...}` becomes a plural message, as from `ngettext(one, other, n)`.

Like every babel extractor this never raises on bad input: a file that is not UTF-8, not valid
YAML or not a flow yields nothing (`community-voice validate` explains what is wrong with it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YamlNode

# (line, keyword, message, comments): babel's extractor protocol. The keyword is None for a
# plain message, or "ngettext" for a (singular, plural) pair.
Extracted = tuple[int, str | None, str | tuple[str, ...], list[str]]

PLURAL_KEYWORD = "ngettext"
CONTEXT_KEYWORD = "pgettext"  # an option label with its question's label_context


def extract_flow(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Yield the translatable strings of one flow file, in file order."""
    encoding = str(options.get("encoding") or "utf-8")
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a byte order mark is not part of the YAML
    try:
        text = fileobj.read().decode(encoding)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (UnicodeDecodeError, LookupError, RecursionError, yaml.YAMLError):
        return
    fields = _fields(root)
    flow_id, nodes = _scalar(fields.get("id")), fields.get("nodes")
    if flow_id is None or not isinstance(nodes, SequenceNode):
        return  # some other YAML file, not a flow
    plurals = PLURAL_KEYWORD in keywords
    title = fields.get("title")
    yield from _messages(title, [f"flow: {flow_id}, title"], plurals)
    for position, item in enumerate(nodes.value, start=1):
        node = _fields(item)
        node_name = _scalar(node.get("id")) or f"#{position}"
        note = _scalar(node.get("note"))
        notes = [note.strip()] if note and note.strip() else []
        where = f"flow: {flow_id}, node: {node_name}"
        yield from _messages(node.get("text"), [*notes, where], plurals)
        unmatched = [*notes, f"{where}, said when typed words match no option"]
        yield from _messages(node.get("no_match"), unmatched, plurals)
        options_node = node.get("options")
        if not isinstance(options_node, SequenceNode):
            continue
        context = _scalar(node.get("label_context"))
        for number, entry in enumerate(options_node.value, start=1):
            option = _fields(entry)
            option_name = _scalar(option.get("id")) or f"#{number}"
            comments = [*notes, f"{where}, option: {option_name}"]
            label = _scalar(option.get("label"))
            if context and label and label.strip():
                # Translated for this question alone (babel reads the pair as pgettext's).
                yield _line(option.get("label")), CONTEXT_KEYWORD, (context, label), comments
                continue
            yield from _messages(option.get("label"), comments, plurals)


def _messages(value: YamlNode | None, comments: list[str], plurals: bool) -> Iterator[Extracted]:
    """The message in `value`: a non-blank text, or a {one, other} mapping as a plural."""
    text = _scalar(value)
    if text is not None:
        if text.strip():
            yield _line(value), None, text, comments
        return
    forms = _fields(value)
    one, other = _scalar(forms.get("one")), _scalar(forms.get("other"))
    # Without the ngettext keyword babel could only keep the singular, which would never be
    # looked up, so the pair is left out.
    if plurals and one and one.strip() and other and other.strip():
        yield _line(forms["one"]), PLURAL_KEYWORD, (one, other), comments


def _fields(node: YamlNode | None) -> dict[str, YamlNode]:
    """A mapping's values by key (the first of any duplicates, as the loader does)."""
    fields: dict[str, YamlNode] = {}
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                fields.setdefault(str(key.value), value)
    return fields


def _scalar(node: YamlNode | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _line(node: YamlNode | None) -> int:
    """1-based line where the value starts (for `key: |` blocks, the line of the key)."""
    return int(node.start_mark.line) + 1 if node is not None else 0
