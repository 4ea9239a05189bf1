"""A session's copies: `evolve` changes what it is given and nothing else."""

from __future__ import annotations

import pytest

from bot.flows.session import FINISHED, Session


def test_evolve_changes_only_what_it_is_given() -> None:
    before = Session("priorities", "abc", "pick", {"area": "Riverside"}, ("a",), ("start",))
    after = before.evolve(node_id="rank", pending=(), status=FINISHED)
    assert after == Session(
        "priorities", "abc", "rank", {"area": "Riverside"}, (), ("start",), FINISHED
    )
    assert before.node_id == "pick" and before.pending == ("a",) and before.active


def test_evolve_refuses_a_field_sessions_do_not_have() -> None:
    with pytest.raises(TypeError, match="Session has no field nodeid"):
        Session("priorities", "abc", "pick").evolve(nodeid="rank")
