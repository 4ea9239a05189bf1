"""The dashboard's own words, in English and Welsh (the Welsh Language Standards apply to
Welsh councils). They live in a gettext domain of their own, `dashboard`
(locales/dashboard.pot, locales/<code>/LC_MESSAGES/dashboard.po), apart from the residents'
`messages`, which must be complete in every resident language; a staff member whose language
has no dashboard catalog reads English.

Python code here marks its texts with `W_` (not `_` or `N_`, which the residents' extraction
collects); templates use `_()`. `make i18n` extracts both (babel-dashboard.cfg)."""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.i18n.catalogs import SOURCE_LOCALE, default_locales_dir
from bot.staff import suppress
from bot.staff.actor import StaffError
from bot.staff.said import Said

DOMAIN = "dashboard"
MAPPING = "babel-dashboard.cfg"  # what `make i18n` extracts for this domain
# The marks it extracts beside gettext's own (the Makefile's DASHBOARD_KEYWORDS): W_ here,
# the staff layer's templates (bot/staff/said.py) there.
KEYWORDS = ("W_", "S_", "StaffError", "Refused", "Said")
LANGUAGE_COOKIE = "lang"
_ENGLISH = gettext.NullTranslations()
_current: ContextVar[gettext.NullTranslations | None] = ContextVar(
    "dashboard_translations", default=None
)
_language: ContextVar[str] = ContextVar("dashboard_language", default=SOURCE_LOCALE)


def W_(message: str) -> str:
    """Mark a dashboard text for translation; it is translated when shown (`tr`)."""
    return message


def tr(message: str, **params: object) -> str:
    """A dashboard text in the language of the page being made, placeholders filled (a value
    the staff layer said, such as where a command is on the dashboard, in that language too)."""
    text = (_current.get() or _ENGLISH).gettext(message)
    if not params:
        return text
    return text.format(**{k: say(v) if isinstance(v, Said) else v for k, v in params.items()})


def say(text: str) -> str:
    """What the staff layer said (`Said`: its errors, some of its answers) in the language
    of the page being made; any other text as it is."""
    if isinstance(text, Said):
        return text.translated((_current.get() or _ENGLISH).gettext)
    return text


def explain(error: StaffError) -> str:
    """Why a staff request was not done, in the language of the page being made."""
    return say(error.said)


def not_done(error: StaffError) -> str:
    """A flash after a form: "Not done: ..." and why."""
    return tr(W_("Not done: {reason}"), reason=explain(error))


class DashboardCatalogs:
    """The dashboard's catalogs, read from the .po files at start (no build step)."""

    def __init__(self, locales_dir: Path | None = None) -> None:
        folder = locales_dir or default_locales_dir()
        self._translations: dict[str, gettext.NullTranslations] = {
            SOURCE_LOCALE: gettext.NullTranslations()
        }
        for po in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            code = po.parent.parent.name
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=code)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            buffer.seek(0)
            self._translations[code] = Translations(fp=buffer, domain=DOMAIN)

    def available(self) -> list[str]:
        """Languages the dashboard speaks, English first."""
        return [SOURCE_LOCALE, *sorted(c for c in self._translations if c != SOURCE_LOCALE)]

    def choose(self, cookie: str | None, accept_language: str | None) -> str:
        """The page's language: the one staff picked (a cookie), else the browser's first
        language we have, else English."""
        if cookie in self._translations:
            return str(cookie)
        for part in (accept_language or "").split(","):
            tag = part.split(";")[0].strip().replace("_", "-")
            if not tag or tag == "*":
                continue
            found = Locale.negotiate([tag], self.available(), sep="-")
            if found is not None:
                return str(found)
            base = tag.split("-")[0].lower()
            if base in self._translations:
                return base
        return SOURCE_LOCALE

    def use(self, code: str) -> None:
        """Translate what is made from now on in this task (one request) into `code`."""
        _current.set(self._translations.get(code, self._translations[SOURCE_LOCALE]))
        _language.set(code if code in self._translations else SOURCE_LOCALE)

    @staticmethod
    def name(code: str) -> str:
        """A language's name in itself: English, Cymraeg."""
        name = Locale.parse(code).get_display_name(code) or code
        return name[:1].upper() + name[1:]


def staff_text(texts: Mapping[str, str]) -> str:
    """Text staff wrote (a round's question, an initiative's title) in the page's language
    when they gave it, else in English, else in whatever they wrote."""
    return texts.get(_language.get()) or texts.get("en") or next(iter(texts.values()), "")


def gettext_now(message: str) -> str:
    """For Jinja2's i18n extension: `_()` in a template."""
    return (_current.get() or _ENGLISH).gettext(message)


def ngettext_now(singular: str, plural: str, n: int) -> str:
    """For Jinja2's i18n extension: `ngettext()` in a template."""
    return (_current.get() or _ENGLISH).ngettext(singular, plural, n)


# Stored status words, as staff read them on the dashboard.
STATUSES = {
    "open": W_("open"),
    "closed": W_("closed"),
    "planned": W_("planned"),
    "active": W_("active"),
    "paused": W_("paused"),
    "finished": W_("finished"),
    # A resident's idea for a measure that staff have not accepted for votes yet.
    "suggested": W_("waiting for review"),
    "proposed": W_("proposed"),
    "adopted": W_("adopted"),
    "rejected": W_("rejected"),
    "interested": W_("interested"),
    "ended": W_("retired"),
    "new": W_("new"),
    "verified": W_("verified"),
    "hidden": W_("hidden"),
    "draft": W_("draft"),
    "scheduled": W_("scheduled"),
    "sending": W_("sending"),
    "cancelled": W_("cancelled"),
    "done": W_("done"),
    "answered": W_("answered"),
}


def status(word: str) -> str:
    """A stored status word in the page's language."""
    return tr(STATUSES.get(word, word))


# As staff are told it on the command line and in Telegram (bot/staff/suppress.py).
# TRANSLATORS: keep "[c]" as it is: it is what the page shows in place of the count.
HIDDEN_NOTE = W_(
    "[c]: hidden, so that a count under {threshold} cannot be worked out from the others."
)


def hidden_note(shown: Iterable[str], threshold: int) -> str:
    """What "[c]" means, in the page's language, when some count in `shown` is one (else
    nothing)."""
    if suppress.HIDDEN not in shown:
        return ""
    return tr(HIDDEN_NOTE, threshold=threshold)
