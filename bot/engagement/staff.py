"""What staff can do: run rounds, record initiatives and measures, approve champions, review
assets. Used by the CLI and by staff commands in Telegram; every mistake is a StaffError with
a message that says what to do instead."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import aiosqlite

from bot.engagement.defaults import DEFAULT_QUESTION, DEFAULT_TOPICS
from bot.store.broadcasts import Audience, Broadcasts
from bot.store.engagement import Engagement, Round, Texts, pick_text

INITIATIVE_STATUSES = ("planned", "active", "paused", "finished")
_LANG_LINE = re.compile(r"^([a-z]{2,3}(?:[-_][A-Za-z]{2,4})?):\s*(.+)$")


class StaffError(ValueError):
    """A staff request that cannot be done as asked; the message says why."""


def texts(english: str, translations: Sequence[str] = ()) -> Texts:
    """Staff text: the English, plus `cy=...` or `cy: ...` translations."""
    english = english.strip()
    if not english:
        raise StaffError("The text is empty.")
    result: Texts = {"en": english}
    for item in translations:
        match = _LANG_LINE.match(item.replace("=", ": ", 1) if "=" in item else item)
        if not match:
            raise StaffError(
                f"Write translations as LANG=TEXT (for example cy=Helo), not {item!r}."
            )
        result[match.group(1).replace("_", "-").lower()] = match.group(2).strip()
    return result


def split_translations(message: str) -> tuple[str, list[str]]:
    """A message's first line, and its `cy: ...` translation lines (Telegram staff commands)."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return "", []
    extra = [line for line in lines[1:] if _LANG_LINE.match(line)]
    rest = [line for line in lines[1:] if not _LANG_LINE.match(line)]
    return " ".join([lines[0], *rest]), extra


def parse_day(value: str, *, end_of_day: bool = True) -> datetime:
    """A date like 2026-12-31 (the end of that day, UTC) or a full ISO time."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0), UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise StaffError(f"{value!r} is not a date. Write it like 2026-12-31.") from None
    # Stored times are compared as text, so they must all be in UTC.
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def slug(text: str) -> str:
    """A stable key from a label: lowercase words joined by dashes."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:40] or "topic"


@dataclass
class Staff:
    """Staff actions over the engagement store, with the clock injected."""

    engagement: Engagement
    clock: Callable[[], datetime]

    def _now(self) -> str:
        return self.clock().isoformat()

    # -- rounds ----------------------------------------------------------------------------

    async def open_round(
        self,
        closes: str,
        question: Texts | None = None,
        topics: Sequence[Texts] | None = None,
        area: str | None = None,
    ) -> int:
        """Open a round; without topics it gets the default list (translated for everyone)."""
        closes_at = parse_day(closes)
        if closes_at <= self.clock():
            raise StaffError("The closing date has already passed. Choose a later date.")
        entries: list[tuple[str, Texts, bool]]
        if topics:
            keys = [slug(t["en"]) for t in topics]
            if len(set(keys)) != len(keys):
                raise StaffError("Two topics have the same name. Give each topic its own name.")
            entries = [(k, t, False) for k, t in zip(keys, topics, strict=True)]
        else:
            entries = [(key, {"en": label}, True) for key, label in DEFAULT_TOPICS]
        return await self.engagement.open_round(
            question or {"en": DEFAULT_QUESTION},
            closes_at.isoformat(),
            self._now(),
            entries,
            area=area,
        )

    async def add_topic(self, round_id: int, label: Texts) -> int:
        """Add a topic to an open round."""
        found = await self._round(round_id)
        if found.status != "open":
            raise StaffError(f"Round {round_id} is closed. Topics can only be added while open.")
        key = slug(label["en"])
        if key in {t.key for t in await self.engagement.topics(round_id)}:
            raise StaffError(f"Round {round_id} already has a topic called {label['en']!r}.")
        return await self.engagement.add_topic(round_id, key, label)

    async def close_round(self, round_id: int) -> None:
        """Close a round now."""
        await self._round(round_id)
        if not await self.engagement.close_round(round_id, self._now()):
            raise StaffError(f"Round {round_id} is already closed.")

    async def results(self, round_id: int) -> str:
        """A round's ranked topics as plain text, for staff."""
        found = await self._round(round_id)
        taking_part = await self.engagement.round_participants(round_id)
        lines = [
            f"Round {round_id} ({found.status}, closes {found.closes_at[:10]}): "
            f"{pick_text(found.question, 'en')}",
            f"{taking_part} people took part.",
        ]
        for place, (topic, points, voters) in enumerate(
            await self.engagement.round_results(round_id), start=1
        ):
            lines.append(
                f"{place}. {pick_text(topic.label, 'en')} (topic {topic.id}): "
                f"{points} points from {voters} people"
            )
        return "\n".join(lines)

    async def _round(self, round_id: int) -> Round:
        found = await self.engagement.round(round_id)
        if found is None:
            raise StaffError(f"There is no round {round_id}. Use 'rounds' to list them.")
        return found

    # -- initiatives and measures ----------------------------------------------------------

    async def create_initiative(
        self,
        title: Texts,
        topic_ids: Sequence[int],
        *,
        description: Texts | None = None,
        starts_on: str | None = None,
        status: str = "planned",
        check_in_days: int = 30,
    ) -> int:
        """Record an initiative answering some topics."""
        if status not in INITIATIVE_STATUSES:
            raise StaffError(f"Status must be one of: {', '.join(INITIATIVE_STATUSES)}.")
        if check_in_days < 1:
            raise StaffError("The check-in period must be at least 1 day.")
        round_ids: set[int] = set()
        for topic_id in topic_ids:
            topic = await self.engagement.topic(topic_id)
            if topic is None:
                raise StaffError(f"There is no topic {topic_id}. 'results ROUND' lists them.")
            round_ids.add(topic.round_id)
        start = parse_day(starts_on, end_of_day=False).date().isoformat() if starts_on else None
        return await self.engagement.create_initiative(
            title,
            self._now(),
            description=description,
            topic_ids=topic_ids,
            starts_on=start,
            round_id=min(round_ids) if len(round_ids) == 1 else None,
            status=status,
            check_in_days=check_in_days,
        )

    async def update_initiative(
        self, initiative_id: int, status: str | None = None, note: Texts | None = None
    ) -> int:
        """Change an initiative's status and/or say what was done."""
        if await self.engagement.initiative(initiative_id) is None:
            raise StaffError(f"There is no initiative {initiative_id}.")
        if status is not None and status not in INITIATIVE_STATUSES:
            raise StaffError(f"Status must be one of: {', '.join(INITIATIVE_STATUSES)}.")
        if status is None and note is None:
            raise StaffError("Give a new status, a note of what was done, or both.")

        async def tell_people(db: aiosqlite.Connection, update_id: int) -> None:
            # "You said, we did": everyone who chose its topics or evaluated it hears about
            # it. Queued in the update's own transaction, so the news cannot be lost.
            await Broadcasts(self.engagement.store).create(
                "initiative",
                Audience("initiative_people", initiative_id),
                {"initiative_id": initiative_id, "status": status, "note": note},
                self._now(),
                status="scheduled",
                send_at=self._now(),
                initiative_id=initiative_id,
                dedupe_key=f"initiative-update:{update_id}",
                created_by="staff",
                db=db,
            )

        update_id = await self.engagement.update_initiative(
            initiative_id, self._now(), status=status, note=note, then=tell_people
        )
        return update_id

    async def add_measure(self, initiative_id: int, text: Texts, adopt: bool = True) -> int:
        """Add a measure to an initiative's evaluation plan (adopted unless told not to)."""
        if await self.engagement.initiative(initiative_id) is None:
            raise StaffError(f"There is no initiative {initiative_id}.")
        status = "adopted" if adopt else "proposed"
        return await self.engagement.add_measure(initiative_id, text, self._now(), status=status)

    async def set_measure(self, measure_id: int, status: str) -> None:
        """Adopt (or reject) a measure residents proposed or voted for."""
        if status not in ("adopted", "rejected", "proposed"):
            raise StaffError("A measure can be adopted, rejected or proposed.")
        if not await self.engagement.set_measure_status(measure_id, status, self._now()):
            raise StaffError(f"There is no measure {measure_id}.")

    # -- champions and assets --------------------------------------------------------------

    async def set_champion(self, champion_id: int, status: str = "active") -> int:
        """Approve (or pause, end) a champion; returns their participant id."""
        if status not in ("active", "paused", "ended", "interested"):
            raise StaffError("A champion can be active, paused, ended or interested.")
        found = await self.engagement.champion(champion_id)
        if found is None:
            raise StaffError(f"There is no champion {champion_id}. 'champions' lists them.")
        await self.engagement.set_champion_status(champion_id, status, self._now())
        return found.participant_id

    async def set_asset(self, asset_id: int, status: str) -> None:
        """Mark an asset verified or hidden."""
        if status not in ("verified", "hidden", "new"):
            raise StaffError("An asset can be verified, hidden or new.")
        if not await self.engagement.set_asset_status(asset_id, status, self._now()):
            raise StaffError(f"There is no asset {asset_id}.")

    # -- listings --------------------------------------------------------------------------

    async def listing(self, what: str) -> str:
        """rounds, initiatives, measures, champions or assets, one per line."""
        e = self.engagement
        lines: list[str] = []
        if what == "rounds":
            for r in await e.rounds():
                lines.append(
                    f"round {r.id} [{r.status}] closes {r.closes_at[:10]}"
                    f"{' area ' + r.area if r.area else ''}: {pick_text(r.question, 'en')}"
                )
        elif what == "initiatives":
            for i in await e.initiatives():
                topics = ", ".join(str(t) for t in await e.initiative_topics(i.id))
                lines.append(
                    f"initiative {i.id} [{i.status}] topics {topics or '-'}: "
                    f"{pick_text(i.title, 'en')}"
                )
        elif what == "measures":
            for i in await e.initiatives():
                for m in await e.measures(i.id):
                    lines.append(
                        f"measure {m.id} [{m.status}] initiative {i.id}, {m.votes} votes: "
                        f"{pick_text(m.text, 'en')}"
                    )
        elif what == "champions":
            for c in await e.champions():
                lines.append(
                    f"champion {c.id} [{c.status}] roles {', '.join(c.roles) or '-'}; "
                    f"languages {', '.join(c.languages) or '-'}; "
                    f"{'may' if c.may_contact else 'do not'} contact"
                )
        elif what == "assets":
            for a in await e.assets():
                what_text = a.what if isinstance(a.what, str) else "(voice note)"
                place = a.place or (f"{a.latitude},{a.longitude}" if a.latitude else "-")
                lines.append(f"asset {a.id} [{a.status}] {a.category} at {place}: {what_text}")
        else:
            raise StaffError("List one of: rounds, initiatives, measures, champions, assets.")
        return "\n".join(lines) or f"No {what} yet."

    # -- demo ------------------------------------------------------------------------------

    async def seed_demo(self) -> str:
        """A demo round, two initiatives and their measures, to try every flow."""
        now = self.clock()
        round_id = await self.open_round((now + timedelta(days=30)).date().isoformat())
        topics = {t.key: t.id for t in await self.engagement.topics(round_id)}
        walking = await self.create_initiative(
            {"en": "Walking group in the park", "cy": "Grŵp cerdded yn y parc"},
            [topics["physical-activity"], topics["mental-health"]],
            description={"en": "A free walk every Tuesday and Saturday morning, for everyone."},
            starts_on=now.date().isoformat(),
            status="active",
        )
        for measure in ("More people join the walks", "People feel less lonely"):
            await self.add_measure(walking, {"en": measure})
        await self.add_measure(walking, {"en": "People walk more in the week"}, adopt=False)
        warm = await self.create_initiative(
            {"en": "Warm homes advice sessions"},
            [topics["housing"], topics["money-worries"], topics["mental-health"]],
            description={"en": "Drop-in help with heating bills and draughty homes."},
            status="planned",
        )
        await self.add_measure(warm, {"en": "Fewer people say their home is too cold"}, adopt=False)
        return (
            f"Demo ready: round {round_id} is open until "
            f"{(now + timedelta(days=30)).date().isoformat()} with the default topics; "
            f"initiative {walking} (active, 2 agreed measures) and initiative {warm} "
            "(planned, measures to agree). Try: community-voice chat"
        )
