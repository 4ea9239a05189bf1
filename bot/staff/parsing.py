"""Reading what staff type: texts in several languages, dates, names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from bot.staff.actor import StaffError
from bot.store.texts import Texts

_LANG_LINE = re.compile(r"^([a-z]{2,3}(?:[-_][A-Za-z]{2,4})?):\s*(.+)$")


def texts(english: str, translations: Sequence[str] = ()) -> Texts:
    """Staff text: the English, plus `cy=...` or `cy: ...` translations."""
    english = english.strip()
    if not english:
        raise StaffError("The text is empty.")
    result: Texts = {"en": english}
    for item in translations:
        match = _LANG_LINE.match(item.replace("=", ": ", 1) if "=" in item else item)
        if not match:
            raise StaffError(
                f"Write translations as LANG=TEXT (for example cy=Helo), not {item!r}."
            )
        result[match.group(1).replace("_", "-").lower()] = match.group(2).strip()
    return result


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
        raise StaffError(f"{value!r} is not a date. Write it like 2026-12-31.") from None
    # Stored times are compared as text, so they must all be in UTC.
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def slug(text: str) -> str:
    """A stable key from a label: lowercase words joined by dashes."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:40] or "topic"


def english(texts: Texts) -> str:
    """The English of staff text (else any), for staff listings."""
    return texts.get("en") or next(iter(texts.values()), "")
