"""Translation markers for strings defined before a participant's language is known.

`N_` marks a msgid for the extractor and returns it unchanged; the text is translated later,
at render time, with the participant's catalog. The engine uses it so it stays free of I/O.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark `message` for translation without translating it now."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for translation (Translator.ngettext picks the form)."""
    return singular, plural
