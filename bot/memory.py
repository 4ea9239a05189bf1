"""Handing back to the operating system the memory a finished broadcast no longer uses.

A broadcast to thousands of people leaves the C allocator (glibc's malloc) holding the pages
its requests, answers and database reads used: free, but still counted in the bot's resident
memory, about 8 MB after 58,000 results messages at 1000/s (bench/broadcast.py). glibc keeps
them in case they are needed again; `malloc_trim` gives them back. Python's own allocator for
small objects keeps an arena while any object in it lives, and nothing here changes that.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import cast

__all__ = ["release_free_memory"]


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        c_library = ctypes.CDLL(None)  # the symbols the interpreter itself was linked with
    except (OSError, TypeError):  # TypeError: Windows has no such handle
        return None
    trim = getattr(c_library, "malloc_trim", None)  # glibc only (not musl, not macOS)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return cast("Callable[[int], int]", trim)


_TRIM = _malloc_trim()


def release_free_memory() -> bool:
    """Give the C allocator's free pages back to the system; False where it cannot (a C
    library without `malloc_trim`). Takes milliseconds: call it off the event loop."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
