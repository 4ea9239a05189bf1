"""What a conversation step gives a channel to show: already translated, channel-neutral."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Button:
    """One tappable option. `option_id` goes back to the engine; `label` is shown."""

    label: str
    option_id: str
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """A button that opens a web address (Telegram: a URL button; elsewhere: shown written)."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Message:
    """Plain text to send. `stale` marks "that question has moved on", which a channel may
    show another way (Telegram: as the pressed button's pop-up). `links` go under it.
    `rejected` marks why an answer was not taken (the question is asked again), which a
    channel without buttons may follow with how to answer there. `separate` asks for a
    message of its own (one to be forwarded alone), not joined to the texts around it."""

    text: str
    stale: bool = False
    links: tuple[Link, ...] = ()
    rejected: bool = False
    separate: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send: a photo to look at (a chart) or a document to keep (a poster). A
    channel that cannot send files writes it to a folder and says where."""

    filename: str
    data: bytes
    caption: str = ""
    photo: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    """A question with its buttons, bound to the session and node that asked it.

    `refresh` means the same question with new ticks: a channel may edit it in place.
    """

    text: str
    buttons: tuple[Button, ...]
    controls: tuple[Button, ...]
    session_id: int
    node_id: str
    kind: str
    refresh: bool = False
    wants_location: bool = False
    wants_text: bool = False

    @classmethod
    def of_host(cls, node_id: str, text: str, buttons: tuple[Button, ...]) -> Question:
        """A question the host asks itself (session 0: bound to no flow session)."""
        return cls(text, buttons, (), 0, node_id, "choice")


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The question `node_id` was answered with `text`: a channel may show it on the question."""

    session_id: int
    node_id: str
    text: str


Reply = Message | Question | Confirmation | Attachment
