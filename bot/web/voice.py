"""Where the dashboard gets a resident's voice note to play: the channel that received it
(Telegram's getFile, when the bot runs with a token). The simulator's voice notes are not
recordings, so they have nothing to play."""

from __future__ import annotations

from typing import Protocol

# What the terminal simulator stores in place of a Telegram file id.
SIMULATOR_PREFIX = "console-"


class VoiceFiles(Protocol):
    """Fetches a voice note's audio (OGG/Opus) by the channel's file id."""

    async def fetch(self, file_id: str) -> bytes:
        """The recording; raises LookupError when the channel cannot give it."""
        ...


def playable(file_id: str, files: VoiceFiles | None) -> bool:
    """Whether the page can offer a player for this voice note."""
    return files is not None and not file_id.startswith(SIMULATOR_PREFIX)


def from_simulator(file_id: str) -> bool:
    """A voice note "sent" in the terminal simulator: there is no recording at all."""
    return file_id.startswith(SIMULATOR_PREFIX)
