"""Lengths of time as a sentence says them, in any language ("2 years", "2 flynedd")."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from babel.units import format_unit


# The privacy note says the retention period at every /start: babel takes 50 µs to word it.
@lru_cache(maxsize=256)
def spoken(length: timedelta, locale: str) -> str:
    """Whole years, else whole months (of 30 days), else days, in the locale's words."""
    days = round(length.total_seconds() / 86400)
    if days and days % 365 == 0:
        return format_unit(days // 365, "duration-year", locale=locale)
    if days and days % 30 == 0:
        return format_unit(days // 30, "duration-month", locale=locale)
    return format_unit(max(days, 1), "duration-day", locale=locale)
