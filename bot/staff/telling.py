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
from bot.store.broadcasts import Audience, Reach
from bot.store.texts import Texts

# Who an audience is, as the end of "people who ...".
_WHO = {
    "everyone": "the bot knows",
    "round": "took part in round {value}",
    "topic": "chose topic {value}",
    "initiative": "evaluated initiative {value}",
    "initiative_people": (
        "chose initiative {value}'s topics, evaluated it, voted for or proposed its measures, "
        "or whose suggestion was linked to it"
    ),
    "champions": "are active champions",
    "area": "live in area {value}",
    "participants": "were picked",
}


def describe(audience: Audience) -> str:
    """The audience in words: "people who took part in round 3"."""
    return "people who " + _WHO.get(audience.type, audience.type).format(value=audience.value)


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
        return f"Nobody will be told: there are no {who}."
    if not reach.told:
        # The reasons add up to the audience shown: one small one must not follow from it.
        reasons = _reasons(reach)
        shown = suppress.breakdown([n for n, _ in reasons], threshold).shown
        because = ", ".join(f"{n} {why}" for n, (_, why) in zip(shown[:-1], reasons, strict=True))
        return f"Nobody will be told. Of the {shown[-1]} {who}: {because}." + _hidden(
            shown, threshold
        )
    # The languages add up to the number told: hidden as the broadcast's progress is.
    by_language = _by_language(reach, threshold)
    languages = " · ".join(
        f"{code} {n}" for code, n in zip(reach.locales, by_language[:-1], strict=True)
    )
    english = in_english(texts, reach.locales)
    how = "in their language where the message has it" if english else "each in their own language"
    lines = [
        f"{by_language[-1]} people will be told, {how} ({languages})."
        + _hidden(by_language, threshold)
    ]
    simulator = reach.channels.get("console", 0)
    if simulator:
        # With the total hidden, a count of simulator users beside it would give it away.
        some = by_language[-1] != str(reach.told)
        lines.append(
            f"{'Some' if some else suppress.count(simulator, threshold)} of them use the "
            "terminal simulator: they see it when they next open `community-voice chat`."
        )
    if reach.members > reach.told:
        # The audience's whole size is not shown here, so nothing follows from these.
        left_out = ", ".join(f"{suppress.count(n, threshold)} {why}" for n, why in _reasons(reach))
        lines.append(f"Not told: {left_out}.")
    if english:
        lines.append(english)
    if sending:
        lines.append(sending)
    return "\n".join(lines)


def in_english(texts: Texts | None, locales: Iterable[str]) -> str:
    """Which readers will get staff's words in English, their language not being given
    ("" when nobody will)."""
    missing = untranslated({"texts": texts}, locales) if texts else []
    if not missing:
        return ""
    given = ", ".join(sorted(texts or {}))
    return (
        f"Residents reading {', '.join(missing)} will get the English text (texts given: {given})."
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


def sending_now(quiet: QuietHours | None, now: datetime, zone: str) -> str:
    """For actions taken in the running bot: "Sending now.", or when it will start."""
    until = quiet_until(quiet, now, zone)
    if until is None:
        return "Sending now."
    return f"It is quiet hours, when nobody is messaged: sending starts at {until}."


def sending_after(action: str, quiet: QuietHours | None, now: datetime, zone: str) -> str:
    """For a page asking to confirm an action that sends news: when sending will start."""
    until = quiet_until(quiet, now, zone)
    if until is None:
        return f"Sending starts as soon as you {action}."
    return f"It is quiet hours, when nobody is messaged: sending starts at {until}."


def by_running_bot(when: str) -> str:
    """For actions taken outside the bot (the command line): who sends, and when."""
    return (
        f"The running bot (`make run`) sends it {when}; if it is not running, it goes out "
        "when it starts."
    )


def _hidden(shown: Sequence[str], threshold: int) -> str:
    """A line saying what "[c]" means, when `shown` has one."""
    note = suppress.hidden_note(shown, threshold)
    return f"\n{note}" if note else ""


def _reasons(reach: Reach) -> list[tuple[int, str]]:
    """Why those not told will not be, with how many for each (reasons nobody has left out)."""
    reasons = [
        (reach.stopped, "sent /stop"),
        (reach.unreachable, "blocked the bot"),
        (reach.no_consent, "did not agree to take part"),
    ]
    return [(n, why) for n, why in reasons if n]
