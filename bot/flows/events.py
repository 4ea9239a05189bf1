"""What the engine asks its host to do, and what the host feeds back in.

The engine never sends or stores anything itself: it returns these values and the host (the
Telegram adapter or the terminal simulator) applies them, so both behave identically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.flows.model import Node, Option
from bot.flows.session import Session
from bot.flows.words import PLAIN, Words

# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True, slots=True)
class Choose:
    """A tapped button (or a numbered choice in the simulator).

    `node_id` binds the press to the question it was shown on, so an old button cannot answer
    a newer question.
    """

    option_id: str
    node_id: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    """Typed text."""

    text: str


@dataclass(frozen=True, slots=True)
class Location:
    """A shared map location."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice note: we keep Telegram's file id and its length, not the audio."""

    file_id: str
    duration: int


Input = Choose | Text | Location | Voice


class Lists(Protocol):
    """Option lists the host provides (`options_from`, `for_each`), by name.

    The engine passes the answers so far, so a list may depend on them (the measures of the
    initiative just chosen). Must be pure: the same name and answers give the same list.
    """

    def __call__(self, name: str, answers: Mapping[str, Any], /) -> tuple[Option, ...]: ...


def no_lists(name: str, answers: Mapping[str, Any], /) -> tuple[Option, ...]:
    """A host with no option lists."""
    return ()


def fixed_lists(lists: Mapping[str, tuple[Option, ...]]) -> Lists:
    """Lists that do not depend on answers (for tests and simple hosts)."""
    frozen = dict(lists)

    def get(name: str, answers: Mapping[str, Any], /) -> tuple[Option, ...]:
        return frozen.get(name, ())

    return get


class Chosen(Protocol):
    """What the resident chose before from a host list (`options_from`), outside this flow:
    their earlier answer to the same question (a round answered again), so that a
    `multi_choice` shows it ticked, to change rather than to make again. Option ids; must be
    pure, like Lists."""

    def __call__(self, name: str, answers: Mapping[str, Any], /) -> tuple[str, ...]: ...


def none_chosen(name: str, answers: Mapping[str, Any], /) -> tuple[str, ...]:
    """A host that keeps no earlier answers."""
    return ()


class Recorded(Protocol):
    """What a record this flow writes (`record:`) holds for the resident now, by an answer
    key it reads (None: nothing). A multi_choice with the flow's own options that saves under
    that key starts from it, ticked: a champion changing their sign-up sees what they said.
    Must be pure, like Lists."""

    def __call__(self, record: str, key: str, /) -> Any: ...


def none_recorded(record: str, key: str, /) -> Any:
    """A host whose records remember nothing for a flow."""
    return None


class Facts(Protocol):
    """Facts (`given:`) the host can read again when a branch reaches them, from the answers
    so far; None keeps the value the flow started with. Must be pure, like Lists."""

    def __call__(self, name: str, answers: Mapping[str, Any], /) -> str | None: ...


def no_facts(name: str, answers: Mapping[str, Any], /) -> str | None:
    """A host whose facts are read once, when a flow starts."""
    return None


@dataclass(frozen=True, slots=True)
class Context:
    """What the host injects: the clock, the option lists that come from outside the flow
    (and what the resident chose from them before), facts it can read again mid-flow, how
    typed text is read in the resident's language, and what the flow's records hold."""

    now: datetime
    lists: Lists = no_lists
    words: Words = PLAIN
    facts: Facts = no_facts
    chosen: Chosen = none_chosen
    recorded: Recorded = none_recorded


# ---------------------------------------------------------------------------------------------
# Events


@dataclass(frozen=True, slots=True)
class Say:
    """Send a message. `text` is an English msgid; `params` fill its placeholders."""

    text: str
    params: dict[str, str] = field(default_factory=dict)
    separate: bool = False  # a message of its own, not joined to the texts around it


@dataclass(frozen=True, slots=True)
class Ask:
    """Ask (or show again) a question with its current options and controls.

    `refresh` is true when only the ticks changed, so a channel may edit the shown question
    in place instead of sending a new one.
    """

    node: Node
    options: tuple[Option, ...]
    selected: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()
    refresh: bool = False
    placed: tuple[Option, ...] = ()  # rank: the items already put in order
    item: Option | None = None  # for_each: the item this question is about
    ref: str = ""  # what a button must name to answer this question (node id, or id.item)

    @property
    def binding(self) -> str:
        """The id a channel binds buttons to: one per item of a for_each question."""
        return self.ref or self.node.id


@dataclass(frozen=True, slots=True)
class Rejected:
    """The input did not fit the question; `reason` is a msgid. An Ask always follows."""

    reason: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answered:
    """The question was answered: `shown` is what the channel may echo back in the message."""

    node_id: str
    shown: tuple[str, ...]
    context: str | None = None  # the labels' translation context (the node's label_context)


@dataclass(frozen=True, slots=True)
class SaveAnswer:
    """Append this answer to the log (the write happens before any reply is sent)."""

    flow_id: str
    node_id: str
    key: str
    value: Any


@dataclass(frozen=True, slots=True)
class ApplyEffect:
    """Change something about the participant: `set locale`, `record consent`, `forget`."""

    action: str
    target: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class Finished:
    """The flow ended: `outcome` is completed or cancelled; `then` names a flow to start."""

    flow_id: str
    outcome: str
    then: str | None = None


Event = Say | Ask | Rejected | Answered | SaveAnswer | ApplyEffect | Finished


@dataclass(frozen=True, slots=True)
class Step:
    """The result of one engine call: the new session state and what the host must do."""

    session: Session
    events: tuple[Event, ...]
