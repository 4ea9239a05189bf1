"""A session's copies: `evolve` changes what it is given and nothing else."""

from __future__ import annotations

import json

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


def test_ticks_left_by_back_are_stored_with_the_session() -> None:
    session = Session("measures", "abc", "project").evolve(
        left_ticked={"votes": (("m2",), ("m1", "m2"))}
    )
    stored = session.to_json()
    assert json.loads(stored)["left_ticked"] == {"votes": [["m2"], ["m1", "m2"]]}
    again = Session.from_row("measures", "abc", "project", stored, session.status)
    assert again.left_ticked == {"votes": (("m2",), ("m1", "m2"))}
    # None left: nothing more is stored than before.
    assert "left_ticked" not in Session("measures", "abc", "project").to_json()
