"""Demo data, and the topic list a new round starts with unless staff give their own."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.i18n.markers import N_
from bot.staff.actor import Actor, Role
from bot.store import initiatives, rounds
from bot.store.db import Tx

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk

# (stable key, English label): labels are msgids, translated through the catalogs.
DEFAULT_TOPICS: tuple[tuple[str, str], ...] = (
    ("mental-health", N_("Mental health and loneliness")),
    ("physical-activity", N_("Being more active")),
    ("healthy-food", N_("Healthy food")),
    ("smoking-alcohol-drugs", N_("Smoking, alcohol and drugs")),
    ("housing", N_("Housing and warm homes")),
    ("safe-streets", N_("Safe streets")),
    ("gp-access", N_("Getting to see a GP")),
    ("children-young-people", N_("Children and young people")),
    ("older-people", N_("Support for older people")),
    ("money-worries", N_("Money worries")),
)

DEFAULT_QUESTION = N_("What should we work on first to improve health in our area?")

WALKING = "Walking group in the park"
WARM = "Warm homes advice sessions"


async def seed(desk: StaffDesk, actor: Actor) -> str:
    """A demo round, two initiatives and their measures, to try every flow; once only,
    so residents are never shown the same demo round twice."""
    actor.require(Role.STAFF, "load the demo")
    there = await desk.db.read(_already_there)
    if there:
        return there
    now = desk.now()
    closes = (now + timedelta(days=30)).date().isoformat()
    round_id = await desk.open_round(actor, closes)
    topics = await desk.db.read(lambda conn: {t.key: t.id for t in rounds.topics(conn, round_id)})
    walking = await desk.create_initiative(
        actor,
        {"en": WALKING, "cy": "Grŵp cerdded yn y parc"},
        [topics["physical-activity"], topics["mental-health"]],
        description={"en": "A free walk every Tuesday and Saturday morning, for everyone."},
        starts_on=now.date().isoformat(),
        status="active",
    )
    for measure in ("More people join the walks", "People feel less lonely"):
        await desk.add_measure(actor, walking, {"en": measure})
    await desk.add_measure(actor, walking, {"en": "People walk more in the week"}, adopt=False)
    warm = await desk.create_initiative(
        actor,
        {"en": WARM},
        [topics["housing"], topics["money-worries"], topics["mental-health"]],
        description={"en": "Drop-in help with heating bills and draughty homes."},
        status="planned",
    )
    await desk.add_measure(
        actor, warm, {"en": "Fewer people say their home is too cold"}, adopt=False
    )
    return (
        f"Demo ready: round {round_id} is open until {closes} with the default topics; "
        f"initiative {walking} (active, 2 agreed measures) and initiative {warm} "
        "(planned, measures to agree). Try: community-voice chat"
    )


def _already_there(conn: Tx) -> str:
    """What an earlier seed-demo made, said plainly; empty when there is none. The demo is
    known by its two initiatives on one round (staff who renamed them have made them their
    own)."""
    titled = {
        (i.title.get("en"), i.round_id): i
        for i in initiatives.all_initiatives(conn)
        if i.round_id is not None
    }
    for (title, round_id), walking in titled.items():
        warm = titled.get((WARM, round_id))
        found = rounds.get(conn, round_id) if title == WALKING and warm is not None else None
        if found is None or warm is None:
            continue
        if found.status == "open":
            state = f"is open until {found.closes_at[:10]}"
            then = "Try: community-voice chat"
        else:
            state = f"closed on {(found.closed_at or found.closes_at)[:10]}"
            then = "For a new round to try: community-voice admin round-open --closes DATE"
        return (
            f"The demo is already there, so nothing was added: round {found.id} {state}; "
            f"initiative {walking.id} ({WALKING}, {walking.status}) and initiative {warm.id} "
            f"({WARM}, {warm.status}). {then}"
        )
    return ""
