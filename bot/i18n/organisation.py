"""Who runs the bot, as each resident reads it: the name set for their language
(ORGANISATION_NAME_CY, ...), else the one name set (ORGANISATION_NAME), else a translated
"your local health and wellbeing team"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_

# Who runs the bot when the organisers gave no name (a note for translators follows).
# TRANSLATORS: who runs the bot, put into sentences like "Community Voice, run by ..."
DEFAULT_NAME = N_("your local health and wellbeing team")


@dataclass(frozen=True, slots=True)
class Organisation:
    """The organisation's name: one for every language, and names for some languages."""

    name: str | None = None
    names: tuple[tuple[str, str], ...] = ()  # (locale, name), e.g. (("cy", "Tîm ..."),)

    @classmethod
    def of(cls, name: str | None, names: Mapping[str, str] | None = None) -> Organisation:
        """From the settings: the plain name and the names per language."""
        return cls(name or None, tuple(sorted((names or {}).items())))

    def name_in(self, tr: Translator) -> str:
        """The name a reader of `tr`'s language sees."""
        return dict(self.names).get(tr.locale) or self.name or tr.gettext(DEFAULT_NAME)
