"""Names every flow may use: the language list, whether the language is known, who runs this."""

from __future__ import annotations

from bot.host.registry import Fact, OptionList, Param
from bot.i18n.durations import spoken

ENTRIES = (
    # The options themselves are fixed once the catalogs are loaded; the host passes them in.
    OptionList("locales", lambda view, answers: view.locales),
    Fact(
        "language_known",
        ("yes", "no"),
        lambda view: "yes" if view.participant.locale or view.phone_locale else "no",
    ),
    Param("organisation", lambda view, answers: view.organisation),
    Param("retention", lambda view, answers: spoken(view.retention, view.locale)),
)
