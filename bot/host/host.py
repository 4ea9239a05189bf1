"""The host: what every channel (Telegram, the terminal simulator) calls.

Each step is one write transaction on the database's writer connection (see bot.host.steps;
on the event loop when the writer is free, sharing its commit with the other steps of that
turn of the loop: Database.write_quick): the step is read, decided, written and rendered
there, and committed before the replies come back, so an acknowledged answer survives any
crash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from bot.flows.events import Input
from bot.flows.model import Option
from bot.host import champion_commands, commands, deeplinks, texts
from bot.host.artwork import Artwork, PosterWanted
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from bot.host.replies import Attachment, Message
from bot.host.steps import Outcome, Step, Who
from bot.host.words import TranslatedWords
from bot.i18n.catalogs import Catalogs
from bot.i18n.durations import spoken
from bot.i18n.organisation import Organisation
from bot.store import champions, groups, participants
from bot.store.db import Database, Tx

T = TypeVar("T")
log = logging.getLogger(__name__)


class Host:
    """Runs residents through flows and answers their commands."""

    def __init__(
        self,
        db: Database,
        flows: FlowLibrary,
        catalogs: Catalogs,
        registry: Registry,
        *,
        clock: Callable[[], datetime] | None = None,
        default_locale: str = "en",
        organisation: Organisation | str | None = None,
        bot_username: str = "community_voice_bot",
        retention: timedelta = timedelta(days=730),
        artwork: Artwork | None = None,
    ) -> None:
        self.db = db
        self.flows = flows
        self.catalogs = catalogs
        self.registry = registry
        self.clock = clock or (lambda: datetime.now(UTC))
        self.default_locale = default_locale
        # Who runs this, in each resident's language (a plain name is the same in every one).
        self.organisation = (
            organisation
            if isinstance(organisation, Organisation)
            else Organisation.of(organisation)
        )
        self.bot_username = bot_username
        self.retention = retention
        self.artwork = artwork  # draws posters and charts; without it none are sent
        # Fixed once the catalogs are loaded: built here, not on every step.
        self.locale_options = tuple(
            Option(code, Catalogs.display_name(code)) for code in catalogs.available()
        )
        self._words = {code: TranslatedWords(catalogs.get(code)) for code in catalogs.available()}

    def words(self, locale: str) -> TranslatedWords:
        """How typed answers are read in this language."""
        return self._words.get(locale) or self._words[self.catalogs.available()[0]]

    # -- residents -------------------------------------------------------------------------

    async def handle(self, who: Who, received: Input, *, session_id: int | None = None) -> Outcome:
        """Feed one input from `who`; `session_id` binds a button press to its session."""
        return await self._step(who, commands.handle, received, session_id)

    async def begin(self, who: Who, flow_id: str | None = None) -> Outcome:
        """Start `flow_id` (default: onboarding for newcomers, else the menu)."""
        return await self._step(who, Step.begin, flow_id)

    async def start(self, who: Who, payload: str | None = None) -> Outcome:
        """/start [payload]: undo /stop, follow a deep link, then pick up or begin."""
        return await self._step(who, commands.start, payload)

    async def repeat(self, who: Who) -> Outcome:
        """Ask the current question again (or begin, if there is none)."""
        return await self._step(who, Step.repeat)

    async def cancel(self, who: Who) -> Outcome:
        """/cancel: leave the current flow, answers kept."""
        return await self._step(who, commands.cancel)

    async def stop(self, who: Who) -> Outcome:
        """/stop: no more news until /start."""
        return await self._step(who, commands.stop)

    async def forget(self, who: Who) -> Outcome:
        """Erase everything about the resident (after they confirmed /delete)."""
        return await self._step(who, commands.forget)

    async def delete_question(self, who: Who) -> Outcome:
        """/delete: the confirmation question."""
        return await self._step(who, commands.delete_question)

    async def set_language(self, who: Who, code: str) -> Outcome:
        """Change language, then ask the current question again in it."""
        return await self._step(who, commands.set_language, code)

    async def language_question(self, who: Who) -> Outcome:
        """/language: the language picker."""
        return await self._step(
            who, lambda step: step.replies.append(commands.language_question(step))
        )

    async def export(self, who: Who) -> tuple[dict[str, Any], str]:
        """/mydata: every row kept about the resident, and the language to caption it in."""

        def run(conn: Tx) -> tuple[dict[str, Any], str]:
            step = Step(self, conn, who, self.clock())
            return commands.export(step), step.locale

        return await self.db.write(run)

    async def info(self, who: Who, topic: str) -> Outcome:
        """/help or /privacy, in the resident's language (nothing is written)."""

        def run(conn: Tx) -> Outcome:
            known = participants.find(conn, who.channel, who.user_id)
            locale = (known.locale if known else None) or self.catalogs.negotiate(who.language_code)
            tr = self.catalogs.get(locale or self.default_locale)
            msgid = texts.HELP if topic == "help" else texts.PRIVACY
            text = tr.gettext(
                msgid,
                organisation=self.organisation.name_in(tr),
                retention=spoken(self.retention, tr.locale),
            )
            return Outcome([Message(text)], known, tr.locale)

        return await self.db.read(run)

    # -- champions -------------------------------------------------------------------------

    async def my_link(self, who: Who) -> Outcome:
        """/mylink: a champion's link with a share button."""
        return await self._step(who, champion_commands.my_link)

    async def my_poster(self, who: Who, languages: str | None = None) -> Outcome:
        """/myposter [cy,en]: a champion's poster (PDF and PNG), or which languages."""
        return await self._step(who, champion_commands.my_poster, languages)

    async def my_stats(self, who: Who) -> Outcome:
        """/mystats: who joined through a champion's link, by week, and a chart."""
        return await self._step(who, champion_commands.my_stats)

    async def support(self, who: Who) -> Outcome:
        """/support: a champion asks our team for help."""
        return await self._step(who, champion_commands.support)

    async def mark_unreachable(self, channel: str, user_id: str, reachable: bool = False) -> None:
        """The resident blocked the bot (or unblocked it): no news meanwhile."""

        def run(conn: Tx) -> None:
            found = participants.find(conn, channel, user_id)
            if found is not None:
                stamp = None if reachable else self.clock().isoformat()
                participants.update(conn, found.id, {"unreachable_at": stamp})

        await self.db.write(run)

    async def pointer_due(self, channel: str, chat_id: str) -> bool:
        """A group chat: True only the first time, when it is told to use a private chat."""
        return await self.db.write(groups.first_word, channel, chat_id, self.clock().isoformat())

    async def champion_notice(self, participant_id: int, msgid: str) -> tuple[str, str, str] | None:
        """(channel, chat id, text) telling a champion `msgid` in their language, with their
        `{link}` filled in; None if they are gone."""

        def run(conn: Tx) -> tuple[str, str, str] | None:
            found = participants.get(conn, participant_id)
            champion = champions.of_participant(conn, participant_id)
            if found is None or champion is None:
                return None
            tr = self.catalogs.get(found.locale or self.default_locale)
            text = tr.gettext(msgid, link=deeplinks.link(self.bot_username, champion.code))
            return found.channel, found.chat_id, text

        return await self.db.read(run)

    # -- the step --------------------------------------------------------------------------

    async def _step(self, who: Who, work: Callable[..., object], *args: object) -> Outcome:
        def run(conn: Tx) -> Outcome:
            step = Step(self, conn, who, self.clock())
            work(step, *args)
            commands.settle_host_question(step)
            return step.outcome()

        outcome = await self.db.write_quick(run)
        if outcome.drawings:
            await self._draw(outcome)
        return outcome

    async def _draw(self, outcome: Outcome) -> None:
        """Draw what the step asked for, now that it has committed (off the event loop: a
        poster takes about a second), and add the files to the replies."""
        wanted, outcome.drawings = outcome.drawings, []
        if self.artwork is None:
            log.warning("no artwork: %s drawing(s) not sent", len(wanted))
            return
        for item in wanted:
            if isinstance(item, PosterWanted):
                poster = await asyncio.to_thread(self.artwork.poster, item.request)
                outcome.replies.append(Attachment(f"{item.stem}.pdf", poster.pdf, item.caption))
                outcome.replies.append(Attachment(f"{item.stem}.png", poster.png))
            else:
                png = await asyncio.to_thread(self.artwork.stats_chart, item.request)
                outcome.replies.append(
                    Attachment("community-voice-stats.png", png, item.caption, photo=True)
                )
