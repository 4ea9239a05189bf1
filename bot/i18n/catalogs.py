"""Gettext catalogs, read straight from the .po files with babel.

Catalogs are compiled in memory at start-up from `locales/<code>/LC_MESSAGES/messages.po`, so
a fresh clone works without a build step and a stale or missing .mo can never show English
where a translation exists.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

log = logging.getLogger(__name__)

SOURCE_LOCALE = "en"
DOMAIN = "messages"
NEGOTIATED_KEPT = 512  # language tags remembered (a client could send any)
# Unicode first-strong isolate and pop: keep inserted names and numbers from scrambling the
# order of right-to-left sentences.
FSI, PDI = "\u2068", "\u2069"


def default_locales_dir() -> Path:
    """The repository's locales/ folder."""
    return Path(__file__).resolve().parents[2] / "locales"


class _Params(dict[str, str]):
    """Formatting values that leave an unknown {placeholder} as it is instead of crashing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True, slots=True)
class Translator:
    """One locale's translations, with placeholder filling and right-to-left care."""

    locale: str
    translations: gettext.NullTranslations
    rtl: bool
    fallback: str = SOURCE_LOCALE  # the default language, for staff texts not given in ours

    def pick(self, texts: Mapping[str, str]) -> str:
        """Staff text (locale -> words) for this reader: their language, else the default
        language, else the English (the source text), else any. Built-in texts hold an English
        msgid, translated through the catalogs."""
        chosen = (
            texts.get(self.locale)
            or texts.get(self.fallback)
            or texts.get(SOURCE_LOCALE)
            or next(iter(texts.values()), "")
        )
        return self.gettext(chosen) if chosen else ""

    def gettext(self, message: str, **params: object) -> str:
        """Translate `message` and fill its placeholders."""
        return self._fill(self.translations.gettext(message), params)

    def pgettext(self, context: str, message: str, **params: object) -> str:
        """Translate `message` as meant in `context`, and fill its placeholders."""
        return self._fill(self.translations.pgettext(context, message), params)

    def label(self, label: str, context: str | None = None) -> str:
        """An answer's label: for its question only when the question gives a context."""
        return self.pgettext(context, label) if context else self.gettext(label)

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        """Translate with the locale's CLDR plural rule; `{count}` is filled with n."""
        params.setdefault("count", n)
        return self._fill(self.translations.ngettext(singular, plural, n), params)

    def _fill(self, text: str, params: Mapping[str, object]) -> str:
        if not params:
            return text
        values = _Params({k: (f"{FSI}{v}{PDI}" if self.rtl else str(v)) for k, v in params.items()})
        return text.format_map(values)


class Catalogs:
    """Every available locale's translator, loaded once."""

    def __init__(
        self, locales_dir: Path | None = None, default_locale: str = SOURCE_LOCALE
    ) -> None:
        self.dir = locales_dir or default_locales_dir()
        self._translators: dict[str, Translator] = {
            SOURCE_LOCALE: _translator(SOURCE_LOCALE, None, default_locale)
        }
        for po in sorted(self.dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            code = po.parent.parent.name
            self._translators[code] = _translator(code, po, default_locale)
        self._negotiated: dict[str, str | None] = {}

    def available(self) -> list[str]:
        """Locale codes we can speak, source language first."""
        return [SOURCE_LOCALE, *sorted(c for c in self._translators if c != SOURCE_LOCALE)]

    def get(self, code: str | None) -> Translator:
        """The translator for `code`, or the source language's if we do not have it."""
        return self._translators.get(code or SOURCE_LOCALE, self._translators[SOURCE_LOCALE])

    def negotiate(self, preferred: str | None) -> str | None:
        """Our locale matching a client's language tag (pt-BR → pt), or None."""
        if not preferred:
            return None
        # Every step asks (the tag comes with each update); babel parses the locales each
        # time: 15 µs of a step's 800. Clients send a handful of tags.
        if preferred not in self._negotiated:
            if len(self._negotiated) >= NEGOTIATED_KEPT:
                self._negotiated.clear()
            self._negotiated[preferred] = self._negotiate(preferred)
        return self._negotiated[preferred]

    def _negotiate(self, preferred: str) -> str | None:
        tag = preferred.replace("_", "-")
        found = Locale.negotiate([tag], self.available(), sep="-")
        if found is not None:
            return str(found)
        base = tag.split("-")[0].lower()
        return base if base in self._translators else None

    @staticmethod
    def english_name(code: str) -> str:
        """A language's name in English, e.g. 'Welsh' (for staff)."""
        try:
            return Locale.parse(code).get_display_name("en") or code
        except (UnknownLocaleError, ValueError):
            return code

    @staticmethod
    def display_name(code: str) -> str:
        """A language's name in its own language and script, e.g. 'Cymraeg'."""
        try:
            name = Locale.parse(code).get_display_name(code) or code
        except (UnknownLocaleError, ValueError):
            return code
        return name[:1].upper() + name[1:]


def _translator(code: str, po: Path | None, fallback: str) -> Translator:
    translations: gettext.NullTranslations = gettext.NullTranslations()
    if po is not None:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translations = Translations(fp=buffer, domain=DOMAIN)
    try:
        rtl = Locale.parse(code).text_direction == "rtl"
    except (UnknownLocaleError, ValueError):
        rtl = False
    return Translator(code, translations, rtl, fallback)
