"""Flow definitions: frozen data loaded from flows/*.yaml, never mutated at run time."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class NodeKind(StrEnum):
    """Every kind of step a flow can contain."""

    MESSAGE = "message"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    RANK = "rank"
    TEXT = "text"
    NUMBER = "number"
    LOCATION = "location"
    CONSENT = "consent"
    BRANCH = "branch"
    GOTO = "goto"
    END = "end"


# Kinds that wait for the participant; the others run straight through.
QUESTION_KINDS = frozenset(
    {
        NodeKind.CHOICE,
        NodeKind.MULTI_CHOICE,
        NodeKind.RANK,
        NodeKind.TEXT,
        NodeKind.NUMBER,
        NodeKind.LOCATION,
        NodeKind.CONSENT,
    }
)

# Kinds whose answer is picked from options (and so carried in callback data).
OPTION_KINDS = frozenset({NodeKind.CHOICE, NodeKind.MULTI_CHOICE, NodeKind.RANK, NodeKind.CONSENT})

# Reserved option ids for the controls every question may show. They start with "_" so they can
# never clash with a flow author's ids (the loader refuses ids starting with "_").
SKIP = "_skip"
BACK = "_back"
DONE = "_done"
CANCEL = "_cancel"
CONTROL_IDS = frozenset({SKIP, BACK, DONE, CANCEL})

# Consent nodes always offer these two options.
CONSENT_YES = "yes"
CONSENT_NO = "no"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a definition came from, so every problem can name file and line."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Option:
    """One choice on a question; `id` is stable, `label` is the English msgid shown.

    `also` are other words that pick it when typed (host lists only: an area's aliases, its
    names in other languages and its postcode districts), compared as `fold`ed text.
    `alone` (multi_choice): it is never ticked with another option ("I am not sure yet").
    """

    id: str
    label: str
    next: str | None = None
    source: Source | None = None
    also: tuple[str, ...] = ()
    # The question's `label_context`: its labels are translated for that question only
    # (Welsh answers "Oes" to "Is there ...?", "Ydw" to "Do you ...?").
    context: str | None = None
    alone: bool = False


@dataclass(frozen=True, slots=True)
class Case:
    """One arm of a branch: taken when the saved answer equals (or contains) `when`."""

    when: str
    next: str
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Effect:
    """Something the host applies when the node is answered: `set: locale`, `record: consent`."""

    action: str  # "set" | "record" | "forget"
    target: str  # e.g. "locale", "area", "consent", "participant"


@dataclass(frozen=True, slots=True)
class Node:
    """One step of a flow. Fields that a kind does not use keep their defaults."""

    id: str
    kind: NodeKind
    source: Source
    text: str | None = None
    note: str | None = None  # translator comment, carried to the catalog by the extractor
    next: str | None = None
    options: tuple[Option, ...] = ()
    options_from: str | None = None  # a host-provided option list, e.g. "locales"
    for_each: str | None = None  # choice: ask once per item of this host list, e.g. "measures"
    label_context: str | None = None  # its options' labels are translated for it alone
    save_as: str | None = None
    optional: bool = False
    max_choices: int | None = None  # multi_choice
    items_from: str | None = None  # rank: the save_as key of an earlier multi_choice
    max_length: int | None = None  # text
    voice: bool = True  # text, location: a voice note is an answer (false: it is refused)
    # text, location: "help" (or "?", or the resident's word for it) typed alone is the answer,
    # not a question about how to answer (a request for help from our team)
    help_is_answer: bool = False
    ask_if_one: bool = True  # choice: false answers with the only option without asking
    no_match: str | None = None  # choice: said when typed words match no option (a msgid)
    min_value: float | None = None  # number
    max_value: float | None = None  # number
    integer: bool = True  # number
    on: str | None = None  # branch: the key whose answer decides
    cases: tuple[Case, ...] = ()
    default: str | None = None  # branch fallback
    then: str | None = None  # end: the flow to start next
    effects: tuple[Effect, ...] = ()
    # message, end: sent as a message of its own, never joined to the texts around it (an
    # invitation to forward is forwarded alone)
    separate: bool = False

    @property
    def is_question(self) -> bool:
        """True when the node waits for the participant."""
        return self.kind in QUESTION_KINDS

    def option(self, option_id: str) -> Option | None:
        """The option with this id, if the node has it."""
        for opt in self.options:
            if opt.id == option_id:
                return opt
        return None


@dataclass(frozen=True, slots=True)
class Flow:
    """A whole dialogue: its nodes by id, where it starts, and the hash of its source text."""

    id: str
    title: str
    start: str
    nodes: dict[str, Node] = field(hash=False)
    source: Source
    content_hash: str
    description: str | None = None
    # Answers the host provides before the flow starts (e.g. round_open), with their possible
    # values; branches may look at them like at the flow's own answers.
    given: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError if missing: the validator rules that out)."""
        return self.nodes[node_id]
