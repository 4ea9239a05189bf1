"""What staff read: lists of rounds, initiatives, measures, champions and assets, and a
round's results, as plain text. Counts of people are suppressed below the threshold
(SUPPRESS_BELOW), as in reports and on the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.staff import suppress
from bot.staff.commands import command, no_such
from bot.staff.parsing import english
from bot.store import assets, champions, initiatives, rounds
from bot.store.db import Tx
from bot.store.rounds import TopicResult, firsts_hidden, in_order
from bot.store.texts import Texts

LISTINGS = ("rounds", "initiatives", "measures", "champions", "assets")


def listing(conn: Tx, what: str, channel: str, threshold: int) -> list[str]:
    """One line per row of `what` (one of LISTINGS), for staff in `channel`; counts of
    people below `threshold` show as "<5"."""
    lines: list[str] = []
    if what == "rounds":
        for r in rounds.all_rounds(conn):
            area = f" area {r.area}" if r.area else ""
            lines.append(f"round {r.id} [{r.status}] {_closing(r)}{area}: {english(r.question)}")
    elif what == "initiatives":
        for i in initiatives.all_initiatives(conn):
            topics = ", ".join(str(t) for t in initiatives.topic_ids(conn, i.id))
            lines.append(
                f"initiative {i.id} [{i.status}] topics {topics or '-'}: {english(i.title)}"
            )
    elif what == "measures":
        waiting = 0
        for i in initiatives.all_initiatives(conn):
            for m in initiatives.measures(conn, i.id):
                if m.status == "suggested":
                    waiting += 1
                    how = "waiting for you, not shown to residents"
                else:
                    how = f"{suppress.count(m.votes, threshold)} votes"
                lines.append(
                    f"measure {m.id} [{m.status}] initiative {i.id}, {how}: "
                    f"{measure_words(m, channel)}"
                )
        if waiting:
            lines.append(waiting_note(waiting, channel))
    elif what == "champions":
        for c in champions.all_champions(conn):
            # What they offered, to decide on approving them: their times and skills too.
            skills = f"; skills {resident_words(c.skills, channel)}" if c.skills else ""
            other = f" ({resident_words(c.other_languages, channel)})" if c.other_languages else ""
            lines.append(
                f"champion {c.id} [{c.status}] roles {', '.join(c.roles) or '-'}; "
                f"languages {', '.join(c.languages) or '-'}{other}; "
                f"times {', '.join(c.availability) or '-'}{skills}; "
                f"{'may' if c.may_contact else 'do not'} contact"
            )
    else:
        for a in assets.all_assets(conn):
            place = a.place or (f"{a.latitude:.4f},{a.longitude:.4f}" if a.latitude else "-")
            who_for = f"; who it is for: {resident_words(a.who_for, channel)}" if a.who_for else ""
            contact = "may be contacted" if a.may_contact else "do not contact"
            lines.append(
                f"asset {a.id} [{a.status}] {a.category} at {place} ({contact}): resident "
                f"said {resident_words(a.what, channel)}{who_for}"
            )
    return lines


def measure_text(texts: Texts) -> str:
    return "(voice note)" if "voice" in texts and len(texts) == 1 else english(texts)


def own_words(m: initiatives.Measure) -> tuple[str, str] | None:
    """(language, words) of a resident's measure in the language they wrote it in, while it
    has words in that language (None for staff's measures, and those kept before the
    language was recorded with more than one language)."""
    if m.locale is None or m.locale not in m.text:
        return None
    return m.locale, m.text[m.locale]


def measure_words(m: initiatives.Measure, channel: str) -> str:
    """A measure's words for staff: a resident's quoted, in the language they wrote, and
    which other languages staff have given it in."""
    if not m.residents:
        return measure_text(m.text)
    own = own_words(m)
    if own is None:
        return f"proposed by a resident: {resident_words(measure_text(m.text), channel)}"
    others = sorted(c for c in m.text if c not in (own[0], "voice"))
    also = f" (also in {', '.join(others)})" if others else ""
    return f"proposed by a resident, in {own[0]}: {resident_words(own[1], channel)}{also}"


def waiting_note(waiting: int, channel: str) -> str:
    """What to do with residents' ideas that wait for staff."""
    return (
        f"{waiting} idea(s) from residents wait for you: other residents see one only when "
        f"you accept it for votes ({command(channel, 'measure-accept', 'ID')}), or reject it "
        f"({command(channel, 'measure-reject', 'ID')}). Edit its words first if it names "
        f"someone or needs translating ({command(channel, 'edit-measure', 'ID')} ...)."
    )


def resident_words(value: object, channel: str) -> str:
    """A resident's words as staff see them: quoted, so they never read as staff text; a
    voice note as where to hear it in `channel`."""
    if isinstance(value, dict) and "voice" in value or value == "(voice note)":
        return f"(a voice note: {command(channel, 'voice-notes')} lists it)"
    return f"«{value}»"


def _closing(found: rounds.Round) -> str:
    """When a round closes, or the day it did (one closed early did not wait for its date)."""
    if found.closed_at:
        return f"on {found.closed_at[:10]}"
    return f"closes {closing_time(found.closes_at)}"


def closing_time(closes_at: str) -> str:
    """A round's closing as staff gave it: the day, or the day and time when they gave one
    (stored in UTC; "2026-12-31" closes at the end of that day)."""
    when = datetime.fromisoformat(closes_at)
    if (when.hour, when.minute) == (23, 59):
        return closes_at[:10]
    return f"{closes_at[:10]} {when:%H:%M} UTC"


@dataclass(frozen=True, slots=True)
class Ranked:
    """A round's results as staff may see them: how many took part, and for each topic (in
    ranking order) how many chose it and put it first, as text."""

    took_part: str
    topics: tuple[tuple[TopicResult, str, str], ...]  # (result, chose it, put it first)
    firsts_hidden: bool = False  # every first choice shown as "[c]"

    @property
    def rule(self) -> str:
        """How the topics are ordered, in one sentence, true of this table."""
        return rounds.RANKING_RULE_HIDDEN if self.firsts_hidden else rounds.RANKING_RULE


def ranked(results: Sequence[TopicResult], took_part: int, threshold: int) -> Ranked:
    """`results` with counts from 1 to `threshold - 1` shown as "<5".

    Each "chose it" stands alone (a resident chooses up to 3 topics: they add up to no shown
    total). The firsts add up to how many took part, which is shown, and each is at most its
    topic's "chose it", so hiding just enough of them to stop a subtraction is not safe (the
    limits the reader knows can still pin a hidden first down). The rule instead, simple
    enough to check: when any first is from 1 to `threshold - 1`, every first of a topic
    somebody chose is "[c]", zeros included (shown, the zeros would say how many hidden
    firsts share the total: 5 took part and five "[c]" would be 1 each); only a topic nobody
    chose shows 0, as its "0 chose it" already says. Otherwise every first is shown."""
    hidden = firsts_hidden(((r.people, r.first) for r in results), threshold)
    return Ranked(
        suppress.count(took_part, threshold),
        tuple(
            (
                r,
                suppress.count(r.people, threshold),
                suppress.HIDDEN if hidden and r.people else str(r.first),
            )
            for r in in_order(results, threshold)
        ),
        hidden,
    )


def shown_points(
    points: int, ranks: Sequence[int], threshold: int, *, firsts_hidden: bool
) -> int | str:
    """A topic's points (3 for each first choice, 2 for each second, 1 for each third) as
    they may be shown: only when its firsts, seconds and thirds (`ranks`) are each 0 or at
    least `threshold` and no first in the round is hidden, else "[c]". Points less how many
    chose the topic is 2 x firsts + seconds, so they would undo a hidden first, or give a
    small second or third exactly (12 chose, 8 first, 30 points: 2 second, 2 third)."""
    if threshold <= 1 or points == 0:  # 0: nobody chose it, as its "0 chose it" says
        return points
    if firsts_hidden or any(0 < n < threshold for n in ranks):
        return suppress.HIDDEN
    return points


def round_results(conn: Tx, round_id: int, threshold: int, channel: str = "cli") -> str:
    """A round's ranked topics as plain text, for staff; counts of people below `threshold`
    show as "<5", and first choices all as "[c]" when any is small (see `ranked`)."""
    found = rounds.get(conn, round_id)
    if found is None:
        raise no_such(channel, "round", round_id)
    shown = ranked(
        rounds.results(conn, round_id), rounds.participant_count(conn, round_id), threshold
    )
    lines = [
        f"Round {round_id} ({found.status}{' ' if found.closed_at else ', '}{_closing(found)}): "
        f"{english(found.question)}",
        f"{shown.took_part} people took part. {shown.rule} {suppress.rule(threshold)}",
    ]
    for place, (result, chose, first) in enumerate(shown.topics, start=1):
        lines.append(
            f"{place}. {english(result.topic.label)} (topic {result.topic.id}): "
            f"{chose} chose it, {first} put it first"
        )
    note = suppress.hidden_note([first for _, _, first in shown.topics], threshold)
    if note:
        lines.append(note)
    return "\n".join(lines)
