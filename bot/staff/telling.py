"""What staff are told when their action sends residents a message: how many people will be
told, in which languages and how, or why nobody will be. Counts of people below the threshold
(SUPPRESS_BELOW) show as "<5", and one that the others would give away as "[c]"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.jobs.compose import untranslated
from bot.jobs.pacing import QuietHours
from bot.staff import suppress
from bot.staff.said import S_, Said, joined
from bot.store.broadcasts import Audience, Reach
from bot.store.texts import Texts

# Who an audience is, whole ("people who ..."): the audience's type -> its words.
_WHO = {
    "everyone": S_("people who the bot knows"),
    "round": S_("people who took part in round {value}"),
    "topic": S_("people who chose topic {value}"),
    "initiative": S_("people who evaluated initiative {value}"),
    "initiative_people": S_(
        "people who chose initiative {value}'s topics, evaluated it, voted for or proposed its "
        "measures, or whose suggestion was linked to it"
    ),
    "champions": S_("people who are active champions"),
    "area": S_("people who live in area {value}"),
    "participants": S_("people who were picked"),
}
# Why people in the audience are not told, with how many.
_STOPPED = S_("{count} sent /stop")
_BLOCKED = S_("{count} blocked the bot")
_NO_CONSENT = S_("{count} did not agree to take part")


def describe(audience: Audience) -> str:
    """The audience in words: "people who took part in round 3"."""
    if audience.type not in _WHO:
        # TRANSLATORS: {kind} is the audience's type as stored (a code).
        return Said("people who {kind}", kind=audience.type)
    return Said(_WHO[audience.type], value=audience.value)


def told(
    reach: Reach,
    audience: Audience,
    sending: str | None = None,
    *,
    threshold: int,
    texts: Texts | None = None,
) -> str:
    """ "12 people will be told ..." or "Nobody will be told: ...", for a staff member, its
    counts of people suppressed below `threshold`; `sending` says who sends it and when (see
    `by_running_bot`); `texts`, the words staff wrote in it, says who will get them in
    English, their language not being given."""
    who = describe(audience)
    if not reach.members:
        # TRANSLATORS: {who} is "people who took part in round 3".
        return Said("Nobody will be told: there are no {who}.", who=who)
    if not reach.told:
        # The reasons add up to the audience shown: one small one must not follow from it.
        reasons = _reasons(reach)
        shown = suppress.breakdown([n for n, _ in reasons], threshold).shown
        because = joined(
            (Said(why, count=n) for n, (_, why) in zip(shown[:-1], reasons, strict=True)), ", "
        )
        # TRANSLATORS: {who} is "people who took part in round 3"; {because} is "3 sent
        # /stop, <5 blocked the bot".
        nobody = Said(
            "Nobody will be told. Of the {count} {who}: {because}.",
            count=shown[-1],
            who=who,
            because=because,
        )
        return joined([nobody, *_hidden(shown, threshold)])
    # The languages add up to the number told: hidden as the broadcast's progress is.
    by_language = _by_language(reach, threshold)
    languages = " · ".join(
        f"{code} {n}" for code, n in zip(reach.locales, by_language[:-1], strict=True)
    )
    english = in_english(texts, reach.locales)
    lines = [
        # TRANSLATORS: {languages} is language codes with counts: "en 12 · cy <5".
        Said(
            "{count} people will be told, in their language where the message has it "
            "({languages}).",
            count=by_language[-1],
            languages=languages,
        )
        if english
        # TRANSLATORS: {languages} is language codes with counts: "en 12 · cy <5".
        else Said(
            "{count} people will be told, each in their own language ({languages}).",
            count=by_language[-1],
            languages=languages,
        ),
        *_hidden(by_language, threshold),
    ]
    simulator = reach.channels.get("console", 0)
    if simulator:
        # With the total hidden, a count of simulator users beside it would give it away.
        if by_language[-1] != str(reach.told):
            lines.append(
                Said(
                    "Some of them use the terminal simulator: they see it when they next open "
                    "`community-voice chat`."
                )
            )
        else:
            lines.append(
                Said(
                    "{count} of them use the terminal simulator: they see it when they next "
                    "open `community-voice chat`.",
                    count=suppress.count(simulator, threshold),
                )
            )
    if reach.members > reach.told:
        # The audience's whole size is not shown here, so nothing follows from these.
        left_out = joined(
            (Said(why, count=suppress.count(n, threshold)) for n, why in _reasons(reach)), ", "
        )
        # TRANSLATORS: {reasons} is "3 sent /stop, <5 blocked the bot".
        lines.append(Said("Not told: {reasons}.", reasons=left_out))
    if english:
        lines.append(english)
    if sending:
        lines.append(sending)
    return joined(lines)


def in_english(texts: Texts | None, locales: Iterable[str]) -> str:
    """Which readers will get staff's words in English, their language not being given
    ("" when nobody will)."""
    missing = untranslated({"texts": texts}, locales) if texts else []
    if not missing:
        return ""
    # TRANSLATORS: {languages} and {given} are language codes: "pl, ur", "cy, en".
    return Said(
        "Residents reading {languages} will get the English text (texts given: {given}).",
        languages=", ".join(missing),
        given=", ".join(sorted(texts or {})),
    )


def how_many(reach: Reach, threshold: int) -> str:
    """How many people will be told, as `told` says it (for the audit log)."""
    return _by_language(reach, threshold)[-1] if reach.told else "0"


def _by_language(reach: Reach, threshold: int) -> tuple[str, ...]:
    return suppress.breakdown(list(reach.locales.values()), threshold).shown


def quiet_until(quiet: QuietHours | None, now: datetime, zone: str) -> str | None:
    """When quiet hours end ("08:00 (Europe/London)"), if `now` is inside them: nothing is
    sent until then."""
    resume = quiet.resume_at(now) if quiet else None
    return None if resume is None else f"{resume.astimezone(ZoneInfo(zone)):%H:%M} ({zone})"


# TRANSLATORS: {time} is "08:00 (Europe/London)".
_QUIET = S_("It is quiet hours, when nobody is messaged: sending starts at {time}.")
# What a page asks staff to do (`sending_after`) -> when sending starts if they do it.
_STARTS = {
    "confirm": S_("Sending starts as soon as you confirm."),
    "close it": S_("Sending starts as soon as you close it."),
}


def sending_now(quiet: QuietHours | None, now: datetime, zone: str) -> str:
    """For actions taken in the running bot: "Sending now.", or when it will start."""
    until = quiet_until(quiet, now, zone)
    if until is None:
        return Said("Sending now.")
    return Said(_QUIET, time=until)


def sending_after(action: str, quiet: QuietHours | None, now: datetime, zone: str) -> str:
    """For a page asking to confirm an action that sends news (`action`: "confirm" or
    "close it"): when sending will start."""
    until = quiet_until(quiet, now, zone)
    if until is None:
        return Said(_STARTS[action])
    return Said(_QUIET, time=until)


def by_running_bot(when: str) -> str:
    """For actions taken outside the bot (the command line): who sends, and when."""
    return (
        f"The running bot (`make run`) sends it {when}; if it is not running, it goes out "
        "when it starts."
    )


def _hidden(shown: Sequence[str], threshold: int) -> list[str]:
    """The line saying what "[c]" means, when `shown` has one."""
    note = suppress.hidden_note(shown, threshold)
    return [note] if note else []


def _reasons(reach: Reach) -> list[tuple[int, str]]:
    """Why those not told will not be, with how many for each (reasons nobody has left out)."""
    reasons = [
        (reach.stopped, _STOPPED),
        (reach.unreachable, _BLOCKED),
        (reach.no_consent, _NO_CONSENT),
    ]
    return [(n, why) for n, why in reasons if n]
