"""How what a resident types is compared with the areas staff defined: names in any
language and aliases, case and accents aside, and UK postcode districts ("CF10", or a whole
postcode like "cf10 1aa", whose district is CF10). Pure functions, no SQL."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# The outward code of a UK postcode (its district): CF10, M1, SW1A, EC1A, B33.
_DISTRICT = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_WHOLE = re.compile(rf"({_DISTRICT})(?:\s*[0-9][A-Z]{{0,2}})?")  # district, sector or postcode
_INSIDE = re.compile(rf"\b({_DISTRICT})\s*[0-9][A-Z]{{2}}\b")  # a full postcode in a sentence
# Typed in any case, inside other words; a digit then "st", "nd", "rd" or "th" in small
# letters is read as an ordinal, not an inward code ("Block A1 2nd floor" is not a
# postcode), in capitals as one ("CF10 1ST" is).
_INSIDE_ANY_CASE = re.compile(
    rf"\b({_DISTRICT})\s*(?![0-9](?-i:st|nd|rd|th)\b)[0-9][A-Z]{{2}}\b", re.IGNORECASE
)


def fold_place(text: str) -> str:
    """A place name as compared: case, accents, punctuation and extra spaces aside, so
    "Glan-yr-Afon", "glan yr afon" and "Glan yr Âfon" are one name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    words = "".join(ch if ch.isalnum() else " " for ch in plain)
    return " ".join(words.split())


def area_key(name: str) -> str:
    """How a resident's area and a round's area are compared (case and spacing aside)."""
    return " ".join(name.split()).casefold()


def district(typed: str) -> str | None:
    """The postcode district in what was typed ("cf10 1aa" → "CF10"), if it is one."""
    text = _ascii_digits(typed).upper().strip()
    whole = _WHOLE.fullmatch(text)
    if whole:
        return whole.group(1)
    inside = _INSIDE.search(text)
    return inside.group(1) if inside else None


def coarse(typed: str) -> str:
    """What a resident typed for their area, any whole postcode in it cut to its district
    ("CF10 1AA" → "CF10"): the question asks for the first part, and a whole postcode points
    at a few houses, which we do not need and should not keep."""
    plain = _ascii_digits(typed)
    whole = _WHOLE.fullmatch(plain.upper().strip())
    if whole:
        return whole.group(1)
    if not _INSIDE_ANY_CASE.search(plain):
        return typed  # no postcode: their words as typed, in their own digits
    # A postcode in Arabic or Bengali digits inside a sentence is cut too (the sentence's
    # digits are then kept as 0-9).
    return _INSIDE_ANY_CASE.sub(lambda m: m.group(1).upper(), plain)


def is_district(code: str) -> bool:
    """True for a postcode district written as one, like CF10 (not a whole postcode)."""
    return re.fullmatch(_DISTRICT, code) is not None


def typed_keys(typed: str) -> set[str]:
    """What a typed answer may match: the words as a name, and its postcode district."""
    keys = {fold_place(typed)}
    found = district(typed)
    if found:
        keys.add(fold_place(found))
    return keys - {""}


def keys_of(words: Iterable[str]) -> set[str]:
    """Names, aliases and districts as compared."""
    return {fold_place(w) for w in words} - {""}


def _ascii_digits(text: str) -> str:
    # Postcodes typed on a phone set to Arabic or Bengali may come in their digits.
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)
