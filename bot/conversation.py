"""The host around the pure engine: loads state, runs a step, writes it through, renders.

Both channels (Telegram and the terminal simulator) call this with the same inputs, so they
behave identically; it knows nothing about either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bot import deeplinks, hostnodes
from bot.engagement.hooks import HookContext, Hooks
from bot.flows import engine
from bot.flows.events import (
    ApplyEffect,
    Ask,
    Choose,
    Context,
    Finished,
    Input,
    Rejected,
    SaveAnswer,
    Step,
    Text,
)
from bot.flows.model import Flow, NodeKind, Option
from bot.flows.needs import Provided, needs_problems, placeholders, sources
from bot.flows.registry import FlowRegistry, InvalidFlows
from bot.flows.session import Session
from bot.i18n.catalogs import Catalogs, Translator
from bot.i18n.markers import N_
from bot.render import CONTROL_LABELS, render
from bot.replies import Button, Message, Question, Reply
from bot.store.engagement import Writer
from bot.store.records import Participant, StoredSession
from bot.store.repository import NewAnswer, ParticipantChanges, SessionWrite, Store

log = logging.getLogger(__name__)

ONBOARDING = "onboarding"
MENU = "menu"
LANGUAGE_NODE = hostnodes.LANGUAGE
DELETE_NODE = hostnodes.DELETE
SUPPORT_THANKS = N_("Thank you for telling us. Someone from our team will get in touch soon.")
ALL_GOOD = N_("Good to hear. Thank you for all you do!")

LEFT_FLOW = N_(
    "You have stopped these questions. Your answers so far are saved. "
    "Send /menu to choose something else."
)
FLOW_GONE = N_("Those questions are no longer available. Here is the menu.")
NOTHING_TO_CANCEL = N_(
    "You are not answering any questions right now. Send /menu to see what you can do."
)
HELP = N_(
    "Tap the buttons to answer. You can also type the number of an answer.\n"
    "/menu – choose what to do\n"
    "/language – change language\n"
    "/cancel – stop the current questions (your answers are kept)\n"
    "/privacy – how we use your answers\n"
    "/mydata – get a copy of everything we keep about you\n"
    "/delete – delete everything we keep about you\n"
    "/stop – no more news from us"
)
PRIVACY = N_(
    "This bot is run by {organisation}. We keep your answers, your language and your area, "
    "for 2 years. We do not ask for your name. Only our team can see them. We use them to plan "
    "local health work and to tell you what happened.\n"
    "Send /mydata to get a copy, or /delete to remove everything."
)
PICK_LANGUAGE = N_("Which language would you like?")
LANGUAGE_CHANGED = N_("From now on I will write in {language}.")


@dataclass(frozen=True, slots=True)
class Who:
    """Who sent an input, as the channel knows them."""

    channel: str
    user_id: str
    chat_id: str
    language_code: str | None = None


@dataclass(slots=True)
class Outcome:
    """What a call produced: replies to show, and the participant afterwards."""

    replies: list[Reply] = field(default_factory=list)
    participant: Participant | None = None
    locale: str = "en"
    stale: bool = False  # a button for a question that has moved on was pressed


class Conversation:
    """Runs participants through flows, writing every step through before replying."""

    def __init__(
        self,
        store: Store,
        flows: FlowRegistry,
        catalogs: Catalogs,
        *,
        clock: Callable[[], datetime] | None = None,
        default_locale: str = "en",
        organisation: str = "your local health and wellbeing team",
        hooks: Hooks | None = None,
        bot_username: str = "community_voice_bot",
    ) -> None:
        self.store = store
        self.flows = flows
        self.catalogs = catalogs
        self.clock = clock or (lambda: datetime.now(UTC))
        self.default_locale = default_locale
        self.params = {"organisation": organisation}
        self.hooks = hooks
        self.bot_username = bot_username
        # Every language we have, each in its own name: fixed once the catalogs are loaded.
        self._locale_options = tuple(
            Option(code, Catalogs.display_name(code)) for code in catalogs.available()
        )
        problems = needs_problems(flows, hooks.provided() if hooks else Provided())
        if problems:
            raise InvalidFlows(problems)

    # -- entry points ----------------------------------------------------------------------

    async def handle(self, who: Who, received: Input, *, session_id: int | None = None) -> Outcome:
        """Feed one input from `who`; `session_id` binds a button press to its session."""
        participant = await self._participant(who)
        if isinstance(received, Choose) and received.node_id == LANGUAGE_NODE:
            return await self.set_language(who, received.option_id)
        if isinstance(received, Choose) and received.node_id == DELETE_NODE:
            return await self._delete_answer(who, participant, received.option_id)
        if isinstance(received, Choose) and received.node_id == hostnodes.OPEN_FLOW:
            return await self.begin(who, received.option_id)
        if isinstance(received, Choose) and received.node_id == hostnodes.RESUME_FLOW:
            return await self.repeat(who)
        if isinstance(received, Choose) and received.node_id == hostnodes.CHAMPION_SUPPORT:
            return await self._champion_support(who, participant, received.option_id)
        stored = await self.store.active_session(participant.id)
        pressed = isinstance(received, Choose) and received.node_id is not None
        if stored is None:
            out = await self.begin(who)
            out.stale = pressed
            return out
        flow = self._flow(stored.flow_id)
        if flow is None:
            out = await self.begin(who, MENU if participant.consented else ONBOARDING)
            out.replies.insert(0, Message(self._tr(participant, who).gettext(FLOW_GONE)))
            return out
        session = _session(stored)
        if session_id is not None and session_id != stored.id:
            # A button from an earlier session: treat it like a button for an old question.
            received = Choose(received.option_id if isinstance(received, Choose) else "", "~")
        elif isinstance(received, Text):
            received = await self._typed(
                participant, flow, session, received, self._tr(participant, who)
            )
        tr = self._tr(participant, who)
        step = await self._run(
            participant,
            flow,
            session.answers,
            tr,
            lambda ctx: engine.resume(flow, session, received, ctx),
        )
        out = await self._apply(who, participant, stored.id, step, flow)
        out.stale = any(
            isinstance(e, Rejected) and e.reason == engine.MOVED_ON for e in step.events
        )
        return out

    async def _typed(
        self, participant: Participant, flow: Flow, session: Session, typed: Text, tr: Translator
    ) -> Input:
        """Typed text that matches a button (its number, or its label in the resident's
        language) counts as tapping it, so people who cannot use buttons are not stuck."""
        ctx = await self._context(participant, flow, session.answers, tr)
        asked = engine.current(flow, session, ctx).events
        ask = next((e for e in asked if isinstance(e, Ask)), None)
        if ask is None:
            return typed
        word = typed.text.strip()
        if word.isascii() and word.isdigit() and ask.options and 1 <= int(word) <= len(ask.options):
            if ask.node.kind not in (NodeKind.NUMBER, NodeKind.TEXT):
                return Choose(ask.options[int(word) - 1].id, ask.node.id)
        folded = word.casefold()
        for option in ask.options:
            if folded == tr.gettext(option.label).casefold():
                return Choose(option.id, ask.node.id)
        for control in ask.controls:
            label = tr.gettext(CONTROL_LABELS[control]).casefold()
            if folded in (label, label.split(" ", 1)[-1]):
                return Choose(control, ask.node.id)
        return typed

    async def begin(self, who: Who, flow_id: str | None = None) -> Outcome:
        """Start `flow_id` (default: onboarding for newcomers, else the menu)."""
        participant = await self._participant(who)
        if not participant.consented:
            # Nobody skips onboarding: consent comes before any other question.
            flow_id = ONBOARDING
        elif flow_id is None:
            flow_id = MENU
        flow = self._flow(flow_id) or self.flows.get(MENU)
        tr = self._tr(participant, who)
        seed = await self._seed(participant, who, flow, tr)
        step = await self._run(
            participant, flow, seed, tr, lambda ctx: engine.start(flow, ctx, seed)
        )
        return await self._apply(who, participant, None, step, flow)

    async def start(self, who: Who, payload: str | None = None) -> Outcome:
        """/start: undo /stop, follow a deep link, then pick up or begin."""
        participant = await self._participant(who)
        link = deeplinks.parse(payload)
        changes = ParticipantChanges()
        if participant.opted_out_at is not None:
            changes.set("opted_out_at", None)
        if participant.unreachable_at is not None:
            changes.set("unreachable_at", None)
        wanted: str | None = None
        if link is not None and link.kind == "flow" and link.value in self.flows:
            wanted = link.value
            if not participant.consented:
                changes.set("next_flow", wanted)
        elif link is not None and link.kind == "referral":
            await self._attribute(participant, link.value)
        elif link is not None:
            log.info("ignored deep link payload (%s)", link.kind)
        await self.store.update_participant(participant.id, changes)
        if wanted is not None:
            return await self.begin(who, wanted)
        active = await self.store.active_session(participant.id)
        if active is not None:
            return await self.repeat(who)
        return await self.begin(who)

    async def _attribute(self, participant: Participant, code: str) -> None:
        champion = await self.store.champion_by_code(code)
        if champion is None:
            log.info("unknown referral code ignored")
            return
        if participant.consented or champion.participant_id == participant.id:
            # Only people who join through the link count; residents already taking part
            # (and champions opening their own link) are not referrals.
            return
        await self.store.record_referral(participant.id, champion.id, code, self._now())

    async def stop(self, who: Who) -> Outcome:
        """/stop: no more broadcasts until /start."""
        participant = await self._participant(who)
        changes = ParticipantChanges()
        changes.set("opted_out_at", self._now())
        await self.store.update_participant(participant.id, changes)
        tr = self._tr(participant, who)
        text = tr.gettext(
            "You will not get any more news from us. Your answers are kept. "
            "Send /start if you want news again, or /delete to remove everything."
        )
        return Outcome([Message(text)], participant, tr.locale)

    async def export(self, who: Who) -> dict[str, list[dict[str, Any]]]:
        """Every row kept about the participant (for /mydata)."""
        participant = await self._participant(who)
        return await self.store.export_participant(participant.id)

    async def forget(self, who: Who) -> Outcome:
        """/delete, confirmed: erase every row about the participant."""
        participant = await self._participant(who)
        tr = self._tr(participant, who)
        await self.store.forget_participant(participant.id)
        text = tr.gettext(
            "Done. We have deleted everything we kept about you. "
            "If you send another message, we will start again as if we had never met."
        )
        return Outcome([Message(text)], None, tr.locale)

    async def repeat(self, who: Who) -> Outcome:
        """Ask the current question again (or begin, if there is none)."""
        participant = await self._participant(who)
        stored = await self.store.active_session(participant.id)
        flow = self._flow(stored.flow_id) if stored else None
        if stored is None or flow is None:
            return await self.begin(who)
        tr = self._tr(participant, who)
        session = _session(stored)
        ctx = await self._context(participant, flow, session.answers, tr)
        step = engine.current(flow, session, ctx)
        params = await self._params(participant, step, tr)
        return Outcome(render(step.events, tr, stored.id, params), participant, tr.locale)

    async def cancel(self, who: Who) -> Outcome:
        """Leave the current flow; answers already given are kept."""
        participant = await self._participant(who)
        stored = await self.store.active_session(participant.id)
        tr = self._tr(participant, who)
        if stored is None:
            return Outcome([Message(tr.gettext(NOTHING_TO_CANCEL))], participant, tr.locale)
        flow = self._flow(stored.flow_id)
        if flow is None:
            return await self.begin(who)
        session = _session(stored)
        ctx = await self._context(participant, flow, session.answers, tr)
        step = engine.resume(flow, session, Choose("_cancel"), ctx)
        return await self._apply(who, participant, stored.id, step, flow)

    def language_question(self, who_locale: str | None) -> Question:
        """The language picker: every language we have, each in its own name."""
        tr = self.catalogs.get(who_locale)
        buttons = tuple(
            Button(Catalogs.display_name(code), code, selected=code == who_locale)
            for code in self.catalogs.available()
        )
        return Question(tr.gettext(PICK_LANGUAGE), buttons, (), 0, LANGUAGE_NODE, "choice")

    async def delete_question(self, who: Who) -> Outcome:
        """/delete: ask for confirmation before erasing anything."""
        participant = await self._participant(who)
        tr = self._tr(participant, who)
        question = Question(
            tr.gettext(
                "Do you want us to delete everything we keep about you? This cannot be undone."
            ),
            (
                Button(tr.gettext("Yes, delete everything"), "yes"),
                Button(tr.gettext("No, keep it"), "no"),
            ),
            (),
            0,
            DELETE_NODE,
            "choice",
        )
        return Outcome([question], participant, tr.locale)

    async def _delete_answer(self, who: Who, participant: Participant, choice: str) -> Outcome:
        if choice == "yes":
            return await self.forget(who)
        tr = self._tr(participant, who)
        return Outcome([Message(tr.gettext("Nothing was deleted."))], participant, tr.locale)

    async def _champion_support(self, who: Who, participant: Participant, choice: str) -> Outcome:
        """A champion's answer to the monthly check-in: kept as an answer staff can list."""
        value = "help" if choice == "help" else "ok"
        await self.store.record_answer(
            participant.id,
            "champion-checkin",
            hostnodes.CHAMPION_SUPPORT,
            "support",
            value,
            self._now(),
        )
        tr = self._tr(participant, who)
        reply = SUPPORT_THANKS if value == "help" else ALL_GOOD
        return Outcome([Message(tr.gettext(reply))], participant, tr.locale)

    async def info(self, who: Who, topic: str) -> Outcome:
        """/help or /privacy, in the resident's language."""
        participant = await self._participant(who)
        tr = self._tr(participant, who)
        if topic == "help":
            text = tr.gettext(HELP, **self.params)
        else:
            text = tr.gettext(PRIVACY, **self.params)
        return Outcome([Message(text)], participant, tr.locale)

    async def champion_notice(self, participant_id: int, message: str) -> tuple[str, str] | None:
        """(chat id, text) telling a champion, in their language, with their `{link}`."""
        participant = await self.store.participant(participant_id)
        if participant is None or self.hooks is None:
            return None
        tr = self.catalogs.get(participant.locale or self.default_locale)
        link = await self.hooks.params["champion_link"](self._hook_context(participant, {}, tr))
        return participant.chat_id, tr.gettext(message, link=link)

    async def set_language(self, who: Who, code: str) -> Outcome:
        """Change the participant's language, then ask the current question again in it."""
        participant = await self._participant(who)
        if code not in self.catalogs.available():
            tr = self._tr(participant, who)
            return Outcome([self.language_question(tr.locale)], participant, tr.locale)
        changes = ParticipantChanges()
        changes.set("locale", code)
        await self.store.update_participant(participant.id, changes)
        out = await self.repeat(who)
        said = self.catalogs.get(code).gettext(
            LANGUAGE_CHANGED, language=Catalogs.display_name(code)
        )
        out.replies.insert(0, Message(said))
        return out

    # -- the step --------------------------------------------------------------------------

    async def _apply(
        self, who: Who, participant: Participant, session_id: int | None, step: Step, flow: Flow
    ) -> Outcome:
        """Write the step through, chain into a follow-on flow, then render."""
        events = list(step.events)
        session_id, forgotten, changed = await self._commit(who, participant, session_id, step)
        finished = next((e for e in events if isinstance(e, Finished)), None)
        # `changed` is the participant as just committed: no need to read it back.
        participant_after = None if forgotten else changed
        locale = self._locale(changed, who)
        tr = self.catalogs.get(locale)
        params = await self._params(changed, step, tr)
        replies = render(events, tr, session_id, params)
        if finished is not None and participant_after is not None:
            replies.extend(await self._after(who, participant_after, finished, tr))
        return Outcome(replies, participant_after, locale)

    async def _after(
        self, who: Who, participant: Participant, finished: Finished, tr: Translator
    ) -> list[Reply]:
        if finished.outcome == "cancelled":
            return [Message(tr.gettext(LEFT_FLOW))]
        then = finished.then
        if then == MENU and participant.next_flow:
            # A deep link asked for a flow before onboarding: open it now, once.
            then = participant.next_flow if participant.next_flow in self.flows else MENU
            changes = ParticipantChanges()
            changes.set("next_flow", None)
            await self.store.update_participant(participant.id, changes)
        if then:
            nxt = await self.begin(who, then)
            return nxt.replies
        return []

    async def _commit(
        self, who: Who, participant: Participant, session_id: int | None, step: Step
    ) -> tuple[int | None, bool, Participant]:
        answers: list[NewAnswer] = []
        changes = ParticipantChanges()
        negotiated = self.catalogs.negotiate(who.language_code)
        if participant.locale is None and negotiated:
            # Keep the language the phone asked for, so later news arrives in it too.
            changes.set("locale", negotiated)
        forget = False
        writers: list[Writer] = []
        for event in step.events:
            if isinstance(event, SaveAnswer):
                answers.append(NewAnswer(event.flow_id, event.node_id, event.key, event.value))
            elif isinstance(event, ApplyEffect):
                forget = forget or _effect(event, changes)
                writer = await self._record(participant, event, step, who)
                if writer is not None:
                    writers.append(writer)
        session = step.session
        write = SessionWrite(
            session_id=session_id,
            flow_id=session.flow_id,
            flow_hash=session.flow_hash,
            node_id=session.node_id,
            state_json=session.to_json(),
            status=session.status,
        )
        new_id = await self.store.commit_step(
            participant.id, write, answers, changes, self._now(), forget=forget, writers=writers
        )
        return new_id, forget, _with(participant, changes.values)

    # -- helpers ---------------------------------------------------------------------------

    async def _participant(self, who: Who) -> Participant:
        # Reading first keeps the common case (a known resident) free of a write.
        known = await self.store.find_participant(who.channel, who.user_id)
        if known is not None:
            return known
        return await self.store.ensure_participant(
            who.channel, who.user_id, who.chat_id, self._now()
        )

    def _flow(self, flow_id: str) -> Flow | None:
        return self.flows.get(flow_id) if flow_id in self.flows else None

    def _now(self) -> str:
        return self.clock().isoformat()

    async def _run(
        self,
        participant: Participant,
        flow: Flow,
        answers: dict[str, Any],
        tr: Translator,
        run: Callable[[Context], Step],
    ) -> Step:
        """Run the engine with option lists that match the answers it ends up with.

        Some lists depend on answers given in the same step (the measures of the initiative
        just chosen), and the engine is pure, so it is simply run again with lists rebuilt
        from its own result until they stop changing.
        """
        ctx = await self._context(participant, flow, answers, tr)
        step = run(ctx)
        if self.hooks is None or not sources(flow) & set(self.hooks.options):
            return step  # nothing in this flow's lists depends on its answers
        for _ in range(3):
            fresh = await self._context(participant, flow, step.session.answers, tr)
            if fresh.options == ctx.options:
                break
            ctx = fresh
            step = run(ctx)
        return step

    def _hook_context(
        self, participant: Participant, answers: dict[str, Any], tr: Translator
    ) -> HookContext:
        return HookContext(participant, answers, tr, self.clock(), self.bot_username)

    async def _context(
        self, participant: Participant, flow: Flow, answers: dict[str, Any], tr: Translator
    ) -> Context:
        options: dict[str, tuple[Option, ...]] = {"locales": self._locale_options}
        if self.hooks is not None:
            hc = self._hook_context(participant, answers, tr)
            for name in sources(flow):
                if name in self.hooks.options:
                    options[name] = await self.hooks.options[name](hc)
        return Context(now=self.clock(), options=options)

    async def _seed(
        self, participant: Participant, who: Who, flow: Flow, tr: Translator
    ) -> dict[str, Any]:
        """Facts a flow may branch on before asking anything (its `given`)."""
        known = participant.locale or self.catalogs.negotiate(who.language_code)
        seed: dict[str, Any] = {"language_known": "yes" if known else "no"}
        if self.hooks is not None:
            hc = self._hook_context(participant, {}, tr)
            for name in flow.given:
                if name in self.hooks.facts:
                    seed[name] = await self.hooks.facts[name](hc)
            seed.update(await self.hooks.context_for(flow.given, hc))
        return seed

    async def _params(self, participant: Participant, step: Step, tr: Translator) -> dict[str, str]:
        """Values for the placeholders in the texts this step will show."""
        params = dict(self.params)
        if self.hooks is None:
            return params
        wanted = placeholders(step.events) & set(self.hooks.params)
        if wanted:
            hc = self._hook_context(participant, step.session.answers, tr)
            for name in sorted(wanted):
                params[name] = await self.hooks.params[name](hc)
        return params

    async def _record(
        self, participant: Participant, event: ApplyEffect, step: Step, who: Who
    ) -> Writer | None:
        if event.action != "record" or self.hooks is None:
            return None
        make = self.hooks.records.get(event.target)
        if make is None:
            return None
        hc = self._hook_context(participant, step.session.answers, self._tr(participant, who))
        return await make(hc)

    def _locale(self, participant: Participant | None, who: Who) -> str:
        if participant is not None and participant.locale:
            return participant.locale
        return self.catalogs.negotiate(who.language_code) or self.default_locale

    def _tr(self, participant: Participant | None, who: Who) -> Translator:
        return self.catalogs.get(self._locale(participant, who))


def _session(stored: StoredSession) -> Session:
    return Session.from_row(
        stored.flow_id, stored.flow_hash, stored.node_id, stored.state_json, stored.status
    )


def _effect(event: ApplyEffect, changes: ParticipantChanges) -> bool:
    """Record an effect in `changes`; True when the participant must be forgotten."""
    if event.action == "forget":
        return True
    if event.action == "set" and event.target in ("locale", "area"):
        value = event.value
        if isinstance(value, dict):  # a location answer: keep the place name or nothing
            value = value.get("place")
        changes.set(event.target, value)
    elif event.action == "record" and event.target == "consent":
        agreed = isinstance(event.value, dict) and bool(event.value.get("agreed"))
        changes.set("consent_at", event.value["at"] if agreed else None)
    return False


def _with(participant: Participant, values: dict[str, Any]) -> Participant:
    return replace(participant, **values) if values else participant
