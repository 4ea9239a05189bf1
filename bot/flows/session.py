"""A participant's place in a flow: plain data, serialisable to JSON for the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

ACTIVE = "active"
FINISHED = "finished"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Session:
    """Where a participant is in a flow, and what they have answered in it so far."""

    flow_id: str
    flow_hash: str
    node_id: str | None
    answers: dict[str, Any] = field(default_factory=dict, hash=False)
    # Work in progress on the current question: ticked options of a multi_choice, or the
    # order so far of a rank. Cleared whenever the session moves to another node.
    pending: tuple[str, ...] = ()
    # Question nodes answered, most recent last, so "back" can step to the previous one.
    history: tuple[str, ...] = ()
    status: str = ACTIVE
    # An answer was given again, or taken back (Back past it): the answers log then holds
    # words the resident did not finish with, which the host leaves out when the flow ends.
    revised: bool = False
    # Questions gone back past and not answered again since: their answers are taken back.
    taken_back: tuple[str, ...] = ()
    # Ticks a multi_choice had when the resident went Back from it before Done, by node id,
    # with the options it offered then: coming back to the same options, they are ticked again.
    left_ticked: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict, hash=False
    )

    @property
    def active(self) -> bool:
        """True while the flow waits for the participant."""
        return self.status == ACTIVE

    def evolve(self, **changes: Any) -> Session:
        """A copy with some fields changed."""
        # Not dataclasses.replace, which looks every field up again each call: 6 µs, four
        # times a step.
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"Session has no field {', '.join(sorted(unknown))}")
        return Session(*[changes[f] if f in changes else getattr(self, f) for f in _FIELDS])

    def to_json(self) -> str:
        """The state as compact JSON for the sessions table."""
        state: dict[str, Any] = {
            "answers": self.answers,
            "pending": list(self.pending),
            "history": list(self.history),
        }
        if self.revised:
            state["revised"] = True
        if self.taken_back:
            state["taken_back"] = list(self.taken_back)
        if self.left_ticked:
            state["left_ticked"] = {
                node: [list(ticked), list(offered)]
                for node, (ticked, offered) in self.left_ticked.items()
            }
        return json.dumps(state, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_row(
        cls, flow_id: str, flow_hash: str, node_id: str | None, state_json: str, status: str
    ) -> Session:
        """Rebuild a session from its stored columns."""
        state = json.loads(state_json) if state_json else {}
        return cls(
            flow_id=flow_id,
            flow_hash=flow_hash,
            node_id=node_id,
            answers=dict(state.get("answers", {})),
            pending=tuple(state.get("pending", ())),
            history=tuple(state.get("history", ())),
            status=status,
            revised=bool(state.get("revised", False)),
            taken_back=tuple(state.get("taken_back", ())),
            left_ticked={
                node: (tuple(ticked), tuple(offered))
                for node, (ticked, offered) in state.get("left_ticked", {}).items()
            },
        )


_FIELDS = tuple(f.name for f in fields(Session))
