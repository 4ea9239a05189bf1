"""What a champion can do besides the champions flow (QS148 statement 4): share their link,
get a poster to print, see how many people joined through them, ask our team for support.

Each is a function of a `Step`, inside its transaction; posters and charts are only asked
for here (`step.drawings`) and drawn by the Host after the transaction has committed.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

from babel.dates import format_skeleton
from babel.numbers import format_decimal

from bot.host import deeplinks, hostnodes, texts
from bot.host.artwork import ChartWanted, PosterRequest, PosterWanted, StatsChart
from bot.host.replies import Button, Link, Message, Question
from bot.host.steps import Step
from bot.i18n.catalogs import Catalogs
from bot.i18n.dates import date_locale
from bot.i18n.markers import N_
from bot.store.champions import RETIRED, Champion, declined
from bot.store.referral_stats import FLOWS, Shown, referral_stats

STATS_WEEKS = 8  # weeks listed in the message; the chart shows more
SUPPORT_FLOW = "support"

NOT_CHAMPION = N_(
    "This is for community champions. To become one, send /menu and choose "
    "“🤝 Help others as a community champion”."
)
NOT_YET = N_(
    "Thank you for offering to help! Our team will contact you soon. When they have said yes, "
    "you will get your own link to share."
)
YOUR_LINK = N_(
    "Here is your own link. When people join through it, we know they came through you:\n"
    "{link}\nTap the button to send it to people you know, with a few words from us."
)
SHARE = N_("📤 Share my link")
INVITATION = N_(
    "We want to hear what matters to you about health where you live. "
    "It takes a few minutes, in your own language."
)
POSTER_LANGUAGES = N_("Which languages should your poster be in?")
POSTER_CANNOT = N_("A poster can be in one or two languages, from these: {languages}.")
POSTER_CAPTION = N_("Your poster. Print the PDF on A4 paper, or share the picture.")
STATS_NONE = N_("Nobody has joined through your link yet. Send /mylink to share it.")
# A paused or retired champion's /mylink gives no link: not pointed at it.
STATS_NONE_NOT_ACTIVE = N_("Nobody has joined through your link.")
STATS_JOINED = N_("People who joined through your link: {count}")
STATS_FINISHED = N_("How many of them answered:")
STATS_BY_WEEK = N_("By week (the week that starts on that Monday):")
STATS_WEEK = N_("{week}: {count} joined")
STATS_SMALL = N_("Numbers from 1 to 4 show as “<5”, so that nobody can be recognised.")
STATS_TITLE = N_("People who joined through your link, by week")


def _champion(step: Step, *allowed: str) -> Champion | None:
    """The resident's champion record if its status is allowed; otherwise a kind word."""
    found = step.snapshot.champion()
    if found is not None and found.status in allowed:
        return found
    if found is None:
        step.say(NOT_CHAMPION)
    elif found.status == "interested":
        step.say(NOT_YET)
    elif found.status == "paused":
        step.say(texts.PAUSED)
    elif declined(found):
        step.say(texts.DECLINED)
    elif found.status == RETIRED:
        step.say(texts.ENDED)
    else:
        step.say(NOT_CHAMPION)
    return None


def check_in_question(step: Step) -> Question | None:
    """The monthly check-in as it would be asked now (None: they are not a champion in the
    role any more), so that words typed in reply answer it."""
    champion = step.snapshot.champion()
    if champion is None or champion.status not in ("active", "paused"):
        return None
    tr = step.tr
    return Question.of_host(
        hostnodes.CHAMPION_SUPPORT,
        tr.gettext(texts.CHECK_IN),
        (
            Button(tr.gettext(texts.CHECK_IN_OK), "ok"),
            Button(tr.gettext(texts.CHECK_IN_HELP), "help"),
        ),
    )


def my_link(step: Step) -> None:
    """/mylink: the link again, with a button that shares it with a ready-made invitation."""
    champion = _champion(step, "active")
    if champion is None:
        return
    link = deeplinks.link(step.host.bot_username, champion.code)
    invitation = step.tr.gettext(INVITATION)
    share = f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(invitation, safe='')}"
    step.replies.append(
        Message(step.tr.gettext(YOUR_LINK, link=link), links=(Link(step.tr.gettext(SHARE), share),))
    )


def my_poster(step: Step, wanted: str | None = None) -> None:
    """/myposter [cy,en]: the poster in the languages asked for, or a question which."""
    champion = _champion(step, "active")
    if champion is None:
        return
    choices = poster_choices(step, champion)
    locales = _locales(step, wanted) if wanted else (choices[0] if len(choices) == 1 else None)
    if locales is None and wanted:
        # "/myposter cy,pl,ar" was answered by the question alone, with no word of why.
        codes = ", ".join(step.host.catalogs.available())
        step.say(POSTER_CANNOT, languages=codes)
    if locales is None:
        step.replies.append(_languages_question(step, choices))
        return
    request = PosterRequest(
        deeplinks.link(step.host.bot_username, champion.code),
        locales,
        step.host.organisation,
        area=step.participant.area,
    )
    stem = "community-voice-poster-" + "-".join(locales)
    step.drawings.append(PosterWanted(request, stem, step.tr.gettext(POSTER_CAPTION)))


def poster_question(step: Step) -> Question | None:
    """The poster's languages question as /myposter would ask it now (None: it would not,
    not being an active champion's with a choice to make)."""
    champion = step.snapshot.champion()
    if champion is None or champion.status != "active":
        return None
    choices = poster_choices(step, champion)
    return _languages_question(step, choices) if len(choices) > 1 else None


def _languages_question(step: Step, choices: list[tuple[str, ...]]) -> Question:
    return Question.of_host(
        hostnodes.POSTER_LANGUAGES,
        step.tr.gettext(POSTER_LANGUAGES),
        tuple(
            Button(" + ".join(Catalogs.display_name(c) for c in pair), "+".join(pair))
            for pair in choices
        ),
    )


def poster_choices(step: Step, champion: Champion) -> list[tuple[str, ...]]:
    """Languages a poster could be in: theirs with English, each alone, and the other
    languages they said they speak (at most six choices)."""
    have = set(step.host.catalogs.available())
    own = step.locale
    spoken = [c for c in champion.languages if c in have and c not in (own, "en")]
    choices: list[tuple[str, ...]] = []
    if own != "en":
        choices += [(own, "en"), (own,)]
    choices.append(("en",))
    choices += [(code, "en") for code in spoken]
    return list(dict.fromkeys(choices))[:6]


def _locales(step: Step, wanted: str) -> tuple[str, ...] | None:
    codes = tuple(dict.fromkeys(c for c in re.split(r"[\s,+]+", wanted.lower()) if c))
    have = set(step.host.catalogs.available())
    return codes if 1 <= len(codes) <= 2 and set(codes) <= have else None


def my_stats(step: Step) -> None:
    """/mystats: how many joined through their link and finished each flow, by week, with
    small numbers hidden; and a chart."""
    champion = _champion(step, "active", "paused", RETIRED)
    if champion is None:
        return
    flows = [f for f in FLOWS if f in step.host.flows]
    stats = referral_stats(step.conn, champion.id, flows)
    if not stats.weeks:
        step.say(STATS_NONE if champion.status == "active" else STATS_NONE_NOT_ACTIVE)
        return
    tr = step.tr

    def shown(value: Shown) -> str:
        return value.text(lambda n: format_decimal(n, locale=tr.locale))

    lines = [tr.gettext(STATS_JOINED, count=shown(stats.joined)), tr.gettext(STATS_FINISHED)]
    titles = {f: tr.gettext(step.host.flows.get(f).title) for f in flows}
    lines += [f"• {titles[f]}: {shown(stats.finished[f])}" for f in flows]
    lines += ["", tr.gettext(STATS_BY_WEEK)]
    for week in reversed(stats.weeks[-STATS_WEEKS:]):
        monday = format_skeleton(
            "MMMd", date.fromisoformat(week.monday), locale=date_locale(tr.locale)
        )
        lines.append(tr.gettext(STATS_WEEK, week=monday, count=shown(week.joined)))
        lines += [
            f"    {titles[f]}: {shown(week.finished[f])}"
            for f in flows
            if week.finished[f].hidden or week.finished[f].value
        ]
    if any(s.hidden for s in (stats.joined, *stats.finished.values())) or any(
        w.joined.hidden for w in stats.weeks
    ):
        lines += ["", tr.gettext(STATS_SMALL)]
    step.say_text("\n".join(lines))
    chart = StatsChart(stats, tr.gettext(STATS_TITLE), tr.locale, step.now.date().isoformat())
    step.drawings.append(ChartWanted(chart, ""))


def support(step: Step) -> None:
    """/support: ask our team for help (the support flow checks they are a champion)."""
    step.begin(SUPPORT_FLOW)
