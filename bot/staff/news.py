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
from bot.staff.said import S_, Said
from bot.store import initiatives
from bot.store.db import Tx
from bot.store.texts import Texts

INITIATIVE_STATUSES = ("planned", "active", "paused", "finished")
# How far along each status is: a move to a lower stage is a step back (paused is as far
# along as active: it resumes, it does not restart).
STAGES = {"planned": 0, "active": 1, "paused": 1, "finished": 2}
# How staff confirm a repeat or a step back, where they are.
_AGAIN = {
    "cli": S_("run this again with --again"),
    # TRANSLATORS: keep the command as it is: staff type it.
    "telegram": S_("put --again after the status: /initiative_update {id} - --again and the note"),
    # TRANSLATORS: 'Send it again anyway' is the dashboard's button: as it is translated there.
    "web": S_("press 'Send it again anyway'"),
}
_BACK = {
    "cli": S_("run this again with --back"),
    # TRANSLATORS: keep the command as it is: staff type it ({status} is its status, in English).
    "telegram": S_("put --back after the status: /initiative_update {id} {status} --back"),
    # TRANSLATORS: 'Move it back and tell them' is the dashboard's button: as it is translated
    # there.
    "web": S_("press 'Move it back and tell them'"),
}
# An update that changes nothing, a sentence a status (said differently in other languages).
_ALREADY = {
    "planned": S_(
        "Initiative {initiative_id} is already planned, and there is no note: nothing new to "
        "tell residents. Give a new status or a note of what was done."
    ),
    "active": S_(
        "Initiative {initiative_id} is already active, and there is no note: nothing new to "
        "tell residents. Give a new status or a note of what was done."
    ),
    "paused": S_(
        "Initiative {initiative_id} is already paused, and there is no note: nothing new to "
        "tell residents. Give a new status or a note of what was done."
    ),
    "finished": S_(
        "Initiative {initiative_id} is already finished, and there is no note: nothing new to "
        "tell residents. Give a new status or a note of what was done."
    ),
}
# A step back, a sentence each (from, to): every move to a lower stage of STAGES.
_MOVES_BACK = {
    ("active", "planned"): S_(
        "This moves initiative {initiative_id} back from active to planned: residents will "
        "read that it is planned again."
    ),
    ("paused", "planned"): S_(
        "This moves initiative {initiative_id} back from paused to planned: residents will "
        "read that it is planned again."
    ),
    ("finished", "planned"): S_(
        "This moves initiative {initiative_id} back from finished to planned: residents will "
        "read that it is planned again."
    ),
    ("finished", "active"): S_(
        "This moves initiative {initiative_id} back from finished to active: residents will "
        "read that it is active again."
    ),
    ("finished", "paused"): S_(
        "This moves initiative {initiative_id} back from finished to paused: residents will "
        "read that it is paused again."
    ),
}


def status_of(given: str | None) -> str | None:
    """A status as staff typed it ("Active", " finished"), or None for none; anything else
    is refused with the ones there are."""
    if given is None or not given.strip():
        return None
    status = given.strip().lower()
    if status not in INITIATIVE_STATUSES:
        raise StaffError(
            "Status must be one of: {statuses}.", statuses=", ".join(INITIATIVE_STATUSES)
        )
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
        return Said(_MOVES_BACK[self.was, str(self.status)], initiative_id=self.initiative_id)

    @property
    def repeat_words(self) -> str:
        """The repeated note, said plainly."""
        # TRANSLATORS: {day} is the day the note was last recorded (2026-12-01).
        return Said(
            "That note is word for word the last one about initiative {initiative_id} "
            "(recorded {day}): residents would read it twice.",
            initiative_id=self.initiative_id,
            day=self.repeats,
        )

    def confirm(self, channel: str, *, again: bool, back: bool) -> None:
        """Refuse a repeat or a step back that staff have not confirmed, saying how to."""
        if self.repeats is not None and not again:
            how = Said(_AGAIN.get(channel, _AGAIN["telegram"]), id=self.initiative_id)
            # TRANSLATORS: {repeat} says the note is the same as the last; {how} is what to
            # press or type, like "run this again with --again".
            raise StaffError(
                "{repeat} To send it again anyway, {how}.", repeat=self.repeat_words, how=how
            )
        if self.back and not back:
            how = Said(
                _BACK.get(channel, _BACK["telegram"]), id=self.initiative_id, status=self.status
            )
            # TRANSLATORS: {back} says the update moves the initiative back a stage; {how} is
            # what to press or type, like "run this again with --back".
            raise StaffError("{back} If that is right, {how}.", back=self.back_words, how=how)


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
        raise StaffError(_ALREADY[found.status], initiative_id=initiative_id)
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
