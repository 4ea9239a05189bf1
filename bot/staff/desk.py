"""Staff actions: run rounds, record initiatives and measures, approve champions, review
assets. Every mistake is a StaffError that says what to do instead; every action checks the
actor's role and is audited in the transaction that makes it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.staff import demo, measures, notices
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.areas import area_names, unreached
from bot.staff.auditing import Audit
from bot.staff.commands import command, no_such
from bot.staff.listings import LISTINGS, closing_time, listing, round_results
from bot.staff.measures import Decided
from bot.staff.news import plan, status_of
from bot.staff.parsing import check_languages, english, parse_day, slug
from bot.staff.said import S_, Said, joined
from bot.store import assets, broadcasts, champions, initiatives, rounds
from bot.store.broadcasts import Audience
from bot.store.db import Database, Tx
from bot.store.texts import Texts

ASSET_STATUSES = ("verified", "hidden", "new")

# A champion's status, a sentence each: Welsh says them differently ("wedi ymddeol", "yn
# weithredol"), so a status word is never slotted into a sentence. Keyed by the stored status.
_CHAMPION_IS = {
    "interested": S_("Champion {champion_id} is interested"),
    "active": S_("Champion {champion_id} is active"),
    "paused": S_("Champion {champion_id} is paused"),
    champions.RETIRED: S_("Champion {champion_id} is retired"),
}
_ALREADY = {
    "interested": S_("Champion {champion_id} is interested already."),
    "active": S_("Champion {champion_id} is active already."),
    "paused": S_("Champion {champion_id} is paused already."),
    champions.RETIRED: S_("Champion {champion_id} is retired already."),
}


def champion_is(champion_id: int, status: str) -> Said:
    """ "Champion 3 is retired", to begin a sentence saying why something cannot be done."""
    return Said(_CHAMPION_IS[status], champion_id=champion_id)


@dataclass(frozen=True, slots=True)
class Queued:
    """A message a staff action queued for residents, and who it will reach."""

    broadcast_id: int | None  # None: it had already been queued
    audience: Audience
    reach: broadcasts.Reach
    note: str = ""  # what staff should know about it (a step back they confirmed, say)
    texts: Texts | None = None  # staff's own words in it, which some may read in English


class StaffDesk:
    """Staff actions over the database, with the clock injected."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] | None = None,
        languages: Collection[str] = (),
    ) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))
        # The languages residents can read (those we have catalogs for): staff texts in any
        # other would never be seen, so they are refused. Empty: not checked.
        self.languages = frozenset(languages)

    def check_texts(self, *found: Texts | None, removing: bool = False) -> None:
        """Refuse a translation into a language residents cannot choose."""
        for one in found:
            if one and self.languages:
                check_languages(one, self.languages, removing)

    def now(self) -> datetime:
        """The desk's clock."""
        return self.clock()

    async def act(
        self, actor: Actor, role: Role, what: str, work: Callable[..., Any], *args: Any
    ) -> Any:
        """Check the role, then run `work(conn, log, ...)` in one write transaction, which
        is rolled back unless `work` wrote at least one audit entry with `log`."""
        actor.require(role, what)
        now = self.clock()

        def run(conn: Tx) -> Any:
            log = Audit(conn, actor, now)
            result = work(conn, log, *args)
            if not log.written:
                raise RuntimeError(f"staff action {what!r} wrote no audit entry")
            return result

        return await self.db.write(run)

    # -- rounds ----------------------------------------------------------------------------

    async def open_round(
        self,
        actor: Actor,
        closes: str,
        question: Texts | None = None,
        topics: Sequence[Texts] | None = None,
        area: str | None = None,
        areas: Sequence[str] = (),
    ) -> int:
        """Open a round, for everyone or for some areas (names, aliases or postcode districts
        of the areas staff defined); without topics it gets the default list (translated for
        everyone). `round_notes` says what staff should know about it then."""
        closes_at = parse_day(closes)
        if closes_at <= self.clock():
            raise StaffError("The closing date has already passed. Choose a later date.")
        self.check_texts(question, *(topics or ()))
        wanted = [*([area] if area else []), *areas]
        entries: list[tuple[str, Texts, bool]]
        if topics:
            keys = [slug(t["en"]) for t in topics]
            if len(set(keys)) != len(keys):
                raise StaffError("Two topics have the same name. Give each topic its own name.")
            entries = [(k, t, False) for k, t in zip(keys, topics, strict=True)]
        else:
            entries = [(key, {"en": label}, True) for key, label in demo.DEFAULT_TOPICS]
        wording = question or {"en": demo.DEFAULT_QUESTION}

        def work(conn: Tx, log: Audit) -> int:
            names = area_names(conn, wanted, actor.channel)
            new = rounds.create(conn, wording, closes_at.isoformat(), log.stamp, entries, names)
            log(
                "round.open",
                "round",
                new,
                after={
                    "question": wording,
                    "closes": closes_at.isoformat(),
                    "areas": names,
                    "topics": [t for _, t, _ in entries],
                },
            )
            return new

        return int(await self.act(actor, Role.STAFF, Said("open a round"), work))

    async def overlaps(self, actor: Actor, round_id: int) -> str:
        """A note naming the other open rounds some of the same residents are asked at the
        same time (one is for everyone, or they share an area, and their periods overlap);
        empty when there are none."""
        actor.require(Role.VIEWER, Said("see rounds"))

        def read(conn: Tx) -> str:
            this = _round(conn, round_id, actor.channel)
            others = [
                other
                for other in reversed(rounds.all_rounds(conn, "open"))
                if other.id != this.id
                and other.shares_residents_with(this)
                and other.opens_at < this.closes_at
                and this.opens_at < other.closes_at
            ]
            if not others:
                return ""
            lines = [
                Said(
                    "Note: round {round_id} overlaps with {count} other open round(s) for some "
                    "of the same residents. They are asked which question to answer first:",
                    round_id=round_id,
                    count=len(others),
                )
            ]
            for o in others:
                facts = {
                    "other": o.id,
                    "closes": closing_time(o.closes_at),
                    "question": english(o.question),
                }
                lines.append(
                    # TRANSLATORS: {question} is the round's question, as staff wrote it.
                    Said(
                        "- round {other} (for {area}, closes {closes}): {question}",
                        area=o.area,
                        **facts,
                    )
                    if o.area
                    else Said(
                        "- round {other} (for everyone, closes {closes}): {question}", **facts
                    )
                )
            return joined(lines)

        return await self.db.read(read)

    async def round_notes(self, actor: Actor, round_id: int) -> str:
        """What staff are told after opening a round, whichever way they opened it: a
        warning when an area it is for has nobody in it, then any overlapping rounds."""
        actor.require(Role.VIEWER, Said("see rounds"))
        warning = await self.db.read(unreached, round_id, actor.channel)
        return joined(n for n in (warning, await self.overlaps(actor, round_id)) if n)

    async def add_topic(self, actor: Actor, round_id: int, label: Texts) -> int:
        """Add a topic to an open round."""
        self.check_texts(label)

        def work(conn: Tx, log: Audit) -> int:
            found = _round(conn, round_id, actor.channel)
            if found.status != "open":
                raise StaffError(
                    "Round {round_id} is closed. Topics can only be added while it is open.",
                    round_id=round_id,
                )
            key = slug(label["en"])
            if key in {t.key for t in rounds.topics(conn, round_id)}:
                raise StaffError(
                    "Round {round_id} already has a topic called {topic!r}.",
                    round_id=round_id,
                    topic=label["en"],
                )
            new = rounds.add_topic(conn, round_id, key, label)
            log("topic.add", "topic", new, after={"round": round_id, "label": label})
            return new

        return int(await self.act(actor, Role.STAFF, Said("add a topic"), work))

    async def close_round(self, actor: Actor, round_id: int) -> Queued:
        """Close a round now; its results are queued for everyone who took part in the same
        transaction, so a running bot sends them at its next sweep."""

        def work(conn: Tx, log: Audit) -> Queued:
            _round(conn, round_id, actor.channel)
            if not rounds.close(conn, round_id, log.stamp):
                raise StaffError("Round {round_id} is already closed.", round_id=round_id)
            log("round.close", "round", round_id)
            new = broadcasts.queue_results(conn, round_id, log.stamp, actor.name)
            audience = Audience("round", round_id)
            return Queued(new, audience, broadcasts.reach(conn, audience))

        found: Queued = await self.act(actor, Role.STAFF, Said("close a round"), work)
        return found

    async def results(self, actor: Actor, round_id: int, *, threshold: int) -> str:
        """A round's ranked topics as plain text, for staff; counts of people below
        `threshold` (SUPPRESS_BELOW) show as "<5"."""
        actor.require(Role.VIEWER, Said("see results"))

        return await self.db.read(round_results, round_id, threshold, actor.channel)

    # -- initiatives and measures ----------------------------------------------------------

    async def create_initiative(
        self,
        actor: Actor,
        title: Texts,
        topic_ids: Sequence[int],
        *,
        description: Texts | None = None,
        starts_on: str | None = None,
        status: str = "planned",
        check_in_days: int = 30,
    ) -> int:
        """Record an initiative answering some topics (a topic given twice counts once)."""
        self.check_texts(title, description)
        status = status_of(status) or "planned"
        # "--topics 3,3" is one topic: twice, it broke the table's one-row-per-topic rule.
        topic_ids = list(dict.fromkeys(topic_ids))
        if check_in_days < 1:
            raise StaffError("The check-in period must be at least 1 day.")
        start = parse_day(starts_on, end_of_day=False).date().isoformat() if starts_on else None

        def work(conn: Tx, log: Audit) -> int:
            round_ids: set[int] = set()
            for topic_id in topic_ids:
                found = rounds.topic(conn, topic_id)
                if found is None:
                    raise no_such(actor.channel, "topic", topic_id, "results", "ROUND")
                round_ids.add(found.round_id)
            new = initiatives.create(
                conn,
                title,
                log.stamp,
                description=description,
                topic_ids=topic_ids,
                starts_on=start,
                round_id=min(round_ids) if len(round_ids) == 1 else None,
                status=status,
                check_in_days=check_in_days,
            )
            log(
                "initiative.add",
                "initiative",
                new,
                after={"title": title, "topics": list(topic_ids), "status": status},
            )
            return new

        return int(await self.act(actor, Role.STAFF, Said("record an initiative"), work))

    async def update_initiative(
        self,
        actor: Actor,
        initiative_id: int,
        status: str | None = None,
        note: Texts | None = None,
        *,
        again: bool = False,
        back: bool = False,
    ) -> Queued:
        """Change an initiative's status and/or say what was done; the people it concerns
        are told ("you said, we did"), queued in the same transaction so it cannot be lost.
        Nothing new (its own status, no note) is refused; the last note word for word only
        goes `again`, and a step back to an earlier stage only when staff confirm it (`back`)."""
        status = status_of(status)
        if status is None and note is None:
            raise StaffError("Give a new status, a note of what was done, or both.")
        self.check_texts(note)

        def work(conn: Tx, log: Audit) -> Queued:
            news = plan(conn, initiative_id, status, note, actor.channel)
            news.confirm(actor.channel, again=again, back=back)
            status_now = news.status
            update_id = initiatives.record_update(
                conn, initiative_id, log.stamp, status=status_now, note=note
            )
            audience = Audience("initiative_people", initiative_id)
            new = broadcasts.create(
                conn,
                "initiative",
                audience,
                {"initiative_id": initiative_id, "status": status_now, "note": note},
                log.stamp,
                status="scheduled",
                send_at=log.stamp,
                initiative_id=initiative_id,
                dedupe_key=f"initiative-update:{update_id}",
                created_by=actor.name,
            )
            log(
                "initiative.update",
                "initiative",
                initiative_id,
                before={"status": news.was},
                after={"status": status_now or news.was, "note": note},
            )
            said = [news.back_words] if news.back else []
            said += ["It repeats the last note, as you asked."] if news.repeats else []
            if status_now == "active" and not initiatives.measures(conn, initiative_id, "adopted"):
                # QS148 statement 2: evaluated against measures agreed with residents. Started
                # without any, it was offered to residents to rate with nothing to rate, and
                # the report left it out.
                said.append(
                    f"Initiative {initiative_id} has no agreed measures yet, so residents cannot "
                    "rate how it is going: add measures and adopt them (or let residents vote "
                    "on them first)."
                )
            reach = broadcasts.reach(conn, audience)
            return Queued(new, audience, reach, " ".join(said), note)

        queued: Queued = await self.act(actor, Role.STAFF, Said("update an initiative"), work)
        return queued

    async def add_measure(
        self, actor: Actor, initiative_id: int, text: Texts, adopt: bool = True
    ) -> int:
        """Add a measure to an initiative's evaluation plan (adopted unless told not to)."""
        self.check_texts(text)
        status = "adopted" if adopt else "proposed"

        def work(conn: Tx, log: Audit) -> int:
            found = initiatives.get(conn, initiative_id)
            if found is None:
                raise no_such(actor.channel, "initiative", initiative_id)
            if found.status == "finished":
                # Residents vote on and rate planned and active initiatives only: a measure
                # added now would never be used, though it read as part of the plan.
                raise StaffError(
                    "Initiative {initiative_id} is finished: residents are no longer asked to "
                    "vote on its measures or rate it, so a new measure would never be used. If "
                    "the work has started again, change its status first: {command}.",
                    initiative_id=initiative_id,
                    command=command(actor.channel, "initiative-active", initiative_id),
                )
            new = initiatives.add_measure(conn, initiative_id, text, log.stamp, status=status)
            log(
                "measure.add",
                "measure",
                new,
                after={"initiative": initiative_id, "text": text, "status": status},
            )
            return new

        return int(await self.act(actor, Role.STAFF, Said("add a measure"), work))

    async def set_measure(self, actor: Actor, measure_id: int, status: str) -> Decided:
        """Accept a resident's idea for votes ('proposed'), adopt or reject a measure."""
        return await measures.decide(self, actor, measure_id, status)

    # -- champions and assets --------------------------------------------------------------

    async def set_champion(self, actor: Actor, champion_id: int, status: str = "active") -> int:
        """Approve (or pause, end) a champion; returns their participant id."""
        if status not in champions.STATUSES:
            raise StaffError("A champion can be active, paused, ended or interested.")

        def work(conn: Tx, log: Audit) -> int:
            found = champions.get(conn, champion_id)
            if found is None:
                raise no_such(actor.channel, "champion", champion_id)
            if status == found.status:
                # Approved twice, they were told "you are now a community champion" twice.
                raise StaffError(_ALREADY[status], champion_id=champion_id)
            if status == "active" and found.status != "interested":
                # Approving is for an offer; a paused or retired champion is reactivated.
                # TRANSLATORS: {state} is a sentence such as "Champion 3 is paused".
                raise StaffError(
                    "{state}: only someone waiting for approval can be approved. Reactivate "
                    "them instead.",
                    state=champion_is(champion_id, found.status),
                )
            champions.set_status(conn, champion_id, status, log.stamp)
            if status != "interested" and actor.channel == "cli":
                # The command line cannot send: the running bot tells them (see notices).
                notices.queue(conn, found.participant_id, status, log.stamp, actor.name)
            log(
                "champion.status",
                "champion",
                champion_id,
                before={"status": found.status},
                after={"status": status},
            )
            return found.participant_id

        return int(await self.act(actor, Role.STAFF, Said("change a champion"), work))

    async def set_asset(self, actor: Actor, asset_id: int, status: str) -> None:
        """Mark an asset verified or hidden."""
        if status not in ASSET_STATUSES:
            raise StaffError("An asset can be verified, hidden or new.")

        def work(conn: Tx, log: Audit) -> None:
            found = assets.get(conn, asset_id)
            if found is None:
                raise StaffError("There is no asset {asset_id}.", asset_id=asset_id)
            assets.set_status(conn, asset_id, status, log.stamp)
            log(
                "asset.status",
                "asset",
                asset_id,
                before={"status": found.status},
                after={"status": status},
            )

        await self.act(actor, Role.STAFF, Said("review an asset"), work)

    # -- listings --------------------------------------------------------------------------

    async def listing(self, actor: Actor, what: str, *, threshold: int) -> str:
        """rounds, initiatives, measures, champions or assets, one per line; counts of people
        below `threshold` (SUPPRESS_BELOW) show as "<5"."""
        # TRANSLATORS: {what} is what staff typed to list: rounds, initiatives, measures...
        doing = Said("list {what}", what=what)
        actor.require(Role.VIEWER, doing)
        if what not in LISTINGS:
            raise StaffError("List one of: {listings}.", listings=", ".join(LISTINGS))
        if what in ("measures", "assets", "champions"):
            # Residents' own words (ideas, what an asset is, a champion's skills): reading
            # them is audited, as elsewhere.

            def work(conn: Tx, log: Audit) -> list[str]:
                log("residents.read", what, "all")
                return listing(conn, what, actor.channel, threshold)

            lines = await self.act(actor, Role.VIEWER, doing, work)
        else:
            lines = await self.db.read(listing, what, actor.channel, threshold)
        return "\n".join(lines) or f"No {what} yet."

    # -- demo ------------------------------------------------------------------------------

    async def seed_demo(self, actor: Actor) -> str:
        """A demo round, two initiatives and their measures, to try every flow."""
        return await demo.seed(self, actor)


def _round(conn: Tx, round_id: int, channel: str) -> rounds.Round:
    found = rounds.get(conn, round_id)
    if found is None:
        raise no_such(channel, "round", round_id)
    return found
