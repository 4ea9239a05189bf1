"""Staff commands in Telegram for champions: life cycle, figures, posters and support
requests (the same actions as `community-voice admin`, through bot/staff)."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from bot.app import Core
from bot.jobs.artwork import MatplotlibArtwork
from bot.staff import champions as desk_champions
from bot.staff.actor import Actor, StaffError
from bot.staff.posters import PosterDesk

# command: (usage, what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "champion_pause": ("ID", "pause a champion (their link still welcomes people)"),
    "champion_retire": ("ID", "retire a champion: no more check-ins; their link still works"),
    "champion_reactivate": ("ID", "make a paused or retired champion active again"),
    "champion_stats": ("ID", "who joined through a champion, last check-in, open requests"),
    "champion_poster": ("ID [cy,en]", "a champion's poster (PDF to print, PNG for phones)"),
    "champion_message": ("ID text", "send one champion a message from our team"),
    "poster": ("[en,ur] [flow-ID] place", "a poster for a place, with the bot's own link"),
    "support_open": ("", "champions' support requests waiting for an answer"),
    "support_answer": ("ID text", "answer a support request: it is sent to the champion"),
    "support_done": ("ID [note]", "close a support request you answered another way"),
}


@dataclass
class Answer:
    """What a staff command gives back: text, and files to send (name, bytes)."""

    text: str
    files: list[tuple[str, bytes]] = field(default_factory=list)


class ChampionStaff:
    """Carries out the champion commands for StaffCommands."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def posters(self) -> PosterDesk:
        """Posters with the bot's current username (learnt from Telegram at start)."""
        core = self.core
        return PosterDesk(
            core.desk,
            MatplotlibArtwork(core.catalogs),
            core.host.bot_username,
            core.settings.organisation,
        )

    async def do(
        self, actor: Actor, name: str, words: list[str], context: ContextTypes.DEFAULT_TYPE
    ) -> Answer:
        """One command, its words already split."""
        desk = self.core.desk

        def number(index: int = 0) -> int:
            usage = COMMANDS[name][0]
            if len(words) <= index:
                raise StaffError(f"Use: /{name} {usage}")
            value = words[index].lstrip("#")
            if not (value.isascii() and value.isdigit()):
                raise StaffError(f"{words[index]!r} is not a number. Use: /{name} {usage}")
            return int(value)

        if name.startswith("champion_") and name.removeprefix("champion_") in (
            desk_champions.CHANGES
        ):
            verb = name.removeprefix("champion_")
            await desk_champions.change(desk, actor, number(), verb)
            said = {"pause": "paused", "retire": "retired", "reactivate": "active again"}[verb]
            told = ""
            services = context.application.bot_data.get("services")
            if verb in ("pause", "retire") and services is not None:
                await services.jobs.sweep()  # the notice queued with it, sent now
                told = " They are told (unless they have stopped messages from the bot)."
            return Answer(
                f"Champion {words[0]} is {said}. Their link still brings people in, and they "
                f"are still counted as theirs.{told}"
            )
        if name == "champion_stats":
            return Answer(await desk_champions.stats(desk, actor, number()))
        if name == "champion_message":
            champion_id = number()
            await desk_champions.message(desk, actor, champion_id, " ".join(words[1:]))
            services = context.application.bot_data.get("services")
            if services is not None:
                await services.jobs.sweep()
            return Answer(f"Sent to champion {champion_id}, with a line in their language.")
        if name == "champion_poster":
            stem, poster = await self.posters().for_champion(
                actor, number(), words[1] if len(words) > 1 else None
            )
            return _poster(stem, poster.pdf, poster.png)
        if name == "poster":
            return await self._place_poster(actor, words)
        if name == "support_open":
            return Answer(await desk_champions.open_requests(desk, actor))
        if name == "support_answer":
            request_id = number()
            return await self.answer(actor, request_id, " ".join(words[1:]), context)
        if name == "support_done":
            request_id = number()
            await desk_champions.mark_answered(desk, actor, request_id, " ".join(words[1:]))
            return Answer(f"Support request #{request_id} is closed. Nothing was sent.")
        raise StaffError(f"Unknown staff command /{name}.")

    async def answer(
        self, actor: Actor, request_id: int, text: str, context: ContextTypes.DEFAULT_TYPE
    ) -> Answer:
        """Answer a request and send the answer now (not at the next sweep)."""
        found = await desk_champions.answer(self.core.desk, actor, request_id, text)
        services = context.application.bot_data.get("services")
        if services is not None:
            await services.jobs.sweep()
        return Answer(
            f"Sent to champion {found.champion_id}, with a line in their language. "
            f"Support request #{request_id} is closed."
        )

    async def _place_poster(self, actor: Actor, words: list[str]) -> Answer:
        rest = list(words)
        posters = self.posters()
        languages = None
        if rest and "," in rest[0] or (rest and rest[0] in self.core.catalogs.available()):
            languages = rest.pop(0)
        flow = rest.pop(0) if rest and rest[0].startswith("flow-") else None
        stem, poster = await posters.for_place(
            actor, " ".join(rest), languages, flow, set(self.core.flows.ids())
        )
        return _poster(stem, poster.pdf, poster.png)


def _poster(stem: str, pdf: bytes, png: bytes) -> Answer:
    return Answer(
        "The poster: print the PDF on A4; the PNG is for phones and social media.",
        [(f"{stem}.pdf", pdf), (f"{stem}.png", png)],
    )
