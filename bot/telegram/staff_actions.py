"""What each staff command does in Telegram, once bot/telegram/staff.py has checked who sent
it: parse the words, call the staff action (which checks the role again and audits), and say
in plain English what happened."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import Bot, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.app import Core
from bot.staff import auditing, measures, milestones
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.dashboard import LINK_MINUTES, DashboardDoor
from bot.staff.desk import Queued
from bot.staff.listings import LISTINGS
from bot.staff.measures import Decided
from bot.staff.parsing import split_translations, texts
from bot.staff.staffing import bot_username, invite_text, parse_role
from bot.staff.telling import sending_now, told
from bot.store import champions, staffing
from bot.telegram import text_staff
from bot.telegram.champion_notice import ChampionNotice
from bot.telegram.champion_staff import COMMANDS as CHAMPION_COMMANDS
from bot.telegram.champion_staff import Answer, ChampionStaff
from bot.telegram.outbox import Outbox
from bot.telegram.staff_files import send_export, send_report
from bot.telegram.staffcommands import COMMANDS
from bot.telegram.text_staff import COMMANDS as TEXT_COMMANDS

log = logging.getLogger(__name__)

Menu = Callable[[int, Role | None], Awaitable[None]]


class Words:
    """A staff command's words, with helpers that explain how to use it when they are wrong."""

    def __init__(self, name: str, body: str) -> None:
        self.name = name
        first, self.translations = split_translations(body)
        self.words = first.split()

    def need(self, count: int) -> list[str]:
        """The words, if there are at least `count`."""
        if len(self.words) < count:
            raise StaffError(f"Use: /{self.name} {COMMANDS[self.name].usage}")
        return self.words

    def number(self, index: int) -> int:
        """Word `index` as a whole number."""
        value = self.need(index + 1)[index]
        if not (value.isascii() and value.isdigit()):
            usage = COMMANDS[self.name].usage
            raise StaffError(f"{value!r} is not a number. Use: /{self.name} {usage}")
        return int(value)

    def rest(self, start: int) -> str:
        """The words from `start` on."""
        return " ".join(self.words[start:])


def _flag(word: str) -> str:
    """ "--again", "—again" or "–again" as "again"; "" if it is not written as a flag."""
    bare = word.lstrip("-\u2014\u2013")
    return bare.lower() if bare != word else ""


async def _sweep(context: Any) -> None:
    services = context.application.bot_data.get("services")
    if services is not None:
        await services.jobs.sweep()  # tell the people it concerns now, not at the next sweep


class StaffActions:
    """Staff commands (other than /staff and /broadcast) for one running bot."""

    def __init__(self, core: Core, menu: Menu, champions: ChampionStaff, outbox: Outbox) -> None:
        self.core = core
        self.outbox = outbox
        self.menu = menu
        self.champions = champions
        self.bot: Bot | None = None  # set when the Application is built

    def _told(self, queued: Queued) -> str:
        core = self.core
        sending = sending_now(core.quiet, core.desk.now(), core.settings.timezone)
        return told(
            queued.reach,
            queued.audience,
            sending,
            threshold=self.core.settings.suppress_below,
            texts=queued.texts,
        )

    async def do(
        self, actor: Actor, name: str, body: str, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> str | Answer:
        """Carry out command `name`; returns what to answer ("" when a file was sent)."""
        if name in CHAMPION_COMMANDS:
            return await self._champion(actor, name, body, context)
        if name in TEXT_COMMANDS:
            return await text_staff.do(
                self.core.desk, actor, name, body, threshold=self.core.settings.suppress_below
            )
        w = Words(name, body)
        desk = self.core.desk
        if name in LISTINGS:
            return await desk.listing(actor, name, threshold=self.core.settings.suppress_below)
        chat = update.effective_chat
        if name == "voice":
            return await self._voice(actor, w, context.bot, chat.id) if chat else ""
        if name == "dashboard":
            return await self._dashboard(actor, update)
        if name in ("report", "export"):
            if chat is None:
                return ""
            send = send_report if name == "report" else send_export
            await send(self.core, actor, w.words, context.bot, chat.id, self.outbox)
            return ""
        handler = getattr(self, f"_{name}", None)
        if handler is None:
            raise StaffError(f"Unknown staff command /{name}.")
        return str(await handler(actor, w, context))

    # -- rounds and initiatives --------------------------------------------------------------

    async def _round_close(self, actor: Actor, w: Words, context: Any) -> str:
        round_id = w.number(0)
        queued = await self.core.desk.close_round(actor, round_id)
        await _sweep(context)
        threshold = self.core.settings.suppress_below
        results = await self.core.desk.results(actor, round_id, threshold=threshold)
        return f"Closed round {round_id}.\n{results}\n\nIts results: {self._told(queued)}"

    async def _results(self, actor: Actor, w: Words, context: Any) -> str:
        threshold = self.core.settings.suppress_below
        return await self.core.desk.results(actor, w.number(0), threshold=threshold)

    async def _topic_add(self, actor: Actor, w: Words, context: Any) -> str:
        w.need(2)
        round_id = w.number(0)
        new = await self.core.desk.add_topic(actor, round_id, texts(w.rest(1), w.translations))
        return f"Added topic {new} to round {round_id}."

    async def _initiative_add(self, actor: Actor, w: Words, context: Any) -> str:
        words = w.need(2)
        topic_ids = []
        for topic in words[0].split(","):
            if topic and not (topic.isascii() and topic.isdigit()):
                usage = COMMANDS["initiative_add"].usage
                raise StaffError(f"{topic!r} is not a number. Use: /initiative_add {usage}")
            if topic:
                topic_ids.append(int(topic))
        title = texts(w.rest(1), w.translations)
        new = await self.core.desk.create_initiative(actor, title, topic_ids)
        return f"Recorded initiative {new} (planned). Add measures with /measure_add {new} ..."

    async def _initiative_update(self, actor: Actor, w: Words, context: Any) -> str:
        words = w.need(2)
        initiative_id = w.number(0)
        status = None if words[1] == "-" else words[1]
        # "--again" and "--back", right after the status, confirm a repeat or a step back
        # (phones and Macs turn "--" into a dash as it is typed).
        start = 2
        flags = set()
        while start < len(words) and _flag(words[start]) in ("again", "back"):
            flags.add(_flag(words[start]))
            start += 1
        note = texts(w.rest(start), w.translations) if len(words) > start else None
        queued = await self.core.desk.update_initiative(
            actor, initiative_id, status, note, again="again" in flags, back="back" in flags
        )
        await _sweep(context)
        said = f" {queued.note}" if queued.note else ""
        return f"Updated initiative {initiative_id}.{said}\n\nThe news: {self._told(queued)}"

    async def _initiative_history(self, actor: Actor, w: Words, context: Any) -> str:
        threshold = self.core.settings.suppress_below
        return await milestones.history(self.core.desk, actor, w.number(0), threshold)

    async def _milestones(self, actor: Actor, w: Words, context: Any) -> str:
        initiative = w.number(0) if w.words else None
        return await milestones.listing(self.core.desk, actor, initiative)

    async def _milestone_add(self, actor: Actor, w: Words, context: Any) -> str:
        words = w.need(4)
        initiative = w.number(0)
        due, owner = words[1], words[2]
        new = await milestones.add(self.core.desk, actor, initiative, due, owner, w.rest(3))
        return f"Added milestone {new} to initiative {initiative}, due {due}, owner {owner}."

    async def _milestone_done(self, actor: Actor, w: Words, context: Any) -> str:
        day = await milestones.done(self.core.desk, actor, w.number(0))
        return f"Milestone {w.words[0]} done on {day}."

    async def _milestone_remove(self, actor: Actor, w: Words, context: Any) -> str:
        return milestones.said_removed(await milestones.remove(self.core.desk, actor, w.number(0)))

    # -- measures, champions, assets ---------------------------------------------------------

    async def _measure_add(self, actor: Actor, w: Words, context: Any) -> str:
        w.need(2)
        initiative = w.number(0)
        new = await self.core.desk.add_measure(actor, initiative, texts(w.rest(1), w.translations))
        return measures.added(new, initiative, True, actor.channel)

    async def _measure_accept(self, actor: Actor, w: Words, context: Any) -> str:
        decided = await self.core.desk.set_measure(actor, w.number(0), "proposed")
        return _with_notes(f"Measure {w.words[0]} is open for residents' votes.", decided, actor)

    async def _measure_adopt(self, actor: Actor, w: Words, context: Any) -> str:
        decided = await self.core.desk.set_measure(actor, w.number(0), "adopted")
        return _with_notes(f"Measure {w.words[0]} adopted.", decided, actor)

    async def _measure_reject(self, actor: Actor, w: Words, context: Any) -> str:
        decided = await self.core.desk.set_measure(actor, w.number(0), "rejected")
        return _with_notes(f"Measure {w.words[0]} rejected.", decided, actor)

    async def _champion_approve(self, actor: Actor, w: Words, context: Any) -> str:
        participant_id = await self.core.desk.set_champion(actor, w.number(0), "active")
        told = await self._tell_champion(participant_id, context)
        return f"Approved champion {w.words[0]}." + (" They have their link." if told else "")

    async def _asset_verify(self, actor: Actor, w: Words, context: Any) -> str:
        await self.core.desk.set_asset(actor, w.number(0), "verified")
        return f"Asset {w.words[0]} verified."

    async def _asset_hide(self, actor: Actor, w: Words, context: Any) -> str:
        await self.core.desk.set_asset(actor, w.number(0), "hidden")
        return f"Asset {w.words[0]} hidden."

    async def _champion(
        self, actor: Actor, name: str, body: str, context: ContextTypes.DEFAULT_TYPE
    ) -> Answer:
        answer = await self.champions.do(actor, name, body.split(), context)
        if name == "champion_reactivate":
            found = await self.core.db.read(champions.get, int(body.split()[0].lstrip("#")))
            told = found is not None and await self._tell_champion(found.participant_id, context)
            answer.text += " They have been told, with their link." if told else ""
        return answer

    async def _tell_champion(self, participant_id: int, context: Any) -> bool:
        return await ChampionNotice(context.bot, self.core.host, self.outbox).tell(participant_id)

    # -- residents' words ---------------------------------------------------------------------

    async def _answers(self, actor: Actor, w: Words, context: Any) -> str:
        return await self.core.hearing().answers(actor, w.words[0] if w.words else None)

    async def _voice_notes(self, actor: Actor, w: Words, context: Any) -> str:
        return await self.core.hearing().voice_notes(actor)

    async def _voice(self, actor: Actor, w: Words, bot: Bot, chat_id: int) -> str:
        answer_id = w.number(0)
        file_id, about = await self.core.hearing().voice(actor, answer_id)
        try:
            caption = f"Voice note {answer_id}: {about}"
            await self.outbox.call(
                chat_id, partial(bot.send_voice, chat_id, file_id, caption=caption)
            )
        except BadRequest:
            # Not a Telegram recording: it was "sent" in the terminal simulator.
            return (
                f"Voice note {answer_id} ({about}) was made in the terminal simulator: there "
                "is no recording to play."
            )
        return ""

    async def _suggestions(self, actor: Actor, w: Words, context: Any) -> str:
        return await self.core.hearing().suggestions(actor, w.number(0) if w.words else None)

    async def _suggestion_link(self, actor: Actor, w: Words, context: Any) -> str:
        return await self.core.hearing().link(actor, w.number(0), w.number(1))

    async def _suggestion_unlink(self, actor: Actor, w: Words, context: Any) -> str:
        return await self.core.hearing().unlink(actor, w.number(0), w.number(1))

    async def _evaluations(self, actor: Actor, w: Words, context: Any) -> str:
        return await self.core.hearing().evaluations(actor, w.number(0))

    async def _dashboard(self, actor: Actor, update: Update) -> str:
        settings = self.core.settings
        user = update.effective_user
        if not settings.web_port:
            return "The staff dashboard is turned off on this server (WEB_PORT=0)."
        member = await self.core.db.read(staffing.by_telegram, user.id) if user else None
        if member is None:
            raise StaffError("Only current staff can open the dashboard.")
        link = await DashboardDoor(self.core.desk).link_for_member(actor, member.id)
        return (
            f"Your sign-in link for the staff dashboard. It works once, for {LINK_MINUTES} "
            f"minutes; keep it to yourself:\n{link.url(settings.web_public_url)}"
        )

    # -- audit and staff ---------------------------------------------------------------------

    async def _audit(self, actor: Actor, w: Words, context: Any) -> str:
        since = w.words[0] if w.words else None
        lines = (await auditing.listing(self.core.desk, actor, since)).splitlines()
        if len(lines) > 50:
            lines = [*lines[:50], f"... and {len(lines) - 50} more: /export audit_log"]
        return "\n".join(lines)

    async def _staff_invite(self, actor: Actor, w: Words, context: Any) -> str:
        role = parse_role(w.need(1)[0])
        username = await bot_username(self.core.desk, self.core.settings.bot_username)
        invite = await self.core.roster.invite(actor, role, w.rest(1) or None)
        return invite_text(invite, username)

    async def _staff_list(self, actor: Actor, w: Words, context: Any) -> str:
        return await self.core.roster.members(actor)

    async def _staff_role(self, actor: Actor, w: Words, context: Any) -> str:
        member_id, role = w.number(0), parse_role(w.need(2)[1])
        member = await self.core.roster.set_role(actor, member_id, role)
        if member.telegram_user_id is not None:
            await self.menu(member.telegram_user_id, role)
        return f"Staff member {member_id} ({member.name}) is now {role.label}."

    async def _staff_remove(self, actor: Actor, w: Words, context: Any) -> str:
        member = await self.core.roster.remove(actor, w.number(0))
        if member.telegram_user_id is not None:
            await self.menu(member.telegram_user_id, None)
        return f"Removed staff member {member.id} ({member.name})."


def _with_notes(said: str, decided: Decided, actor: Actor) -> str:
    """A measure decision and what staff should know after it."""
    return "\n".join([said, *decided.notes(actor.channel)])
