"""Names every flow may use: the language list, whether the language is known, whether news
reaches the resident, who runs this."""

from __future__ import annotations

from bot.host.registry import Fact, OptionList, Param, View
from bot.i18n.durations import spoken


def _news(view: View) -> str:
    return "no" if view.participant.opted_out_at else "yes"


ENTRIES = (
    # The options themselves are fixed once the catalogs are loaded; the host passes them in.
    OptionList("locales", lambda view, answers: view.locales),
    Fact(
        "language_known",
        ("yes", "no"),
        lambda view: "yes" if view.participant.locale or view.phone_locale else "no",
    ),
    # Whether news reaches them: after /stop, no ending may promise a message. Read again
    # when a branch reaches it, as /stop may come in the middle of a flow.
    Fact("news", ("yes", "no"), _news, recheck=lambda view, answers: _news(view)),
    Param("organisation", lambda view, answers: view.organisation),
    Param("retention", lambda view, answers: spoken(view.retention, view.locale)),
)
