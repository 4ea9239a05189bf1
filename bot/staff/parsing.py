"""Reading what staff type: texts in several languages, dates, names."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from bot.staff.actor import StaffError
from bot.staff.said import Said
from bot.store.texts import Texts

_LANG_LINE = re.compile(r"^([a-z]{2,3}(?:[-_][A-Za-z]{2,4})?):\s*(.+)$")
_KEYED_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z_-]{0,20})\s*:\s*(.*)$")
_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z]{2,4})?")
REMOVE = "-"  # a translation of "-" removes that language's text (when editing)


def texts(english: str, translations: Sequence[str] = ()) -> Texts:
    """Staff text: the English, plus `cy=...` or `cy: ...` translations."""
    english = english.strip()
    if not english:
        raise StaffError("The text is empty.")
    result: Texts = {"en": english}
    for code, words in translation_items(translations):
        translate(result, code, words)
    return result


def translation_items(items: Sequence[str]) -> list[tuple[str, str]]:
    """(language, text) from `cy=Helo` or `cy: Helo` (as --tr takes them)."""
    found: list[tuple[str, str]] = []
    for item in items:
        cut = min((i for i in (item.find("="), item.find(":")) if i >= 0), default=-1)
        if cut < 0:
            raise StaffError(
                "Write a translation as LANG=TEXT, like cy=Helo, not {item!r}.", item=item
            )
        code, words = item[:cut].strip().lower().replace("_", "-"), item[cut + 1 :]
        if not code:
            raise StaffError(
                "{item!r} does not say its language: write it like cy=Helo.", item=item
            )
        if not _CODE.fullmatch(code):
            raise StaffError(
                "{code!r} is not a language code like cy, pl or ur (in {item!r}).",
                code=code,
                item=item,
            )
        if not words.strip():
            # TRANSLATORS: {code} is a language code staff typed, like cy.
            raise StaffError(
                "The {code} translation is empty: write {code}=... with its words.", code=code
            )
        found.append((code, words.strip()))
    return found


def translate(target: Texts, code: str, words: str, where: str = "") -> None:
    """Add the `code` translation to `target`, refusing a second one or the English;
    `where` the message begins with names where it was given ("Line 3 (cy: ...): ")."""
    if code == "en":
        # TRANSLATORS: {where} is empty, or where the text was given, like "Line 3 (cy:
        # ...): ".
        raise StaffError(
            "{where}The English is the main text itself: give other languages, like cy=...",
            where=where,
        )
    if code in target:
        # TRANSLATORS: {where} is empty, or where the text was given, like "Line 3 (cy:
        # ...): "; {code} is a language code, like cy.
        raise StaffError(
            "{where}There are two {code} translations of one text: give one.",
            where=where,
            code=code,
        )
    target[code] = words


def check_languages(found: Texts, languages: Collection[str], removing: bool = False) -> None:
    """Refuse a language we have no translations for (and "-", unless removing)."""
    unknown = sorted(code for code in found if code not in languages)
    if unknown:
        # TRANSLATORS: {codes} are the language codes staff gave ('fr', 'xx'); {languages}
        # ours (cy, en, pl, ...).
        raise StaffError(
            "{codes} is not one of our languages: {languages}.",
            codes=", ".join(repr(c) for c in unknown),
            languages=", ".join(sorted(languages)),
        )
    if not removing and REMOVE in found.values():
        raise StaffError("'{remove}' removes a translation, which only 'edit' does.", remove=REMOVE)


@dataclass(frozen=True, slots=True)
class Line:
    """One line after a staff command's first: `key: value`, `key` being a keyword of the
    command (topic, area, ...) or a language code; `number` counts the command's line as 1."""

    number: int
    key: str
    value: str

    @property
    def where(self) -> str:
        """How a message names the line (to begin it)."""
        # TRANSLATORS: the start of a message about a line of what staff sent; {key} is
        # what the line begins with (topic, area or a language code like cy).
        return Said("Line {number} ({key}: ...): ", number=self.number, key=self.key)


def keyed_lines(
    body: str, keywords: Collection[str], languages: Collection[str]
) -> tuple[str, list[Line]]:
    """A staff message's first line, and every later line as `key: value`: one of
    `keywords`, or a translation of the text above it ("cy: ..."). Anything else is refused
    with the line it is on."""
    raw = body.strip("\n").splitlines()
    first = raw[0].strip() if raw else ""
    found: list[Line] = []
    ways = ", ".join(f"'{k}: ...'" for k in keywords)
    for number, line in enumerate(raw[1:], start=2):
        if not line.strip():
            continue
        match = _KEYED_LINE.match(line)
        key = match.group(1).lower().replace("_", "-") if match else ""
        if match is None or (key not in keywords and key not in languages):
            if match is not None and _CODE.fullmatch(key):
                # TRANSLATORS: {key} is the language code a line began with; {languages}
                # ours (cy, en, pl, ...).
                raise StaffError(
                    "Line {number}: '{key}' is not one of our languages: {languages}.",
                    number=number,
                    key=key,
                    languages=", ".join(sorted(languages)),
                )
            if ways:
                # TRANSLATORS: {ways} are the keywords the command takes, like 'topic:
                # ...', 'area: ...': keep them in English.
                raise StaffError(
                    "Line {number} ({line!r}) is not understood: write {ways}, or a "
                    "translation like 'cy: ...'.",
                    number=number,
                    line=line.strip(),
                    ways=ways,
                )
            raise StaffError(
                "Line {number} ({line!r}) is not understood: write a translation like 'cy: ...'.",
                number=number,
                line=line.strip(),
            )
        value = match.group(2).strip()
        if not value:
            raise StaffError(
                "Line {number} ('{key}:') has nothing after the colon.", number=number, key=key
            )
        found.append(Line(number, key, value))
    return first, found


@dataclass(frozen=True, slots=True)
class RoundRequest:
    """A round as a staff message asks for it: closing date, question, topics, areas."""

    closes: str
    question: Texts | None = None
    topics: tuple[Texts, ...] = ()
    areas: tuple[str, ...] = ()


def round_request(body: str, languages: Collection[str]) -> RoundRequest:
    """/round_open's message: `DATE [question]` on the first line, then lines of
    `topic: ...`, `area: A, B` and translations of the question or topic above (`cy: ...`)."""
    first, lines = keyed_lines(body, ("topic", "area", "areas"), languages)
    words = first.split(maxsplit=1)
    if not words:
        raise StaffError(
            "Use: /round_open DATE [question], then lines like 'topic: ...', 'area: ...' and "
            "'cy: ...' (a translation of the line above)."
        )
    question: Texts | None = {"en": words[1].strip()} if len(words) > 1 else None
    current = question
    topics: list[Texts] = []
    areas: list[str] = []
    for line in lines:
        if line.key == "topic":
            current = {"en": line.value}
            topics.append(current)
        elif line.key in ("area", "areas"):
            areas += split_list(line.value)
        elif current is None:
            raise StaffError(
                "Line {number} ({key}: ...): a translation goes under the text it translates: "
                "write the question after the date, or a 'topic: ...' line, first.",
                number=line.number,
                key=line.key,
            )
        else:
            translate(current, line.key, line.value, line.where)
    return RoundRequest(words[0], question, tuple(topics), tuple(areas))


def split_list(value: str) -> list[str]:
    """Names separated by commas ("Riverside, Canton")."""
    return [part.strip() for part in value.split(",") if part.strip()]


def split_translations(message: str) -> tuple[str, list[str]]:
    """A message's first line, and its `cy: ...` translation lines (Telegram staff commands)."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return "", []
    extra = [line for line in lines[1:] if _LANG_LINE.match(line)]
    rest = [line for line in lines[1:] if not _LANG_LINE.match(line)]
    return " ".join([lines[0], *rest]), extra


def parse_day(value: str, *, end_of_day: bool = True) -> datetime:
    """A date like 2026-12-31 (the end of that day, UTC) or a full ISO time."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0), UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise StaffError(
            "{value!r} is not a date. Write it like 2026-12-31.", value=value
        ) from None
    # Stored times are compared as text, so they must all be in UTC.
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def slug(text: str) -> str:
    """A stable key from a label: lowercase words joined by dashes."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:40] or "topic"


def english(texts: Texts) -> str:
    """The English of staff text (else any), for staff listings."""
    return texts.get("en") or next(iter(texts.values()), "")
