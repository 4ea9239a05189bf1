"""Where residents live: the areas staff defined, offered as buttons and matched against what
residents type (names in any language, aliases, postcode districts). With no areas defined a
resident types their area in their own words, as before."""

from __future__ import annotations

from typing import Any

from bot.flows.model import Option
from bot.host.registry import Fact, OptionList, View
from bot.i18n.markers import N_
from bot.store import areas

# Option ids of areas: area.<area id>. Not "a12" as topics are "t12": the same answer key
# holds what residents type when their area is not listed, and "a1" could be typed.
AREA = "area."
ELSEWHERE = "elsewhere"  # "Somewhere else": the flow asks them to type it
SOMEWHERE_ELSE = N_("Somewhere else")


def area_options(view: View, answers: Any) -> tuple[Option, ...]:
    """The areas, in the resident's language and alphabetical order, then "Somewhere else"."""
    listed = sorted(
        (Option(f"{AREA}{a.id}", view.text(a.name), also=a.words()) for a in view.snapshot.areas()),
        key=lambda option: option.label.casefold(),
    )
    return (*listed, Option(ELSEWHERE, SOMEWHERE_ELSE)) if listed else ()


def area_value(view: View, answer: Any) -> str | None:
    """What `set: area` stores for an answer: the English name of the area tapped or typed
    (matched against the list), else their own words; "Somewhere else" changes nothing yet
    (the flow asks them to type it)."""
    if isinstance(answer, dict):  # a location: the place name, if one was typed
        answer = answer.get("place")
    if not isinstance(answer, str) or not answer.strip():
        return None
    defined = view.snapshot.areas()
    if answer == ELSEWHERE:
        return view.participant.area
    number = answer.removeprefix(AREA)
    if number != answer and number.isdigit():
        tapped = next((a for a in defined if a.id == int(number)), None)
        if tapped is not None:
            return tapped.english
    found = areas.match(defined, answer)
    return found.english if found else answer.strip()


def _listed(view: View, answers: Any = None) -> str:
    return "yes" if view.snapshot.areas() else "no"


ENTRIES = (
    # Read again when the area question comes: staff may add the first areas meanwhile.
    Fact("areas_listed", ("yes", "no"), _listed, recheck=_listed),
    OptionList("areas", area_options),
)
