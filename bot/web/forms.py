"""Reading what staff typed into the dashboard's forms: texts in several languages, numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.staff.actor import StaffError
from bot.staff.parsing import texts
from bot.store.texts import Texts


def field(form: Mapping[str, Any], name: str) -> str:
    """A text field, stripped ('' when missing)."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def optional(form: Mapping[str, Any], name: str) -> str | None:
    """A text field, or None when left empty."""
    return field(form, name) or None


def translated(form: Mapping[str, Any], name: str, languages: Iterable[str]) -> Texts:
    """A text staff wrote in English (`name`) and in other languages (`name_cy`, ...); the
    same rules as `cy=...` on the command line."""
    others = [f"{code}={field(form, f'{name}_{code}')}" for code in languages if code != "en"]
    return texts(field(form, name), [t for t in others if not t.endswith("=")])


def maybe_translated(form: Mapping[str, Any], name: str, languages: Iterable[str]) -> Texts | None:
    """As `translated`, or None when the English was left empty."""
    return translated(form, name, languages) if field(form, name) else None


def number(form: Mapping[str, Any], name: str, what: str) -> int:
    """A whole number from a field; StaffError naming the field when it is not one."""
    value = field(form, name)
    if not (value.isascii() and value.isdigit()):
        raise StaffError("{what} must be a whole number.", what=what)
    return int(value)


def numbers(values: Iterable[Any]) -> list[int]:
    """Checked boxes' values as whole numbers (anything else is ignored)."""
    return [int(v) for v in values if isinstance(v, str) and v.isascii() and v.isdigit()]
