"""One resident's step, inside one write transaction: read, run the engine, write, render.

A `Step` lives for one call of the host. It runs in the database's writer thread on the
transaction's connection: it finds (or makes) the participant, reads what the flow needs
through one Snapshot, runs the pure engine once for the flow the resident is in (and once more
for a flow it hands on to), writes the session, answers, participant changes and records, and
renders the replies. The transaction commits when it returns, before any reply is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

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
    Say,
    Text,
)
from bot.flows.events import Step as EngineStep
from bot.flows.model import Flow, NodeKind
from bot.flows.needs import placeholders
from bot.flows.session import Session
from bot.host import texts
from bot.host.artwork import Drawing
from bot.host.hooks.areas import ELSEWHERE, area_value
from bot.host.registry import View
from bot.host.render import render
from bot.host.replies import Message, Reply
from bot.host.words import OTHER, TranslatedWords
from bot.i18n.catalogs import Translator
from bot.store import participants, places, records, sessions
from bot.store.db import Tx
from bot.store.participants import Participant
from bot.store.sessions import NewAnswer, SessionState, StoredSession
from bot.store.snapshot import Snapshot

if TYPE_CHECKING:
    from bot.host.host import Host

ONBOARDING = "onboarding"
MENU = "menu"
STALE = "~"  # a node id no question has: the input is answered as "that has moved on"


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
    # Records this step wrote (e.g. "support_request": a channel may alert staff).
    recorded: tuple[str, ...] = ()
    # Posters and charts to draw once the transaction has committed (the Host does).
    drawings: list[Drawing] = field(default_factory=list)


class Step:
    """The work of one host call, on one transaction's connection."""

    def __init__(self, host: Host, conn: Tx, who: Who, now: datetime) -> None:
        self.host = host
        self.conn = conn
        self.who = who
        self.now = now
        self.stamp = now.isoformat()
        self.phone_locale = host.catalogs.negotiate(who.language_code)
        self.participant = participants.find_or_create(
            conn, who.channel, who.user_id, who.chat_id, self.stamp
        )
        self.snapshot = Snapshot(conn, self.participant.id, self.stamp)
        self.replies: list[Reply] = []
        self.forgotten = False
        self.stale = False
        self.recorded: list[str] = []
        self.drawings: list[Drawing] = []

    # -- language --------------------------------------------------------------------------

    @property
    def locale(self) -> str:
        """The language to answer in: theirs, else their app's, else the default."""
        return self.participant.locale or self.phone_locale or self.host.default_locale

    @property
    def tr(self) -> Translator:
        """The catalog of `locale`."""
        return self.host.catalogs.get(self.locale)

    def say(self, msgid: str, **params: object) -> None:
        """Add a message in the resident's language."""
        self.replies.append(Message(self.tr.gettext(msgid, **params)))

    def say_text(self, text: str) -> None:
        """Add a message already in the resident's language."""
        self.replies.append(Message(text))

    def outcome(self) -> Outcome:
        """The replies so far, and the participant as they are now."""
        participant = None if self.forgotten else self.participant
        return Outcome(
            self.replies,
            participant,
            self.locale,
            self.stale,
            tuple(self.recorded),
            self.drawings,
        )

    # -- participant -----------------------------------------------------------------------

    def change(self, **values: Any) -> None:
        """Change participant fields (written now, in this transaction)."""
        values = {k: v for k, v in values.items() if getattr(self.participant, k) != v}
        if values:
            participants.update(self.conn, self.participant.id, values)
            self.participant = participants.changed(self.participant, values)

    # -- flows -----------------------------------------------------------------------------

    def view(self) -> View:
        """What hooks see in this step."""
        return View(
            participant=self.participant,
            tr=self.tr,
            now=self.now,
            snapshot=self.snapshot,
            bot_username=self.host.bot_username,
            organisation=self.host.organisation.name_in(self.tr),
            locales=self.host.locale_options,
            phone_locale=self.phone_locale,
            retention=self.host.retention,
        )

    def context(self) -> Context:
        """The engine's context: the clock, this step's lists, facts and records, typed words
        in their language."""
        view = self.view()
        return Context(
            now=self.now,
            lists=self.host.registry.lists(view),
            words=self.host.words(self.locale),
            facts=self.host.registry.rechecks(view),
            chosen=self.host.registry.chosen(view),
            recorded=self.host.registry.recorded(view),
        )

    def active(self) -> StoredSession | None:
        """The session the resident is in the middle of, if any."""
        return sessions.active(self.conn, self.participant.id)

    def flow_of(self, stored: StoredSession) -> Flow | None:
        """The version of its flow a session runs on (None when the flow is gone)."""
        return self.host.flows.for_session(self.conn, stored.flow_id, stored.flow_hash)

    def begin(self, flow_id: str | None = None) -> None:
        """Start `flow_id` (default: onboarding for newcomers, else the menu)."""
        if not self.participant.consented:
            flow_id = ONBOARDING  # nobody skips onboarding: consent comes first
        elif flow_id is None:
            flow_id = MENU
        flow = self.host.flows.current(flow_id) or self.host.flows.get(MENU)
        seed = self.seed(flow)
        self.apply(flow, None, engine.start(flow, self.context(), seed))

    def seed(self, flow: Flow) -> dict[str, Any]:
        """Facts a flow branches on before asking anything (its `given`), and what they add."""
        view = self.view()
        seed: dict[str, Any] = {}
        for name in flow.given:
            fact = self.host.registry.facts[name]
            seed[name] = fact.make(view)
            if fact.seed is not None:
                seed.update(fact.seed(view))
        return seed

    def resume(self, stored: StoredSession, received: Input, session_id: int | None) -> None:
        """Feed an input to the resident's session."""
        flow = self.flow_of(stored)
        if flow is None:
            self.say(texts.FLOW_GONE)
            self.begin(MENU if self.participant.consented else ONBOARDING)
            return
        if session_id is not None and session_id != stored.id:
            # A button from an earlier session: answered like a button for an old question.
            received = Choose(received.option_id if isinstance(received, Choose) else "", STALE)
        session = _session(stored)
        if isinstance(received, Text) and _sets_area(flow, session.node_id):
            # A whole postcode typed for the area is kept as its district, in the session and
            # the answers as on the participant: it is all the question asks for.
            received = Text(places.coarse(received.text))
        step = engine.resume(flow, session, received, self.context())
        if isinstance(received, Text):
            words = self.host.words(self.locale)
            step = _helped(step) if words.asks_help(received.text) else step
            step = _unlisted(step, words, received.text)
        self.stale = self.stale or any(
            isinstance(e, Rejected) and e.reason == engine.MOVED_ON for e in step.events
        )
        self.apply(flow, stored.id, step)

    def repeat(self) -> None:
        """Ask the current question again, or begin when there is none."""
        stored = self.active()
        flow = self.flow_of(stored) if stored is not None else None
        if stored is None or flow is None:
            if stored is not None:
                self.say(texts.FLOW_GONE)
            self.begin()
            return
        session = _session(stored)
        step = engine.current(flow, session, self.context())
        if step.session == session:
            self.render(stored.id, step)
        else:  # the flow changed under them: the engine moved them on, so save where to
            self.apply(flow, stored.id, step)

    # -- applying a step -------------------------------------------------------------------

    def apply(self, flow: Flow, session_id: int | None, step: EngineStep) -> None:
        """Write a step (answers, effects, records, session), render it, then go on to the
        flow it hands over to, if any."""
        answers: list[NewAnswer] = []
        finished: Finished | None = None
        for event in step.events:
            if isinstance(event, SaveAnswer):
                value = event.value
                if _sets_area(flow, event.node_id) and value not in (None, ELSEWHERE):
                    # Staff read the area, not the button's id ("area.1") or a pin.
                    value = area_value(self.view(), value)
                answers.append(NewAnswer(event.flow_id, event.node_id, event.key, value))
            elif isinstance(event, ApplyEffect):
                self.effect(event, step)
            elif isinstance(event, Finished):
                finished = event
        if self.forgotten:
            self.render(None, step)
            return
        if self.participant.locale is None and self.phone_locale:
            # Keep the language the app asked for, so later news arrives in it too.
            self.change(locale=self.phone_locale)
        state = SessionState(
            step.session.flow_id,
            step.session.flow_hash,
            step.session.node_id,
            step.session.to_json(),
            step.session.status,
        )
        if session_id is None:
            session_id = sessions.create(self.conn, self.participant.id, state, self.stamp)
        else:
            sessions.update(self.conn, session_id, state, self.stamp)
        sessions.append_answers(
            self.conn, self.participant.id, session_id, answers, self.stamp, locale=self.locale
        )
        if finished is not None and finished.outcome == "completed" and step.session.revised:
            sessions.keep_final_answers(self.conn, session_id, step.session.taken_back)
        self.render(session_id, step)
        if finished is not None:
            self.after(finished)

    def effect(self, event: ApplyEffect, step: EngineStep) -> None:
        """Apply one effect of a step."""
        if event.action == "forget":
            participants.forget(self.conn, self.participant.id)
            self.forgotten = True
        elif event.action == "set" and event.target == "area":
            self.change(area=area_value(self.view(), event.value))
        elif event.action == "set" and event.target == "locale":
            self.change(locale=event.value)
        elif event.action == "record" and event.target == "consent":
            agreed = isinstance(event.value, dict) and bool(event.value.get("agreed"))
            self.change(consent_at=event.value["at"] if agreed else None)
        elif event.action == "record":
            record = self.host.registry.records[event.target]
            data = record.make(self.view(), step.session.answers)
            if data is not None:
                records.write(self.conn, self.participant.id, data, self.stamp, self.locale)
                self.recorded.append(event.target)

    def after(self, finished: Finished) -> None:
        """What comes after a flow ends: a word when they stopped it, or the next flow."""
        if finished.outcome == "cancelled":
            self.say(texts.LEFT_FLOW)
            return
        then = finished.then
        if then == MENU and self.participant.next_flow:
            # A deep link asked for a flow before onboarding: open it now, once.
            wanted = self.participant.next_flow
            self.change(next_flow=None)
            then = wanted if wanted in self.host.flows else MENU
        if then:
            self.begin(then)

    def render(self, session_id: int | None, step: EngineStep) -> None:
        """Add a step's replies, with the values of the placeholders its texts use."""
        self.replies += render(step.events, self.tr, session_id, self.params(step))

    def params(self, step: EngineStep) -> dict[str, str]:
        """Values for the placeholders the texts of this step show."""
        wanted = placeholders(step.events)
        if not wanted:
            return {}
        view = self.view()
        params = self.host.registry.params
        return {
            name: params[name].make(view, step.session.answers) for name in wanted if name in params
        }


def _helped(step: EngineStep) -> EngineStep:
    """ "help" typed where it is not an answer: how to answer, not "Please tap one of the
    buttons" (the question is asked again after it, as after any answer not taken)."""
    if not any(isinstance(e, Rejected) for e in step.events):
        return step
    # Said, not rejected: a channel adds how to answer after a rejection ("/help for more").
    events = tuple(Say(texts.HELP) if isinstance(e, Rejected) else e for e in step.events)
    return replace(step, events=events)


def _unlisted(step: EngineStep, words: TranslatedWords, typed: str) -> EngineStep:
    """A language typed that has no button ("French" among the nine): which button to tap
    for it, not "Please tap the buttons"."""
    asked = next((e for e in step.events if isinstance(e, Ask)), None)
    if (
        asked is None
        or asked.node.kind not in (NodeKind.CHOICE, NodeKind.MULTI_CHOICE)
        or not any(isinstance(e, Rejected) and e.reason != engine.MOVED_ON for e in step.events)
    ):
        return step
    language = words.unlisted_language(typed, asked.options)
    if language is None:
        return step
    other = next(o for o in asked.options if o.id == OTHER)
    shown = words.tr.label(other.label, other.context)
    multi = asked.node.kind is NodeKind.MULTI_CHOICE
    hint = Rejected(
        texts.UNLISTED_LANGUAGES if multi else texts.UNLISTED_LANGUAGE,
        {"language": language, "other": shown},
    )
    events = tuple(hint if isinstance(e, Rejected) else e for e in step.events)
    return replace(step, events=events)


def _sets_area(flow: Flow, node_id: str | None) -> bool:
    node = flow.nodes.get(node_id or "")
    return node is not None and any(e.action == "set" and e.target == "area" for e in node.effects)


def _session(stored: StoredSession) -> Session:
    return Session.from_row(
        stored.flow_id, stored.flow_hash, stored.node_id, stored.state_json, stored.status
    )
