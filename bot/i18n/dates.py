"""Dates as residents write them where they live.

Our residents are in the UK: babel's "en" is American English ("January 5, 2027", "Nov 30"),
which the translators' notes ("like 31 December 2026") and residents do not expect. Other
languages are formatted as their own locale has it (cy: "5 Ionawr 2027").
"""

from __future__ import annotations

_REGIONAL = {"en": "en_GB"}


def date_locale(code: str) -> str:
    """The locale to format a date in for a resident reading `code`."""
    return _REGIONAL.get(code, code)
