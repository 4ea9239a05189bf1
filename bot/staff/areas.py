"""The areas staff define: names (in any of our languages), aliases and postcode districts,
offered to residents as buttons and matched against what they type. Every change is
role-checked and audited in its own transaction (StaffDesk.act), and residents who typed an
area in their own words are moved into a new area their words match."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.staff import suppress
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.commands import command, lists
from bot.staff.parsing import REMOVE
from bot.staff.said import Said
from bot.store import areas, places, population, report, rounds
from bot.store.areas import Area
from bot.store.db import Tx
from bot.store.texts import Texts

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk


@dataclass(frozen=True, slots=True)
class Counted:
    """Residents in one area (or with none): the name, how many, and the count as shown."""

    name: str
    count: int
    shown: str

    @property
    def visible(self) -> bool:
        """Whether the count is shown as the number it is."""
        return self.shown == str(self.count)


@dataclass(frozen=True, slots=True)
class ByArea:
    """Residents taking part by area, protected once for every channel that shows them (the
    overview, 'areas', and what area-add and area-edit say): their total is shown, so a
    count is "[c]" where the others would give a small one away, and the same everywhere."""

    areas: tuple[Counted, ...]  # shown as numbers, most first; then "[c]", then "<5", by name
    no_area: Counted
    total: Counted

    def of(self, name: str) -> Counted:
        """The residents in area `name` (as residents' rows give it, case and spacing aside)."""
        key = places.area_key(name)
        found = [c for c in self.areas if places.area_key(c.name) == key]
        return found[0] if found else Counted(name, 0, "0")

    def texts(self) -> list[str]:
        """Every count as shown (to say what "[c]" means when one is)."""
        return [c.shown for c in (*self.areas, self.no_area, self.total)]

    def top(self, most: int) -> tuple[list[Counted], int]:
        """For a short table: every area not shown as a number, and the largest others up to
        `most` lines in all; and how many residents the rest hold. The rest are all shown as
        numbers elsewhere ('areas'), so their sum gives nothing away."""
        hidden = [c for c in self.areas if not c.visible]
        shown = [c for c in self.areas if c.visible]
        room = max(most - len(hidden), 0)
        return shown[:room] + hidden, sum(c.count for c in shown[room:])


def by_area(given: Mapping[str, int], threshold: int) -> ByArea:
    """`given` (residents per area as their rows hold it, "" for none: see
    `store.areas.taking_part_by_area`) grouped as areas are compared and protected with
    their total. Every channel showing residents per area goes through here, so that no
    channel shows exactly what another hides."""
    groups: dict[str, dict[str, int]] = {}
    for words, n in given.items():
        if n:
            spellings = groups.setdefault(places.area_key(words), {})
            spellings[" ".join(words.split())] = n
    none = sum(groups.pop("", {}).values())
    # One order, so that the same counts are hidden in every channel: by key, no area ("")
    # first, as the report's table of areas orders them (where counts tie, the first is
    # hidden).
    keys = sorted(groups)
    counts = [sum(groups[k].values()) for k in keys]
    shown = suppress.breakdown([none, *counts], threshold).shown
    named = sorted(
        (
            Counted(_spelling(groups[k]), n, text)
            for k, n, text in zip(keys, counts, shown[1:], strict=False)
        ),
        key=_place,
    )
    return ByArea(
        tuple(named),
        Counted("", none, shown[0]),
        Counted("", sum(counts) + none, shown[-1]),
    )


def area_names(conn: Tx, wanted: Sequence[str], channel: str) -> list[str]:
    """The areas a round is for, as residents' rows name them. With areas defined each must
    match one (by name, alias or postcode district); with none defined, staff's own words
    are kept, as residents type theirs. Hints name commands as typed in `channel`."""
    defined = areas.all_areas(conn)
    names: list[str] = []
    for given in wanted:
        if not given.strip():
            continue
        if not defined:
            names.append(" ".join(given.split()))
            continue
        found = areas.match(defined, given)
        if found is None:
            # TRANSLATORS: {listed} is "admin areas lists them" or the like; {add} the
            # command that adds an area.
            raise StaffError(
                "There is no area {area!r}. Areas: {names} ({listed} with their postcode "
                "districts; add one with {add}).",
                area=given,
                names=", ".join(a.english for a in defined),
                listed=lists(channel, "areas"),
                add=command(channel, "area-add"),
            )
        names.append(found.english)
    return list(dict.fromkeys(names))


def unreached(conn: Tx, round_id: int, channel: str) -> str:
    """A warning when a round is for an area that is neither defined nor given by any
    resident (a typo, or an area about to be launched): it asks nobody yet. Such rounds are
    allowed, as residents' words are kept until areas are defined; empty when all is well.
    Hints name commands as typed in `channel`."""
    found = rounds.get(conn, round_id)
    if found is None or not found.areas:
        return ""
    defined = areas.all_areas(conn)
    given = areas.residents_by_area(conn)
    known = {places.area_key(w) for w in (*given, *(a.english for a in defined))}
    nobody = [a for a in found.areas if places.area_key(a) not in known]
    if not nobody:
        return ""
    listed = lists(channel, "areas")
    if defined:
        # TRANSLATORS: {names} is a list of areas' names; {listed} says where they are listed.
        have = Said(
            "Areas: {names} ({listed})", names=_some([a.english for a in defined]), listed=listed
        )
    elif given:
        # TRANSLATORS: {names} is a list of areas' names; {listed} says where they are listed.
        have = Said(
            "Areas residents gave: {names} ({listed})",
            names=_some(sorted(given, key=str.casefold)),
            listed=listed,
        )
    else:
        have = Said("No resident has given an area yet")
    add = command(channel, "area-add")
    if len(nobody) == 1:
        # TRANSLATORS: {area} is the area the round is for; {have} is "Areas: Riverside, Canton
        # (admin areas lists them)" or "No resident has given an area yet"; {add} a command.
        return Said(
            "Warning: no resident is in {area} and it is not an area you defined, so round "
            "{round_id} asks nobody there yet. {have}. A typo? Close round {round_id} and open "
            "it again. A new area? Define it with {add}, so residents can pick it.",
            area=nobody[0],
            round_id=round_id,
            have=have,
            add=add,
        )
    # TRANSLATORS: {some} is one or more areas' names, "Canton, Grange"; {last} one more.
    areas_named = Said("{some} or {last}", some=", ".join(nobody[:-1]), last=nobody[-1])
    # TRANSLATORS: {areas} is "Canton or Grange"; {have} is "Areas: Riverside, Canton (admin
    # areas lists them)" or "No resident has given an area yet"; {add} a command.
    return Said(
        "Warning: no resident is in {areas} and they are not areas you defined, so round "
        "{round_id} asks nobody there yet. {have}. A typo? Close round {round_id} and open it "
        "again. A new area? Define it with {add}, so residents can pick it.",
        areas=areas_named,
        round_id=round_id,
        have=have,
        add=add,
    )


def for_report(conn: Tx, key: str, channel: str) -> str:
    """The area a report is for (an area key): a defined area by any of its names, aliases
    or districts, an area residents gave, or one in the population figures. Anything else
    is refused, rather than writing a report of nobody that looks like evidence."""
    defined = areas.all_areas(conn)
    found = areas.match(defined, key)
    if found is not None:
        return report.area_key(found.english)
    given = areas.residents_by_area(conn)
    counted = population.counts(conn)
    figures = {c.area for c in counted} | {c.group for c in counted if c.characteristic == "area"}
    if key in {report.area_key(w) for w in (*given, *figures) if w}:
        return key
    names = [a.english for a in defined]
    seen = {report.area_key(n) for n in names}
    for words in sorted((*given, *figures), key=str.casefold):
        if words and report.area_key(words) not in seen:
            seen.add(report.area_key(words))
            names.append(words)
    listed = lists(channel, "areas")
    known = (
        Said("Areas: {names} ({listed})", names=_some(names), listed=listed)
        if names
        else Said("No areas are known yet")
    )
    # TRANSLATORS: {known} is "Areas: Riverside, Canton (admin areas lists them)" or "No
    # areas are known yet".
    raise StaffError(
        "There is no area {area!r} to report on: it is not a defined area, no resident gave "
        "it, and it is not in the population figures. {known}.",
        area=key,
        known=known,
    )


def districts_of(given: Sequence[str]) -> tuple[str, ...]:
    """Postcode districts as staff type them ("cf10", "CF 11"), checked and in capitals."""
    found: list[str] = []
    for item in given:
        code = "".join(item.split()).upper()
        if places.is_district(code):
            found.append(code)
        elif places.district(item):
            raise StaffError(
                "{postcode!r} is a whole postcode: give its first part, {district}.",
                postcode=item,
                district=places.district(item),
            )
        else:
            raise StaffError(
                "{given!r} is not a postcode district: write it like CF10.", given=item
            )
    return tuple(dict.fromkeys(found))


async def add(
    desk: StaffDesk,
    actor: Actor,
    name: Texts,
    aliases: Sequence[str] = (),
    districts: Sequence[str] = (),
    *,
    threshold: int,
) -> str:
    """Define an area; residents whose own words match it are moved into it (how many are
    in it is shown as 'areas' and the overview show it: see `by_area`)."""
    desk.check_texts(name)
    new = Area(0, dict(name), _aliases(aliases), districts_of(districts))

    def work(conn: Tx, log: Audit) -> str:
        _clash(new, areas.all_areas(conn))
        area_id = areas.add(conn, new, log.stamp)
        _gather(conn, replace(new, id=area_id))
        # No count of residents in the audit: it is shown to more people, and for longer,
        # than the reply, which hides it as every other channel does.
        log("area.add", "area", area_id, after=_shown(new))
        return f"Added area {new.english}.{_residents_in(conn, new, threshold)}"

    return str(await desk.act(actor, Role.STAFF, Said("change the areas"), work))


async def edit(
    desk: StaffDesk,
    actor: Actor,
    which: str,
    *,
    name: str | None = None,
    translations: Texts | None = None,
    aliases: Sequence[str] | None = None,
    districts: Sequence[str] | None = None,
    threshold: int,
) -> str:
    """Rename an area, translate its name, or replace its aliases or districts. Residents
    and rounds of the old name keep to it under the new one (how many residents are in it
    is shown as 'areas' and the overview show it: see `by_area`)."""
    desk.check_texts(translations, removing=True)
    if name is None and not translations and aliases is None and districts is None:
        raise StaffError("Say what to change: a new name, a translation, aliases or districts.")
    new_districts = None if districts is None else districts_of(districts)

    def work(conn: Tx, log: Audit) -> str:
        defined = areas.all_areas(conn)
        old = _find(defined, which)
        texts = dict(old.name)
        if name is not None:
            if not name.strip():
                raise StaffError("The new name is empty.")
            texts["en"] = " ".join(name.split())
        for code, words in (translations or {}).items():
            if words == REMOVE:
                texts.pop(code, None)
            else:
                texts[code] = words
        new = Area(
            old.id,
            texts,
            old.aliases if aliases is None else _aliases(aliases),
            old.districts if new_districts is None else new_districts,
        )
        _clash(new, [a for a in defined if a.id != old.id])
        areas.update(conn, new, log.stamp)
        if new.english != old.english:
            areas.rename_residents(conn, old.english, new.english)
            areas.rename_in_rounds(conn, old.english, new.english)
        _gather(conn, new)
        log("area.edit", "area", old.id, before=_shown(old), after=_shown(new))
        return f"Changed area {new.english}: {_describe(new)}.{_residents_in(conn, new, threshold)}"

    return str(await desk.act(actor, Role.STAFF, Said("change the areas"), work))


async def remove(desk: StaffDesk, actor: Actor, which: str) -> str:
    """Take an area off the list. Residents keep it as their own words; an area an open
    round is for cannot go until the round closes."""

    def work(conn: Tx, log: Audit) -> str:
        found = _find(areas.all_areas(conn), which)
        busy = rounds.uses_area(conn, found.english)
        if busy:
            raise StaffError(
                "Round {round_id} is open for {area}: remove the area once it closes.",
                round_id=busy[0],
                area=found.english,
            )
        areas.remove(conn, found.id)
        log("area.remove", "area", found.id, before=_shown(found))
        return (
            f"Removed area {found.english}. Residents who gave it keep it as their own words; "
            "it is no longer offered."
        )

    return str(await desk.act(actor, Role.STAFF, Said("change the areas"), work))


async def listing(desk: StaffDesk, actor: Actor, *, threshold: int) -> str:
    """The areas, with their other names, districts and how many residents taking part are
    in each; then what residents typed that is in no area (worth adding, or adding as an
    alias), and how many take part in all. The counts are hidden as the overview hides them
    (`by_area`): a count one channel hid, another must not show."""
    actor.require(Role.VIEWER, Said("list areas"))

    def read(conn: Tx) -> str:
        defined = areas.all_areas(conn)
        counted = by_area(areas.taking_part_by_area(conn), threshold)
        lines = [
            f"{a.english}: {_describe(a)}; residents {counted.of(a.english).shown}" for a in defined
        ]
        if not defined:
            lines.append(
                "No areas yet: residents type their area in their own words. Add areas with "
                f"{command(actor.channel, 'area-add')}, and residents then pick theirs from "
                "buttons."
            )
        mine = {places.area_key(a.english) for a in defined}
        own = [c for c in counted.areas if places.area_key(c.name) not in mine]
        if own:
            lines.append(
                "Residents' own words, in no area: "
                + "; ".join(f"{c.name} ({c.shown})" for c in own)
            )
        total = f"Residents taking part: {counted.total.shown}"
        if counted.no_area.count:
            total += f", of whom {counted.no_area.shown} gave no area"
        lines.append(total + ".")
        note = suppress.hidden_note(counted.texts(), threshold)
        return "\n".join([*lines, note] if note else lines)

    return str(await desk.db.read(read))


def _spelling(spellings: dict[str, int]) -> str:
    """An area as most of its residents spell it."""
    return min(spellings, key=lambda words: (-spellings[words], words))


def _place(counted: Counted) -> tuple[int, int, str]:
    """Where a count goes in a list: those shown as numbers most first, then "[c]", then
    "<5", by name. Where a hidden count sat among the others would narrow it down."""
    name = counted.name.casefold()
    if counted.visible:
        return 0, -counted.count, name
    return (1 if counted.shown == suppress.HIDDEN else 2), 0, name


def _aliases(given: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(a.split()) for a in given if a.strip()))


def _find(defined: Sequence[Area], which: str) -> Area:
    found = areas.match(defined, which)
    if found is None:
        if not defined:
            raise StaffError("There is no area {area!r}. Areas: none yet.", area=which)
        raise StaffError(
            "There is no area {area!r}. Areas: {names}.",
            area=which,
            names=", ".join(a.english for a in defined),
        )
    return found


def _clash(new: Area, others: Sequence[Area]) -> None:
    """Refuse a name, alias or district another area already has: typed, it could only
    find one of them."""
    if not new.english.strip():
        raise StaffError("The area needs a name.")
    mine = {places.fold_place(w): w for w in new.words()}
    for other in others:
        for word in other.words():
            if places.fold_place(word) in mine:
                # TRANSLATORS: {word} is a name, alias or postcode district; {area} the
                # area that has it.
                raise StaffError(
                    "{word!r} is already {area}'s: each name, alias and postcode district "
                    "belongs to one area.",
                    word=mine[places.fold_place(word)],
                    area=other.english,
                )


def _gather(conn: Tx, area: Area) -> None:
    """Residents (and rounds) whose own words match the area now read its name."""
    for words in areas.residents_by_area(conn):
        if words != area.english and areas.match([area], words) is not None:
            areas.rename_residents(conn, words, area.english)
    for words in areas.round_area_names(conn):
        if words != area.english and areas.match([area], words) is not None:
            areas.rename_in_rounds(conn, words, area.english)


def _describe(area: Area) -> str:
    others = [f"{code}: {words}" for code, words in sorted(area.name.items()) if code != "en"]
    parts = [
        f"in other languages {', '.join(others)}" if others else "",
        f"also called {', '.join(area.aliases)}" if area.aliases else "",
        f"postcode districts {', '.join(area.districts)}" if area.districts else "",
    ]
    return "; ".join(p for p in parts if p) or "no other names or districts"


def _shown(area: Area) -> dict[str, object]:
    return {"name": area.name, "aliases": list(area.aliases), "districts": list(area.districts)}


def _residents_in(conn: Tx, area: Area, threshold: int) -> str:
    """How many residents taking part are in `area` now, as 'areas' and the overview show
    it ("[c]" where they hide it); nothing when nobody is."""
    counted = by_area(areas.taking_part_by_area(conn), threshold)
    found = counted.of(area.english)
    if not found.count:
        return ""
    said = f" Residents in it (as they gave their area, or now matched): {found.shown}."
    note = suppress.hidden_note([found.shown], threshold)
    return f"{said}\n{note}" if note else said


def _some(names: Sequence[str], most: int = 12) -> str:
    shown = ", ".join(names[:most])
    if len(names) <= most:
        return shown
    # TRANSLATORS: {names} is a list of areas' names.
    return Said("{names} and {more} more", names=shown, more=len(names) - most)
