"""What an initiative's "you said, we did" update would tell residents, checked before it is
queued: an update that tells them nothing new is refused, the last note word for word again
only when staff say so, and a move back to an earlier stage only when staff confirm it (it
reads to residents as the work going backwards). The dashboard's preview asks the same
questions as the command line and Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from bot.staff.actor import StaffError
from bot.staff.commands import no_such
from bot.staff.parsing import english
from bot.store import initiatives
from bot.store.db import Tx
from bot.store.texts import Texts

INITIATIVE_STATUSES = ("planned", "active", "paused", "finished")
# How far along each status is: a move to a lower stage is a step back (paused is as far
# along as active: it resumes, it does not restart).
STAGES = {"planned": 0, "active": 1, "paused": 1, "finished": 2}
# How staff confirm a repeat or a step back, where they are.
_AGAIN = {
    "cli": "run this again with --again",
    "telegram": "put --again after the status: /initiative_update {id} - --again and the note",
    "web": "press 'Send it again anyway'",
}
_BACK = {
    "cli": "run this again with --back",
    "telegram": "put --back after the status: /initiative_update {id} {status} --back",
    "web": "press 'Move it back and tell them'",
}


def status_of(given: str | None) -> str | None:
    """A status as staff typed it ("Active", " finished"), or None for none; anything else
    is refused with the ones there are."""
    if given is None or not given.strip():
        return None
    status = given.strip().lower()
    if status not in INITIATIVE_STATUSES:
        raise StaffError(f"Status must be one of: {', '.join(INITIATIVE_STATUSES)}.")
    return status


@dataclass(frozen=True, slots=True)
class News:
    """An update as it would go: the status it changes to (None: unchanged), the note, and
    what staff must confirm before it goes."""

    initiative_id: int
    was: str
    status: str | None
    note: Texts | None
    back: bool  # the status moves back to an earlier stage
    repeats: str | None  # the day the same note was last recorded, if it was

    @property
    def back_words(self) -> str:
        """The step back, said plainly."""
        return (
            f"This moves initiative {self.initiative_id} back from {self.was} to "
            f"{self.status}: residents will read that it is {self.status} again."
        )

    @property
    def repeat_words(self) -> str:
        """The repeated note, said plainly."""
        return (
            f"That note is word for word the last one about initiative {self.initiative_id} "
            f"(recorded {self.repeats}): residents would read it twice."
        )

    def confirm(self, channel: str, *, again: bool, back: bool) -> None:
        """Refuse a repeat or a step back that staff have not confirmed, saying how to."""
        if self.repeats is not None and not again:
            how = _AGAIN.get(channel, _AGAIN["telegram"]).format(id=self.initiative_id)
            raise StaffError(f"{self.repeat_words} To send it again anyway, {how}.")
        if self.back and not back:
            how = _BACK.get(channel, _BACK["telegram"])
            how = how.format(id=self.initiative_id, status=self.status)
            raise StaffError(f"{self.back_words} If that is right, {how}.")


def plan(
    conn: Tx, initiative_id: int, status: str | None, note: Texts | None, channel: str
) -> News:
    """The update of an initiative as it would go; refused if there is no such initiative
    or it would tell residents nothing new (the status it already has, and no note)."""
    found = initiatives.get(conn, initiative_id)
    if found is None:
        raise no_such(channel, "initiative", initiative_id)
    if status == found.status:
        # "Now: Started" again would read as news; the note, if any, is the news.
        status = None
    if status is None and note is None:
        raise StaffError(
            f"Initiative {initiative_id} is already {found.status}, and there is no note: "
            "nothing new to tell residents. Give a new status or a note of what was done."
        )
    last = initiatives.last_note(conn, initiative_id)
    repeats = None
    if note is not None and last is not None and _same(last[0], note):
        repeats = last[1][:10]
    back = status is not None and STAGES[status] < STAGES[found.status]
    return News(initiative_id, found.status, status, note, back, repeats)


def _same(one: Texts, other: Texts) -> bool:
    """The same words, as a reader would see them (spacing and capitals aside)."""

    def words(texts: Texts) -> str:
        return " ".join(english(texts).split()).casefold()

    return words(one) == words(other)
