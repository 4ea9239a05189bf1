"""Staff commands in Telegram for texts in every language and for areas: open a round with
its own topics and translations, read and edit a text in every language, keep the area list
(the same actions as `community-voice admin`, through bot/staff).

Each command's first line holds its arguments; the lines after it are `key: value` lines,
a translation being `cy: ...` under the text it translates."""

from __future__ import annotations

from bot.staff import areas as desk_areas
from bot.staff import wording
from bot.staff.actor import Actor, StaffError
from bot.staff.desk import StaffDesk
from bot.staff.parsing import Line, keyed_lines, round_request, split_list, translate
from bot.store.texts import Texts

# command: (usage, what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "round_open": (
        "DATE [question]",
        "open a round until DATE (YYYY-MM-DD); next lines: 'topic: ...' for each topic "
        "(default: the standard list), 'area: A, B' (default: everyone), and 'cy: ...' under "
        "the question or a topic for its translation",
    ),
    "text": ("question|topic|initiative|description|measure ID", "a text in every language"),
    "edit": (
        "question|topic|initiative|description|measure ID [new English]",
        "change a text; next lines 'cy: ...' translate it ('cy: -' removes one)",
    ),
    "areas": ("", "the areas residents pick from, and residents' own words in none"),
    "area_add": (
        "NAME",
        "add an area; next lines: 'districts: CF10, CF11', 'aliases: ...', 'cy: ...'",
    ),
    "area_edit": (
        "AREA",
        "change an area; next lines: 'name: ...', 'districts: ...', 'aliases: ...', 'cy: ...'",
    ),
    "area_remove": ("AREA", "stop offering an area"),
}
_AREA_KEYS = ("districts", "aliases")


async def do(desk: StaffDesk, actor: Actor, name: str, body: str, *, threshold: int) -> str:
    """One command, with its whole message after the command; counts of people below
    `threshold` are suppressed."""
    languages = desk.languages
    if name == "round_open":
        request = round_request(body, languages)
        new = await desk.open_round(
            actor,
            request.closes,
            request.question,
            list(request.topics) or None,
            areas=request.areas,
        )
        said = [f"Opened round {new}.", await desk.results(actor, new, threshold=threshold)]
        said.append(await desk.round_notes(actor, new))
        return "\n".join(line for line in said if line)
    if name == "areas":
        return await desk_areas.listing(desk, actor, threshold=threshold)
    if name in ("text", "edit"):
        first, lines = keyed_lines(body, (), languages)
        kind, object_id, english = _what(name, first)
        if name == "text":
            return await wording.show(desk, actor, kind, object_id)
        return await wording.edit(desk, actor, kind, object_id, english, _translations(lines))
    if name == "area_remove":
        return await desk_areas.remove(desk, actor, _area(name, body))
    keys = (*_AREA_KEYS, "name") if name == "area_edit" else _AREA_KEYS
    first, lines = keyed_lines(body, keys, languages)
    given = {line.key: line.value for line in lines if line.key in keys}
    if name == "area_add":
        area_name: Texts = {"en": _area(name, first)}
        for line in lines:
            if line.key not in keys:
                translate(area_name, line.key, line.value, line.where)
        return await desk_areas.add(
            desk,
            actor,
            area_name,
            split_list(given.get("aliases", "")),
            split_list(given.get("districts", "")),
            threshold=threshold,
        )
    if name == "area_edit":
        return await desk_areas.edit(
            desk,
            actor,
            _area(name, first),
            name=given.get("name"),
            translations=_translations([line for line in lines if line.key not in keys]),
            aliases=split_list(given["aliases"]) if "aliases" in given else None,
            districts=split_list(given["districts"]) if "districts" in given else None,
            threshold=threshold,
        )
    raise StaffError(f"Unknown staff command /{name}.")


def _what(name: str, first: str) -> tuple[str, int, str | None]:
    words = first.split(maxsplit=2)
    usage = f"Use: /{name} {COMMANDS[name][0]}"
    if len(words) < 2:
        raise StaffError(usage)
    kind, number = words[0].lower(), words[1].lstrip("#")
    if kind not in wording.KINDS:
        raise StaffError(f"{usage} ({kind!r} is not one of them).")
    if not (number.isascii() and number.isdigit()):
        raise StaffError(f"{words[1]!r} is not a number. {usage}")
    return kind, int(number), (words[2] if len(words) > 2 else None)


def _area(name: str, first: str) -> str:
    area = first.strip()
    if not area:
        raise StaffError(f"Use: /{name} {COMMANDS[name][0]}")
    return area


def _translations(lines: list[Line]) -> Texts:
    found: Texts = {}
    for line in lines:
        translate(found, line.key, line.value, line.where)
    return found
