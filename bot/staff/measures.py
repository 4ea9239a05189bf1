"""Staff decisions on a measure: a resident's idea accepted for votes, a measure adopted into
an initiative's evaluation plan, or rejected. Residents' ideas wait ('suggested') because
they are a resident's own words: they may name a neighbour, or be in a language other
residents do not read, so staff read (and may edit) them before anyone else sees them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.commands import command, no_such
from bot.staff.said import S_, Said
from bot.store import initiatives
from bot.store.db import Tx

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk

# A status staff can give -> its verb (in the audit log). Nobody makes a measure
# 'suggested': only a resident's idea starts so.
VERBS = {"proposed": "accept", "adopted": "adopt", "rejected": "reject"}
# What staff did, as "Your role (viewer) cannot ..." says it.
_DOING = {
    "proposed": S_("accept a measure"),
    "adopted": S_("adopt a measure"),
    "rejected": S_("reject a measure"),
}
# A decision that changes nothing, a sentence a status.
_ALREADY = {
    "proposed": S_("Measure {measure_id} is already open for residents' votes."),
    "adopted": S_("Measure {measure_id} is already adopted."),
    "rejected": S_("Measure {measure_id} is already rejected."),
}
# A measure with no words (a resident's voice note) accepted or adopted, a sentence a verb.
_NO_WORDS = {
    # TRANSLATORS: {edit} is how to change the measure's words (a command, or where on the
    # dashboard); 'words' stands for the words staff give.
    "proposed": S_(
        "Measure {measure_id} is a voice note: give it words residents can read first "
        "({edit} 'words'), then accept it."
    ),
    # TRANSLATORS: {edit} is how to change the measure's words (a command, or where on the
    # dashboard); 'words' stands for the words staff give.
    "adopted": S_(
        "Measure {measure_id} is a voice note: give it words residents can read first "
        "({edit} 'words'), then adopt it."
    ),
}


@dataclass(frozen=True, slots=True)
class Decided:
    """What a decision did: the measure's status before and after, whether an adopted
    measure residents had rated was rejected (its ratings are kept but no longer count in
    the report), and the languages residents read that a measure now shown to them, with no
    English, is not written in."""

    measure_id: int
    initiative_id: int
    before: str
    status: str
    ratings_kept: bool = False
    missing: tuple[str, ...] = ()

    def notes(self, channel: str) -> list[str]:
        """What staff should know after it, in English (the dashboard says it in its own)."""
        said: list[str] = []
        if self.ratings_kept:
            said.append(RATINGS_KEPT)
        if self.missing:
            said.append(
                MISSING.format(
                    languages=", ".join(self.missing),
                    edit=command(channel, "edit-measure", self.measure_id),
                )
            )
        return said


RATINGS_KEPT = (
    "Residents are no longer asked to rate it. Their ratings are kept and still shown with "
    "the initiative's evaluations, but the QS148 report counts ratings of adopted measures "
    "only, so they no longer count there. Adopt it again to count them."
)
MISSING = (
    "It is not written in {languages} yet: residents reading those see it in another "
    "language. Translate it with {edit}."
)


# How staff who added a measure agreed at once would have let residents vote on it first.
_TO_PROPOSE = {
    "cli": "add it with --proposed",
    "telegram": "add it on the dashboard (tick 'Let residents vote on it first') or with "
    "admin measure-add --proposed",
}


def added(measure_id: int, initiative_id: int, adopted: bool, channel: str) -> str:
    """What staff are told after adding a measure: agreed now, or open for votes, and how
    to have done the other (a measure agreed at once is what residents rate the initiative
    against, with no vote)."""
    if not adopted:
        adopt = command(channel, "measure-adopt", measure_id)
        return (
            f"Added measure {measure_id} to initiative {initiative_id}, open for residents' "
            f"votes: adopt it when they have voted ({adopt})."
        )
    propose = _TO_PROPOSE.get(channel, _TO_PROPOSE["telegram"])
    reject = command(channel, "measure-reject", measure_id)
    return (
        f"Added measure {measure_id} to initiative {initiative_id}, adopted now: it is agreed, "
        "with no vote, and residents rate the initiative against it. To let residents vote on "
        f"a measure first, {propose}; to take this one back, {reject}."
    )


async def decide(desk: StaffDesk, actor: Actor, measure_id: int, status: str) -> Decided:
    """Accept a resident's idea for votes ('proposed'), adopt or reject a measure; refused
    when nothing would change, or when residents would be shown a measure with no words."""
    verb = VERBS.get(status)
    if verb is None:
        raise StaffError("A measure can be accepted for votes, adopted or rejected.")

    def work(conn: Tx, log: Audit) -> Decided:
        found = initiatives.measure(conn, measure_id)
        if found is None:
            raise no_such(actor.channel, "measure", measure_id)
        if found.status == status:
            raise StaffError(_ALREADY[status], measure_id=measure_id)
        if status == "proposed" and found.status == "adopted":
            raise StaffError(
                "Measure {measure_id} is already adopted: it is in the evaluation plan, "
                "past voting.",
                measure_id=measure_id,
            )
        written = {c: w for c, w in found.text.items() if c != "voice"}
        if status != "rejected" and not written:
            raise StaffError(
                _NO_WORDS[status],
                measure_id=measure_id,
                edit=command(actor.channel, "edit-measure", measure_id),
            )
        rated = found.status == "adopted" and initiatives.rating_count(conn, measure_id) > 0
        initiatives.set_measure_status(conn, measure_id, status, log.stamp)
        log(
            f"measure.{verb}",
            "measure",
            measure_id,
            before={"status": found.status},
            after={"status": status, **({"ratings": "kept, not reported"} if rated else {})},
        )
        return Decided(
            measure_id,
            found.initiative_id,
            found.status,
            status,
            ratings_kept=rated and status == "rejected",
            missing=_missing(written, desk.languages) if status != "rejected" else (),
        )

    decided: Decided = await desk.act(actor, Role.STAFF, Said(_DOING[status]), work)
    return decided


def _missing(written: Collection[str], languages: Collection[str]) -> tuple[str, ...]:
    """The languages residents read that a measure is not in, when it has no English (a
    resident's idea in Welsh): residents reading those would see it in Welsh. With English,
    they see the English, as with every staff text not yet translated."""
    if "en" in written:
        return ()
    return tuple(sorted(c for c in languages if c not in written))
