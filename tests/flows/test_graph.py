from __future__ import annotations

from pathlib import Path

from bot.flows.graph import to_mermaid
from bot.flows.loader import load_flow

SMALL = """\
id: small
title: Small
start: ask
nodes:
  - id: intro
    kind: message
    text: 'Say "hello" to <everyone> in room #1 | and this part is cut off'
    next: end
  - id: ask
    kind: choice
    text: "Again?"
    save_as: again
    options:
      - {id: "yes", label: "Yes", next: intro}
      - {id: "no", label: "No"}
    next: check
  - id: check
    kind: branch
    on: again
    cases:
      - {when: "no", next: end}
    default: jump
  - id: jump
    kind: goto
    next: ask
  - id: end
    kind: end
    then: menu
  - id: other_end
    kind: end
    text: "Bye"
    then: menu
"""


def test_mermaid_for_a_small_flow(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    flow, problems = load_flow(path)
    assert problems == []
    assert flow is not None
    assert to_mermaid(flow) == (
        "flowchart TD\n"
        '    n0["intro (message)<br/>'
        'Say #quot;hello#quot; to #lt;everyone#gt; in room #35;1 #124;..."]\n'
        '    n1["ask (choice)<br/>Again?"]\n'
        '    n2["check (branch)"]\n'
        '    n3["jump (goto)"]\n'
        '    n4["end (end)"]\n'
        '    n5["other_end (end)<br/>Bye"]\n'
        '    start(("start")) --> n1\n'
        "    n0 --> n4\n"
        "    n1 --> n2\n"
        "    n1 -->|yes| n0\n"
        "    n2 -->|no| n4\n"
        "    n2 -->|otherwise| n3\n"
        "    n3 --> n1\n"
        '    n4 --> f0(["flow:menu"])\n'
        "    n5 --> f0\n"
    )
    assert to_mermaid(flow) == to_mermaid(flow)
