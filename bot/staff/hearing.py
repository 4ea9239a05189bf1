"""Staff hear what residents said: answers in their own words, voice notes, "something else"
in priority rounds, and evaluations (ratings per measure, over time, and every comment).

Residents' words are always shown as theirs («...», with the date, language and question),
never run into staff text. Counts of people are suppressed below the threshold (SUPPRESS_BELOW).
Reading residents' words is recorded in the audit log, like every other staff action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.staff import suppress
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.commands import command, lists, no_such
from bot.staff.desk import StaffDesk
from bot.staff.parsing import english
from bot.staff.said import Said
from bot.store import heard, initiatives, rounds
from bot.store.db import Tx

# (flow id, node id) -> the question as staff wrote it in the flow (English source text).
Questions = Mapping[tuple[str, str], str]
# An initiative, its measures, ratings (measure, period, rating, how many), how many
# evaluations, and comments.
Evaluated = tuple[
    initiatives.Initiative,
    list[initiatives.Measure],
    list[tuple[int, str, int, int]],
    int,
    list[heard.Comment],
]
COMMENT_QUESTIONS = {"worked": "what worked", "better": "what could be better"}
# The rating scale in the words residents tap (flows/evaluation.yaml, question "rate"): staff
# reading "1 (poor) to 5 (very good)" took a 3 for "fair", where residents said "OK".
SCALE = "1 Very badly, 2 Badly, 3 OK, 4 Well, 5 Very well"
DEFAULT_LIMIT = 50
# When an average is shown (after suppress.rule): average × ratings is the sum of the stars,
# which would undo a hidden count of stars.
AVERAGES = (
    " An average is shown only where none of the counts of stars behind it would be hidden "
    "(for check-in periods: in any period, though their stars are not listed)."
)


@dataclass(frozen=True, slots=True)
class Rated:
    """Ratings as staff see them: the total ("<5" when few), how many gave each star, 1 to 5,
    suppressed (none when too few ratings to show them), and the average (None unless it can
    give no hidden count away)."""

    total: str
    average: float | None
    by_star: tuple[str, ...]


# (period, how many ratings, average or None), for each check-in period.
Period = tuple[str, str, float | None]


@dataclass(frozen=True, slots=True)
class Measured:
    """One measure's ratings as staff see them: overall and per check-in period, oldest first."""

    overall: Rated
    periods: tuple[Period, ...]

    def counts(self) -> list[str]:
        """Every count of ratings shown, to say what "[c]" means when one is."""
        return [self.overall.total, *self.overall.by_star, *(n for _, n, _ in self.periods)]


@dataclass(frozen=True, slots=True)
class Hearing:
    """What staff may read of residents' words: the questions residents answer in their own
    words (typed or spoken), and every question's text for context."""

    desk: StaffDesk
    typed: tuple[tuple[str, str], ...]  # (flow, node) of the questions answered in words
    questions: Questions
    threshold: int

    async def answers(
        self, actor: Actor, flow_id: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> str:
        """Answers in residents' own words, newest first (one flow's, or every flow's)."""
        found = await self.said(actor, flow_id, limit)
        if not found:
            return "No answers in residents' own words yet."
        lines = [f"Answers in residents' own words, newest first (up to {limit}):"]
        lines += [self._said(s, actor.channel) for s in found]
        return "\n".join(lines)

    async def said(
        self, actor: Actor, flow_id: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> list[heard.Said]:
        """Answers in residents' own words, newest first, as rows (reading is audited)."""
        nodes = [n for n in self.typed if flow_id is None or n[0] == flow_id]
        if flow_id is not None and not nodes:
            flows = sorted({f for f, _ in self.typed})
            raise StaffError(
                "Flow {flow_id!r} has no questions answered in words. Try: {flows}.",
                flow_id=flow_id,
                flows=", ".join(flows),
            )

        def work(conn: Tx, log: Audit) -> list[heard.Said]:
            log("residents.read", "answers", flow_id or "all")
            return heard.own_words(conn, nodes, limit)

        found: list[heard.Said] = await self.desk.act(
            actor, Role.VIEWER, Said("read residents' answers"), work
        )
        return found

    async def voices(self, actor: Actor, limit: int = DEFAULT_LIMIT) -> list[heard.Said]:
        """Residents' voice notes, newest first, as rows (reading is audited)."""

        def work(conn: Tx, log: Audit) -> list[heard.Said]:
            log("residents.read", "voice_notes", "all")
            return heard.voice_notes(conn, limit)

        found: list[heard.Said] = await self.desk.act(
            actor, Role.VIEWER, Said("list voice notes"), work
        )
        return found

    async def voice_notes(self, actor: Actor, limit: int = DEFAULT_LIMIT) -> str:
        """Residents' voice notes, newest first, with the id to hear each."""
        found = await self.voices(actor, limit)
        if not found:
            return "No voice notes yet."
        one = command(actor.channel, "voice", "ID")
        lines = [f"Voice notes, newest first (up to {limit}); {one} for one, with its context:"]
        lines += [self._said(s, actor.channel) for s in found]
        return "\n".join(lines)

    async def voice(self, actor: Actor, answer_id: int) -> tuple[str, str]:
        """(file id, caption) of one voice note, for the channel to send to the staff member;
        hearing it is audited."""

        def work(conn: Tx, log: Audit) -> heard.Said:
            found = heard.answer(conn, answer_id)
            if found is None or found.voice is None:
                # TRANSLATORS: {listed} is where they are listed: "admin voice-notes lists them".
                raise StaffError(
                    "There is no voice note {number}. {listed}.",
                    number=answer_id,
                    listed=lists(actor.channel, "voice-notes"),
                )
            log("residents.hear", "answer", answer_id)
            return found

        said = await self.desk.act(actor, Role.VIEWER, Said("hear a voice note"), work)
        assert said.voice is not None
        return said.voice, self._context(said)

    async def suggestions(
        self, actor: Actor, round_id: int | None = None, limit: int = DEFAULT_LIMIT
    ) -> str:
        """ "Something else" answers from priority rounds, newest first."""
        found = await self.suggested(actor, round_id, limit)
        if not found:
            return "Nobody has suggested something else yet."
        link = command(actor.channel, "suggestion-link", "ID INITIATIVE")
        lines = [
            "Something else residents suggested, newest first. Link one to the initiative "
            f"that answers it, so its news reaches them: {link}."
        ]
        for s in found:
            linked = f" → initiative {', '.join(map(str, s.initiatives))}" if s.initiatives else ""
            lines.append(
                f"suggestion {s.id} · round {s.round_id} · {s.submitted_at[:10]} · {s.locale}"
                f"{linked}: {_words(s.value, s.voice_answer, actor.channel)}"
            )
        return "\n".join(lines)

    async def suggested(
        self, actor: Actor, round_id: int | None = None, limit: int = DEFAULT_LIMIT
    ) -> list[heard.Suggestion]:
        """ "Something else" answers, newest first, as rows (reading is audited)."""

        def work(conn: Tx, log: Audit) -> list[heard.Suggestion]:
            if round_id is not None and rounds.get(conn, round_id) is None:
                raise no_such(actor.channel, "round", round_id)
            log("residents.read", "suggestions", round_id if round_id is not None else "all")
            return heard.suggestions(conn, round_id, limit)

        found: list[heard.Suggestion] = await self.desk.act(
            actor, Role.VIEWER, Said("read suggestions"), work
        )
        return found

    async def link(self, actor: Actor, submission_id: int, initiative_id: int) -> str:
        """Say an initiative answers a suggestion: its news ("you said, we did") reaches the
        person who made it. A suggestion may be answered by more than one initiative (a
        wish for safer streets, by crossings and by lighting): linked to another as well,
        staff are told it is now linked to both, and how to unlink the first if it was a
        mistake. The same link twice is refused."""

        def work(conn: Tx, log: Audit) -> tuple[int, ...]:
            found = _suggestion(conn, submission_id, actor.channel)
            if initiatives.get(conn, initiative_id) is None:
                raise no_such(actor.channel, "initiative", initiative_id)
            if initiative_id in found.initiatives:
                raise StaffError(
                    "Suggestion {submission_id} is already linked to initiative "
                    "{initiative_id}: nothing changed.",
                    submission_id=submission_id,
                    initiative_id=initiative_id,
                )
            initiatives.link_suggestion(conn, initiative_id, submission_id, log.stamp)
            log(
                "suggestion.link",
                "suggestion",
                submission_id,
                before={"initiatives": list(found.initiatives)},
                after={"initiative": initiative_id},
            )
            return found.initiatives

        others = await self.desk.act(actor, Role.STAFF, Said("link a suggestion"), work)
        if not others:
            return Said(
                "Linked suggestion {submission_id} to initiative {initiative_id}: the person "
                "who made it is told its news from now on.",
                submission_id=submission_id,
                initiative_id=initiative_id,
            )
        # TRANSLATORS: {both} is "initiatives 2 and 3"; {undo} is a command or a page.
        return Said(
            "Linked suggestion {submission_id} to initiative {initiative_id}: the person who "
            "made it is told its news from now on. It is now linked to {both}, and they are "
            "told the news of each. If an earlier link was a mistake, unlink it: {undo}.",
            submission_id=submission_id,
            initiative_id=initiative_id,
            both=_initiatives([*others, initiative_id]),
            undo=command(actor.channel, "suggestion-unlink", f"{submission_id} {others[0]}"),
        )

    async def unlink(self, actor: Actor, submission_id: int, initiative_id: int) -> str:
        """Undo a link made by mistake: the initiative's news no longer reaches the person
        through their suggestion (it still does if they are among its people otherwise)."""

        def work(conn: Tx, log: Audit) -> tuple[int, ...]:
            found = _suggestion(conn, submission_id, actor.channel)
            if initiative_id not in found.initiatives and found.initiatives:
                # TRANSLATORS: {linked} is "initiative 2" or "initiatives 2 and 3".
                raise StaffError(
                    "Suggestion {submission_id} is not linked to initiative {initiative_id}: "
                    "it is linked to {linked}.",
                    submission_id=submission_id,
                    initiative_id=initiative_id,
                    linked=_initiatives(found.initiatives),
                )
            if initiative_id not in found.initiatives:
                raise StaffError(
                    "Suggestion {submission_id} is not linked to initiative {initiative_id}: "
                    "it is not linked to any initiative.",
                    submission_id=submission_id,
                    initiative_id=initiative_id,
                )
            initiatives.unlink_suggestion(conn, initiative_id, submission_id)
            log(
                "suggestion.unlink",
                "suggestion",
                submission_id,
                before={"initiative": initiative_id},
            )
            return tuple(i for i in found.initiatives if i != initiative_id)

        left = await self.desk.act(actor, Role.STAFF, Said("unlink a suggestion"), work)
        if not left:
            return Said(
                "Unlinked suggestion {submission_id} from initiative {initiative_id}: its news "
                "no longer reaches the person who made it through this suggestion (it still "
                "does if they chose its topics, evaluated it, or voted for or proposed its "
                "measures).",
                submission_id=submission_id,
                initiative_id=initiative_id,
            )
        # TRANSLATORS: {linked} is "initiative 2" or "initiatives 2 and 3".
        return Said(
            "Unlinked suggestion {submission_id} from initiative {initiative_id}: its news no "
            "longer reaches the person who made it through this suggestion (it still does if "
            "they chose its topics, evaluated it, or voted for or proposed its measures). It "
            "is still linked to {linked}.",
            submission_id=submission_id,
            initiative_id=initiative_id,
            linked=_initiatives(left),
        )

    async def evaluations(self, actor: Actor, initiative_id: int) -> str:
        """An initiative's ratings per measure, as the dashboard shows them: overall (count,
        average, how many gave each star) and per check-in period (count and average), then
        every comment, newest first."""
        found, measures, ratings, count, comments = await self.evaluated(actor, initiative_id)
        t = self.threshold
        lines = [
            f"Evaluations of initiative {initiative_id} ({english(found.title)}): "
            f"{suppress.count(count, t)} so far. Ratings are what residents tapped: {SCALE}. "
            f"{suppress.rule(t)}{AVERAGES if t > 1 else ''}"
        ]
        shown: list[str] = []  # every count of ratings shown, to say what "[c]" is
        for m in measures:
            rows = [(p, r, n) for mid, p, r, n in ratings if mid == m.id]
            if not rows:
                continue
            measured = self.measured(rows)
            lines.append(f"Measure {m.id}: {english(m.text)}")
            lines.append("  all periods: " + _distribution(measured.overall))
            # The periods add up to the total above: no stars for each (they would add up to
            # the stars above too), and a period that would give a small one away is "[c]".
            for period, total, average in measured.periods:
                when = f"from {period}"
                if initiatives.before_start(found, period):
                    when = f"before it started (from {period})"
                lines.append(f"  {when}: " + _ratings(total, average))
            shown += measured.counts()
        if not ratings:
            lines.append("No ratings yet.")
        note = suppress.hidden_note(shown, t)
        if note:
            lines.append(note)
        if comments:
            lines.append("Comments in residents' own words, newest first:")
            for c in comments:
                lines.append(
                    f"  {c.created_at[:10]} · {c.locale} · {COMMENT_QUESTIONS[c.question]}: "
                    f"{_words(c.value, c.voice_answer, actor.channel)}"
                )
        return "\n".join(lines)

    async def evaluated(self, actor: Actor, initiative_id: int) -> Evaluated:
        """An initiative, its measures, its ratings (measure, period, rating, how many), how
        many evaluations it had, and its comments, newest first (reading is audited)."""

        def work(conn: Tx, log: Audit) -> Evaluated:
            found = initiatives.get(conn, initiative_id)
            if found is None:
                raise no_such(actor.channel, "initiative", initiative_id)
            log("residents.read", "evaluations", initiative_id)
            return (
                found,
                initiatives.measures(conn, initiative_id),
                heard.ratings(conn, initiative_id),
                heard.evaluation_count(conn, initiative_id),
                heard.comments(conn, initiative_id, 200),
            )

        evaluated: Evaluated = await self.desk.act(
            actor, Role.VIEWER, Said("read evaluations"), work
        )
        return evaluated

    def measured(self, rows: list[tuple[str, int, int]]) -> Measured:
        """One measure's (period, rating, how many) rows as staff may see them, overall and
        per check-in period: the one reading every channel shows. A single period is the
        overall figure again: no periods then."""
        periods = tuple(self.over_time(rows))
        return Measured(self.rated(rows), periods if len(periods) > 1 else ())

    def rated(self, rows: list[tuple[str, int, int]]) -> Rated:
        """(period, rating, how many) rows as staff may see them: counts by star suppressed
        (none for too few ratings), and an average only beside stars none of which is hidden."""
        by_rating = _stars(rows)
        total = sum(by_rating)
        shown = suppress.breakdown(by_rating, self.threshold)
        # No ratings, no stars, even with small numbers switched off (SUPPRESS_BELOW=0).
        if total == 0 or total < self.threshold:
            return Rated(shown.shown[-1], None, ())
        stars = shown.shown[:5]
        # The average times the total is the sum of the stars: a second equation that would
        # undo a hidden star ("<5" or "[c]"). Beside stars all shown, it tells nothing more.
        if all(shown.visible(i) for i in range(5)):
            return Rated(str(total), _average(by_rating), stars)
        return Rated(str(total), None, stars)

    def over_time(self, rows: list[tuple[str, int, int]]) -> list[Period]:
        """(period, how many ratings, average or None) for each check-in period, oldest
        first, to show beside `rated(rows)`. The periods add up to its total, so a period that
        would give a small one away is hidden too ("[c]"), and so is its average. A period's
        stars are not shown, but its average would pin their sum: averages are shown only
        when every period's stars could be shown with nothing hidden."""
        periods = sorted({p for p, _, _ in rows})
        stars = [_stars([row for row in rows if row[0] == p]) for p in periods]
        shown = suppress.breakdown([sum(s) for s in stars], self.threshold)
        # All or none: beside the overall sum (known when its stars are all shown), the
        # periods' averages that are shown would give away the sum of those that are not.
        averages = not shown.hidden and all(_all_shown(s, self.threshold) for s in stars)
        return [
            (period, shown.shown[i], _average(each) if averages else None)
            for i, (period, each) in enumerate(zip(periods, stars, strict=True))
        ]

    def question(self, flow_id: str, node_id: str) -> str:
        """The question a resident answered, as the flow asks it (English source)."""
        return self.questions.get((flow_id, node_id), node_id)

    def _context(self, said: heard.Said) -> str:
        question = self.questions.get((said.flow_id, said.node_id), said.node_id)
        return f"{said.created_at[:10]} · {said.locale} · {said.flow_id}: “{question}”"

    def _said(self, said: heard.Said, channel: str) -> str:
        words = _words(said.value, said.id, channel)
        return f"answer {said.id} · {self._context(said)} · {words}"


def _stars(rows: list[tuple[str, int, int]]) -> list[int]:
    """How many gave each star, 1 to 5, in (period, rating, how many) rows."""
    return [sum(n for _, r, n in rows if r == star) for star in range(1, 6)]


def _average(by_star: list[int]) -> float | None:
    """The average rating of counts by star (None for no ratings)."""
    total = sum(by_star)
    return sum(s * n for s, n in enumerate(by_star, start=1)) / total if total else None


def _all_shown(by_star: list[int], threshold: int) -> bool:
    """Whether counts by star, with their total, would be shown with nothing hidden."""
    return not suppress.breakdown(by_star, threshold).hidden


def safe_average(by_star: list[int], threshold: int) -> float | None:
    """The average rating of counts by star where it gives nothing away: average x ratings
    is the sum of the stars, which would narrow down any star count that is hidden (None
    then, and for no ratings)."""
    return _average(by_star) if _all_shown(by_star, threshold) else None


def _ratings(total: str, average: float | None) -> str:
    """How many ratings, and their average when it may be shown (else that it is hidden)."""
    if average is not None:
        return f"{total} ratings, average {average:.1f}"
    return f"{total} ratings" if total == "0" else f"{total} ratings, average hidden"


def _distribution(rated: Rated) -> str:
    """Ratings overall: how many, their average and how many gave each star (too few
    ratings show only how many)."""
    if not rated.by_star:
        return _ratings(rated.total, None)
    stars = " · ".join(f"★{star} {n}" for star, n in enumerate(rated.by_star, start=1))
    return f"{_ratings(rated.total, rated.average)}: {stars}"


def _words(value: Any, voice_answer: int | None, channel: str) -> str:
    """A resident's words, marked as theirs; a voice note as the way to hear it in `channel`."""
    if isinstance(value, dict) and "voice" in value:
        seconds = value.get("duration")
        length = f" ({seconds} s)" if seconds else ""
        hear = (
            command(channel, "voice", voice_answer)
            if voice_answer is not None
            else "no longer stored"
        )
        return f"resident's voice note{length}: {hear}"
    return f"resident said: «{value}»"


def _suggestion(conn: Tx, submission_id: int, channel: str) -> heard.Suggestion:
    found = heard.suggestion(conn, submission_id)
    if found is None:
        raise no_such(channel, "suggestion", submission_id)
    return found


def _initiatives(ids: Sequence[int]) -> str:
    """Initiatives by id, as said: "initiative 2", "initiatives 2 and 3", "initiatives 2, 3
    and 5"."""
    words = [str(i) for i in ids]
    if len(words) == 1:
        return Said("initiative {number}", number=words[0])
    # TRANSLATORS: {some} is "2" or "2, 3", {last} "5": "initiatives 2, 3 and 5".
    return Said("initiatives {some} and {last}", some=", ".join(words[:-1]), last=words[-1])
