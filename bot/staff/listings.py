"""What staff read: lists of rounds, initiatives, measures, champions and assets, and a
round's results, as plain text. Counts of people are suppressed below the threshold
(SUPPRESS_BELOW), as in reports and on the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.staff import suppress
from bot.staff.actor import StaffError
from bot.staff.commands import command
from bot.staff.parsing import english
from bot.store import assets, champions, initiatives, rounds
from bot.store.db import Tx
from bot.store.rounds import TopicResult
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
        for i in initiatives.all_initiatives(conn):
            for m in initiatives.measures(conn, i.id):
                words = (
                    f"proposed by a resident: {resident_words(measure_text(m.text), channel)}"
                    if m.proposed_by is not None
                    else measure_text(m.text)
                )
                lines.append(
                    f"measure {m.id} [{m.status}] initiative {i.id}, "
                    f"{suppress.count(m.votes, threshold)} votes: {words}"
                )
    elif what == "champions":
        for c in champions.all_champions(conn):
            lines.append(
                f"champion {c.id} [{c.status}] roles {', '.join(c.roles) or '-'}; "
                f"languages {', '.join(c.languages) or '-'}; "
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
    return f"closes {found.closes_at[:10]}"


@dataclass(frozen=True, slots=True)
class Ranked:
    """A round's results as staff may see them: how many took part, and for each topic (in
    ranking order) how many chose it and put it first, as text."""

    took_part: str
    topics: tuple[tuple[TopicResult, str, str], ...]  # (result, chose it, put it first)


def ranked(results: Sequence[TopicResult], took_part: int, threshold: int) -> Ranked:
    """`results` with counts from 1 to `threshold - 1` shown as "<5". Everyone who took part
    put one topic first, so the firsts add up to how many took part, which is shown: a first
    that would let a small one be worked out by subtraction is hidden too ("[c]")."""
    firsts = [r.first for r in results]
    # A first equal to how many chose the topic is no secret when hidden: it cannot be more.
    pinned = [i for i, r in enumerate(results) if r.first == r.people]
    # Those who put no topic first (none: a submission has a topic) add to the total unshown.
    rest = max(took_part - sum(firsts), 0)
    done = suppress.breakdown([*firsts, rest], threshold, known=pinned)
    return Ranked(
        suppress.count(took_part, threshold),
        tuple(
            # A table that cannot be made safe hides every first, but one nobody chose is 0.
            (r, suppress.count(r.people, threshold), first if r.people else "0")
            for r, first in zip(results, done.shown[: len(results)], strict=True)
        ),
    )


def round_results(conn: Tx, round_id: int, threshold: int) -> str:
    """A round's ranked topics as plain text, for staff; counts of people below `threshold`
    show as "<5", and a first choice the others would give away as "[c]"."""
    found = rounds.get(conn, round_id)
    if found is None:
        raise StaffError(f"There is no round {round_id}. Use 'rounds' to list them.")
    shown = ranked(
        rounds.results(conn, round_id), rounds.participant_count(conn, round_id), threshold
    )
    lines = [
        f"Round {round_id} ({found.status}{' ' if found.closed_at else ', '}{_closing(found)}): "
        f"{english(found.question)}",
        f"{shown.took_part} people took part. {rounds.RANKING_RULE} {suppress.rule(threshold)}",
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
