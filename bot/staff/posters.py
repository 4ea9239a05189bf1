"""Posters staff print: a champion's (their link), or a place's (the bot's plain link, or one
that opens a flow), in one or two languages. Drawn by bot/jobs, off the event loop."""

from __future__ import annotations

import asyncio
import re

from bot.i18n.organisation import Organisation
from bot.jobs.artwork import MatplotlibArtwork, Poster, PosterRequest
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.commands import no_such
from bot.staff.desk import StaffDesk
from bot.staff.said import Said
from bot.store import champions, participants
from bot.store.db import Tx

FLOW_PREFIX = "flow-"


class PosterDesk:
    """Prints posters with the bot's username and the organisation's name."""

    def __init__(
        self,
        desk: StaffDesk,
        artwork: MatplotlibArtwork,
        bot_username: str,
        organisation: Organisation,
    ) -> None:
        self.desk = desk
        self.artwork = artwork
        self.bot_username = bot_username
        self.organisation = organisation

    def languages(self, text: str | None) -> tuple[str, ...] | None:
        """Language codes from "cy,en" (None for none given); StaffError if unusable."""
        if not text:
            return None
        codes = tuple(dict.fromkeys(c for c in re.split(r"[\s,+]+", text.lower()) if c))
        have = self.artwork.catalogs.available()
        unknown = [c for c in codes if c not in have]
        if unknown or not 1 <= len(codes) <= 2:
            raise StaffError(
                "Give one or two languages separated by a comma, from: {codes}.",
                codes=", ".join(have),
            )
        return codes

    async def for_champion(
        self, actor: Actor, champion_id: int, languages: str | None = None
    ) -> tuple[str, Poster]:
        """An active champion's poster: (file name stem, poster). By default in their own
        language beside English."""
        actor.require(Role.STAFF, Said("print posters"))
        wanted = self.languages(languages)
        code, status, locale, area = await self.desk.db.read(_champion, champion_id, actor.channel)
        if status != "active":
            raise StaffError(
                "Champion {champion_id} is not active. Only an active champion's poster can be "
                "printed.",
                champion_id=champion_id,
            )
        chosen = wanted or tuple(dict.fromkeys((locale or "en", "en")))
        link = f"https://t.me/{self.bot_username}?start={code}"
        request = PosterRequest(link, chosen, self.organisation, area=area)
        return f"champion-{champion_id}-poster-{'-'.join(chosen)}", await self._draw(request)

    async def for_place(
        self, actor: Actor, place: str, languages: str | None, flow: str | None, flows: set[str]
    ) -> tuple[str, Poster]:
        """A poster for a place (no champion): the bot's link, opening `flow` if given."""
        actor.require(Role.STAFF, Said("print posters"))
        if not place.strip():
            raise StaffError("Say which place the poster is for, e.g. Riverside Library.")
        flow_id = flow.removeprefix(FLOW_PREFIX) if flow else None
        if flow_id is not None and flow_id not in flows:
            raise StaffError(
                "There is no flow {flow!r}. Flows: {flows}.",
                flow=flow_id,
                flows=", ".join(sorted(flows)),
            )
        chosen = self.languages(languages) or ("en",)
        link = f"https://t.me/{self.bot_username}"
        if flow_id:
            link += f"?start={FLOW_PREFIX}{flow_id}"
        request = PosterRequest(
            link, chosen, self.organisation, place=place.strip(), champion=False
        )
        slug = re.sub(r"[^a-z0-9]+", "-", place.lower()).strip("-") or "place"
        return f"poster-{slug}-{'-'.join(chosen)}", await self._draw(request)

    async def _draw(self, request: PosterRequest) -> Poster:
        return await asyncio.to_thread(self.artwork.poster, request)


def _champion(conn: Tx, champion_id: int, channel: str) -> tuple[str, str, str | None, str | None]:
    found = champions.get(conn, champion_id)
    if found is None:
        raise no_such(channel, "champion", champion_id)
    person = participants.get(conn, found.participant_id)
    return (
        found.code,
        found.status,
        person.locale if person else None,
        person.area if person else None,
    )
