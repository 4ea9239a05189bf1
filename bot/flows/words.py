"""How typed text is read as an answer: an option's number or label, a control word, a number,
yes or no. The engine asks a `Words`; the host gives one that knows the resident's language
(translated labels, their words for yes and no), so people who cannot use buttons are never
stuck. `PLAIN` is the English, language-free reading the engine uses on its own.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol

from bot.flows.model import BACK, CANCEL, CONSENT_NO, CONSENT_YES, DONE, SKIP, Option


class Words(Protocol):
    """Reads typed text for the engine."""

    def option(self, typed: str, options: Sequence[Option]) -> Option | None:
        """The option meant: its number in the list (1 = first), its id or its label."""
        ...

    def control(self, typed: str) -> str | None:
        """The control meant (skip, back, done, cancel), if the text names one."""
        ...

    def number(self, typed: str) -> float | None:
        """A number, in any script's digits, with a comma or a point for decimals."""
        ...

    def consent(self, typed: str) -> str | None:
        """yes or no, if the text says so."""
        ...

    def asks_help(self, typed: str) -> bool:
        """True when the text alone asks how to use the bot ("help", "?")."""
        ...


ENGLISH_CONTROLS = {"skip": SKIP, "back": BACK, "done": DONE, "cancel": CANCEL}
ENGLISH_YES_NO = {"yes": CONSENT_YES, "y": CONSENT_YES, "no": CONSENT_NO, "n": CONSENT_NO}
ENGLISH_HELP = frozenset({"help", "?"})


# Direction marks and isolates: invisible, and in right-to-left catalogs around every Latin
# word (Urdu's typed-answer words "haan" and "nahi" among them), so no typed word matched.
_BIDI = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def fold(text: str) -> str:
    """Text as compared: trimmed, case-folded, compatibility-normalised (full-width letters,
    ligatures), so "Yes", "YES" and "ｙｅｓ" are one word; direction marks left out."""
    return unicodedata.normalize("NFKC", text.translate(_BIDI)).strip().casefold()


def _ascii_digits(text: str) -> str:
    # Decimal digits of every script (Arabic-Indic ٣, Bengali ৩, ...) as 0-9; other "digits"
    # such as superscript ² are not numbers people type for an answer.
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def to_number(typed: str) -> float | None:
    """A number as people write one ("3", "-2", "3.5", "3,5"); digits of any script count
    (Arabic-Indic, Bengali, ...), but not "1e3" or "1_000"."""
    text = _ascii_digits(typed.strip()).replace(",", ".").replace("\u066b", ".")  # ٫
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def is_typed_plainly(typed: str) -> bool:
    """False when the text has digits no one types for an answer (superscripts, circled
    numbers), which case folding would otherwise turn into plain ones."""
    return not any(ch.isdigit() and not ch.isdecimal() for ch in typed)


def index_in(typed: str, options: Sequence[Option]) -> Option | None:
    """The option whose number (1 = first) was typed, in any script's digits."""
    text = typed.strip()
    if not text or not text.isdecimal():
        return None
    number = int(_ascii_digits(text))
    return options[number - 1] if 1 <= number <= len(options) else None


class PlainWords:
    """English words and the options' own ids and labels."""

    def option(self, typed: str, options: Sequence[Option]) -> Option | None:
        """By number, id, English label, or one of its other words (`also`)."""
        found = index_in(typed, options)
        if found is not None or not is_typed_plainly(typed):
            return found
        text = fold(typed)
        return next((o for o in options if text in (fold(o.id), fold(o.label))), None) or next(
            (o for o in options if text in {fold(a) for a in o.also}), None
        )

    def control(self, typed: str) -> str | None:
        """skip, back, done, cancel."""
        return ENGLISH_CONTROLS.get(fold(typed))

    def number(self, typed: str) -> float | None:
        """See `to_number`."""
        return to_number(typed)

    def consent(self, typed: str) -> str | None:
        """yes/y or no/n."""
        return ENGLISH_YES_NO.get(fold(typed))

    def asks_help(self, typed: str) -> bool:
        """help or ?."""
        return fold(typed) in ENGLISH_HELP


PLAIN = PlainWords()
