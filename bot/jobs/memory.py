"""Giving memory back after a broadcast: its tasks, rows and answers were freed, but the C
allocator keeps the pages for later unless asked (after one to 97,000 people the bot stayed
25 MB above its idle size)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim  # glibc only
        return trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release() -> None:
    """Collect what cycles hold, then return the allocator's free pages to the system."""
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)
