"""Typed answers read in the resident's language: translated labels, control names, numbers
in their own digits, and their words for yes and no."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from bot.flows.model import CONSENT_NO, CONSENT_YES, Option
from bot.flows.words import ENGLISH_HELP, PLAIN, fold, index_in, is_typed_plainly, to_number
from bot.host.render import CONTROL_LABELS
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.store import places

# TRANSLATORS: words a resident may type to say yes, separated by commas: every way your
# language says it (Welsh: "ie, ydw, oes, ydy, do"). Keep "yes" if people use English too.
YES_WORDS = N_("yes, yeah, ok")
# TRANSLATORS: words a resident may type to say no, separated by commas (Welsh: "na, nac ydw,
# nac oes, naddo"). Keep "no" if people use English too.
NO_WORDS = N_("no, nope")
# TRANSLATORS: words a resident may type to ask how to use the bot, separated by commas (Welsh:
# "help, cymorth, helpu"). Keep "help" if people use English too.
HELP_WORDS = N_("help")


# The id of the option for an answer the others do not list ("Another language").
OTHER = "other"

# Letters typed, at the least, for an option to be found by some of its words ("no" or "a"
# start too many words to mean one option).
MIN_SOME_WORDS = 3


class TranslatedWords:
    """`Words` for one language: its labels and words first, then the plain English ones."""

    def __init__(self, tr: Translator) -> None:
        self.tr = tr
        self._controls = {
            key: control
            for control, label in CONTROL_LABELS.items()
            for key in _label_keys(tr.gettext(label))
        }
        self._yes_no = {
            **dict.fromkeys(_listed(tr, NO_WORDS), CONSENT_NO),
            **dict.fromkeys(_listed(tr, YES_WORDS), CONSENT_YES),
        }
        self._help = ENGLISH_HELP | _listed(tr, HELP_WORDS)

    def option(self, typed: str, options: Sequence[Option]) -> Option | None:
        """By number, translated label, or id and English label."""
        found = index_in(typed, options)
        if found is not None or not is_typed_plainly(typed):
            return found
        text = fold(typed)
        for option in options:
            if text in _label_keys(self.tr.label(option.label, option.context)):
                return option
        said = self._yes_no.get(text)  # "ydw" answers a question whose options are yes / no
        if said is not None:
            found = next((o for o in options if o.id == said), None)
            if found is not None:
                return found
        return (
            PLAIN.option(typed, options)
            or self._by_language_name(text, options)
            or _by_other_words(typed, options)
            or self._by_some_words(text, options)
        )

    def _by_language_name(self, text: str, options: Sequence[Option]) -> Option | None:
        """A language's option by any of its names, babel's: in its own language ("polski"),
        the resident's ("Pwyleg") or English ("Polish"). Welsh puts a mutated name after
        some words ("yn Gymraeg", "yng Nghymraeg"): read as its radical when it names no
        other option."""
        names = self._languages(options)
        found = next((o for o in options if text in names.get(o.id, ())), None)
        if found is not None or self.tr.locale != "cy":
            return found
        radicals = _welsh_radicals(text)
        meant = [o for o in options if radicals & names.get(o.id, frozenset())]
        return meant[0] if len(meant) == 1 else None

    def _languages(self, options: Sequence[Option]) -> dict[str, frozenset[str]]:
        """The names of the options that are a language by their label: an id such as "no"
        is not Norsk."""
        names = {o.id: _language_names(o.id, self.tr.locale) for o in options}
        return {
            o.id: names[o.id]
            for o in options
            if names[o.id] & {fold(o.label), fold(self.tr.label(o.label, o.context))}
        }

    def unlisted_language(self, typed: str, options: Sequence[Option]) -> str | None:
        """The name, in the resident's language, of a language typed (in that language or
        in English) that no option is, when the options are languages with another
        (`other`): "French" where French has no button, so they can be told to tap "Another
        language". None otherwise."""
        listed = self._languages(options)
        if not listed or not any(o.id == OTHER for o in options):
            return None
        text = fold(typed)
        codes = _language_codes(self.tr.locale)
        code = codes.get(text)
        if code is None and self.tr.locale == "cy":
            meant = {codes[r] for r in _welsh_radicals(text) if r in codes}
            code = meant.pop() if len(meant) == 1 else None
        # "British English" where English has a button is no other language.
        if code is None or code.split("_")[0] in listed:
            return None
        return Locale.parse(self.tr.locale).languages.get(code)

    def _by_some_words(self, text: str, options: Sequence[Option]) -> Option | None:
        """The one option whose label has every typed word, or a word starting with it:
        "walking group" for "Walking groups for older people", "park" for "Parks and green
        spaces" (in the resident's language or English). None when more than one has."""
        wanted = _words(text)
        if (
            # A yes or a no is never guessed: words around it may turn it round ("দেখান
            # না", "show it, no", was read as "Yes, show exactly where").
            any(o.id in (CONSENT_YES, CONSENT_NO) for o in options)
            or len("".join(wanted)) < MIN_SOME_WORDS
            or text in self._help  # how to answer, even where an option is "Help with ..."
            or self.control(text) is not None  # Skip, Done: never a guess at an option
        ):
            return None

        def has_them(option: Option) -> bool:
            shown = self.tr.label(option.label, option.context)
            words = set(_words(fold(f"{shown} {option.label}")))
            return all(any(w.startswith(typed) for w in words) for typed in wanted)

        found = [o for o in options if has_them(o)]
        return found[0] if len(found) == 1 else None

    def control(self, typed: str) -> str | None:
        """A control by its translated name ("Skip", "◀️ Back" or just "Back")."""
        return self._controls.get(fold(typed)) or PLAIN.control(typed)

    def number(self, typed: str) -> float | None:
        """Digits of any script."""
        return to_number(typed)

    def asks_help(self, typed: str) -> bool:
        """True when the text asks how to use the bot ("help", "?", their own words)."""
        return fold(typed) in self._help

    def consent(self, typed: str) -> str | None:
        """The resident's words for yes and no, then English."""
        return self._yes_no.get(fold(typed)) or PLAIN.consent(typed)


def _words(text: str) -> list[str]:
    """The words of a text: runs of letters, their marks and digits. Not `\\w`, which leaves
    out the vowel signs of Bengali and Gurmukhi ("রাজি" → "র", "জ") and made single letters
    of their words."""
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if unicodedata.category(ch)[0] in "LMN":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _listed(tr: Translator, msgid: str) -> set[str]:
    """The words of a translated, comma-separated list, as typed words are compared."""
    return {fold(word) for word in tr.gettext(msgid).split(",") if word.strip()}


@lru_cache(maxsize=1024)  # options' ids, a few dozen in use; staff's are numbers
def _language_names(code: str, locale: str) -> frozenset[str]:
    """The names of the language `code` (if it is one), as typed words are compared."""
    try:
        language = Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return frozenset()
    names = (language.get_display_name(where) for where in (code, locale, "en"))
    return frozenset(fold(name) for name in names if name)


@lru_cache(maxsize=16)  # one per language of the bot
def _language_codes(locale: str) -> dict[str, str]:
    """Every language babel names, by its name as typed words are compared: in English or
    in `locale` (the later first where two share a name). Not in itself: that would parse
    every language babel has (most of a second, and 150 MB kept)."""
    codes: dict[str, str] = {}
    for where in ("en", locale):
        codes.update((fold(name), code) for code, name in Locale.parse(where).languages.items())
    return codes


# Welsh mutations of a word's first letters, each with the radicals it may come from: nasal
# (c → ngh), aspirate (c → ch) and soft (c → g; a g is dropped: see `_welsh_radicals`).
_MUTATED = (
    ("ngh", ("c",)),
    ("mh", ("p",)),
    ("nh", ("t",)),
    ("ng", ("g",)),
    ("ch", ("c",)),
    ("ph", ("p",)),
    ("th", ("t",)),
    ("dd", ("d",)),
    ("g", ("c",)),
    ("b", ("p",)),
    ("d", ("t",)),
    ("f", ("b", "m")),
    ("l", ("ll",)),
    ("r", ("rh",)),
    ("m", ("b",)),
    ("n", ("d",)),
)


def _welsh_radicals(word: str) -> set[str]:
    """The words a mutated Welsh word may be ("gymraeg" → "cymraeg", "ramadeg" →
    "gramadeg"): candidates only, to be matched against words known."""
    radicals = {"g" + word}
    for mutated, radical in _MUTATED:
        if word.startswith(mutated):
            radicals |= {r + word[len(mutated) :] for r in radical}
    return radicals


def _by_other_words(typed: str, options: Sequence[Option]) -> Option | None:
    """An option whose other words (an area's aliases, names, postcode districts) match, as
    places are compared: "glan yr afon" for Glan-yr-Afon, "cf10 1aa" for CF10."""
    wanted = places.typed_keys(typed)
    return next((o for o in options if o.also and wanted & places.keys_of(o.also)), None)


def _label_keys(label: str) -> set[str]:
    """A label as typed: whole, and without a leading emoji or mark ("◀️ Back" → "back")."""
    whole = fold(label)
    keys = {whole}
    first, _, rest = whole.partition(" ")
    if rest and not any(ch.isalnum() for ch in first):
        keys.add(rest.strip())
    return keys
