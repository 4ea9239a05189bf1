"""Typed answers read in the resident's language: translated labels, control names, numbers
in their own digits, and their words for yes and no."""

from __future__ import annotations

from collections.abc import Sequence

from bot.flows.model import CONSENT_NO, CONSENT_YES, Option
from bot.flows.words import PLAIN, fold, index_in, is_typed_plainly, to_number
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
            **{fold(w): CONSENT_NO for w in tr.gettext(NO_WORDS).split(",") if w.strip()},
            **{fold(w): CONSENT_YES for w in tr.gettext(YES_WORDS).split(",") if w.strip()},
        }

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
        return PLAIN.option(typed, options) or _by_other_words(typed, options)

    def control(self, typed: str) -> str | None:
        """A control by its translated name ("Skip", "◀️ Back" or just "Back")."""
        return self._controls.get(fold(typed)) or PLAIN.control(typed)

    def number(self, typed: str) -> float | None:
        """Digits of any script."""
        return to_number(typed)

    def consent(self, typed: str) -> str | None:
        """The resident's words for yes and no, then English."""
        return self._yes_no.get(fold(typed)) or PLAIN.consent(typed)


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
