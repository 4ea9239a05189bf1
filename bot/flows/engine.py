"""The pure flow engine: `start` and `resume` turn a flow, a session and an input into a Step.

No I/O, no clock, no randomness: the host passes a Context with the time and any outside
option lists, and applies the returned events. Input a question cannot accept is a normal
outcome (a Rejected event and the question again), never an exception.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from typing import Any

from bot.flows.events import (
    Answered,
    ApplyEffect,
    Ask,
    Choose,
    Context,
    Event,
    Finished,
    Input,
    Location,
    Rejected,
    SaveAnswer,
    Say,
    Step,
    Text,
    Voice,
)
from bot.flows.model import (
    BACK,
    CANCEL,
    CONSENT_NO,
    CONSENT_YES,
    DONE,
    SKIP,
    Flow,
    Node,
    NodeKind,
    Option,
)
from bot.flows.session import ACTIVE, CANCELLED, FINISHED, Session
from bot.i18n.markers import N_

DEFAULT_MAX_LENGTH = 500

CONSENT_OPTIONS = (
    Option(CONSENT_YES, N_("Yes, I agree")),
    Option(CONSENT_NO, N_("No, thank you")),
)

MOVED_ON = N_("That question has moved on. Here is where you are now.")
QUESTIONS_CHANGED = N_(
    "The questions have changed since you started, so we will start this part again. "
    "Your answers so far are kept."
)
THANKS_FOR_VOICE = N_("Thank you for your voice note.")
NO_VOICE = N_("Sorry, we cannot use a voice note for this question. Please type your answer.")
TYPE_IT = N_("Please type your answer, or send a voice note.")
SHARE_IT = N_("Please share a location, or type the name of the place.")
SKIPPED = N_("Skipped")
NONE_CHOSEN = N_("None of these")


class _Walk:
    """Accumulates events while the engine moves through a flow for one call."""

    def __init__(self, flow: Flow, session: Session, ctx: Context) -> None:
        self.flow = flow
        self.session = session
        self.ctx = ctx
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def step(self) -> Step:
        return Step(self.session, tuple(self.events))

    # -- moving ----------------------------------------------------------------------------

    def enter(self, node_id: str, *, returning: bool = False) -> None:
        """Move to `node_id` and run every node that does not wait, until a question or end.
        `returning`: Back from the question after it, to this one."""
        # More automatic hops than nodes means a loop with no question in it: stop rather
        # than spin. The validator refuses such flows; this guards hand-edited files.
        for _ in range(len(self.flow.nodes) + 1):
            node = self.flow.node(node_id)
            self.session = self.session.evolve(node_id=node.id, pending=())
            if returning and node.for_each:
                # Back from the question after the last item: to the last item, the earlier
                # ones still answered (not to the first, all of them to rate again).
                self.session = self.session.evolve(pending=self._answered_items(node)[:-1])
            returning = False
            if node.is_question:
                if node.kind is NodeKind.MULTI_CHOICE:
                    options = self.options_for(node)
                    if not options:
                        # A host list with nothing in it (no measures proposed yet): nothing
                        # to pick, so an empty answer, and on.
                        node_id = self._finish_empty(node, [])
                        continue
                    # Back at a question they answered ("No, change it", or Back): their
                    # choices are still ticked, to change rather than to make again.
                    self.session = self.session.evolve(pending=self.ticked_now(node, options))
                if node.for_each and not self.items(node):
                    # Nothing to go through: an empty answer, and on.
                    node_id = self._finish_empty(node, {})
                    continue
                if node.kind is NodeKind.CHOICE and self._only_option(node) is not None:
                    node_id = self._choose_only(node)
                    continue
                if node.kind is NodeKind.RANK and self._rank_is_trivial(node):
                    continue_to = self._finish_trivial_rank(node)
                    if continue_to is None:
                        return
                    node_id = continue_to
                    continue
                self.ask(node)
                return
            if node.kind is NodeKind.MESSAGE:
                self._say(node)
                node_id = self._next_of(node)
            elif node.kind is NodeKind.GOTO:
                node_id = self._next_of(node)
            elif node.kind is NodeKind.BRANCH:
                node_id = self._branch(node)
            else:  # END
                self._end(node)
                return
        self.session = self.session.evolve(node_id=None, status=FINISHED)
        self.emit(Finished(self.flow.id, "broken"))

    def _say(self, node: Node) -> None:
        if node.text:
            self.emit(Say(node.text, separate=node.separate))

    def _next_of(self, node: Node, option: Option | None = None) -> str:
        target = (option.next if option is not None else None) or node.next
        assert target is not None, f"validator lets no dead end through: {node.id}"
        return target

    def _branch(self, node: Node) -> str:
        value = self.session.answers.get(node.on or "")
        if node.on in self.flow.given:
            # A fact the host can read again now, from the answers so far (whether the
            # resident already answered the round they just picked).
            fresh = self.ctx.facts(node.on, self.session.answers)
            if fresh is not None:
                value = fresh
        for case in node.cases:
            if _matches(value, case.when):
                return case.next
        assert node.default is not None
        return node.default

    def _end(self, node: Node) -> None:
        self._say(node)
        for effect in node.effects:
            self.emit(ApplyEffect(effect.action, effect.target))
        self.session = self.session.evolve(node_id=None, status=FINISHED, pending=())
        self.emit(Finished(self.flow.id, "completed", node.then))

    # -- asking ----------------------------------------------------------------------------

    def options_for(self, node: Node) -> tuple[Option, ...]:
        """The options a question offers now (rank: the items not yet placed)."""
        if node.kind is NodeKind.CONSENT:
            return CONSENT_OPTIONS
        if node.kind is NodeKind.RANK:
            placed = set(self.session.pending)
            return tuple(o for o in self._rank_items(node) if o.id not in placed)
        if node.options_from:
            return self.ctx.lists(node.options_from, self.session.answers)
        return node.options

    def ticked_now(self, node: Node, options: tuple[Option, ...]) -> tuple[str, ...]:
        """What a multi_choice shows ticked as it is asked: the ticks it had when the resident
        went Back from it before Done, if it offers the same options (not another project's
        measures), else what was chosen before."""
        left = self.session.left_ticked.get(node.id)
        if left is not None and left[1] == tuple(o.id for o in options):
            return left[0]
        return self.chosen_before(node, options)

    def chosen_before(self, node: Node, options: tuple[Option, ...]) -> tuple[str, ...]:
        """What this session chose at a multi_choice before, or else what the resident chose
        outside it: from its host list (`Context.chosen`), or for the flow's own options, what
        a record the flow writes holds under its key (`Context.recorded`); of the options it
        offers now."""
        offered = {o.id for o in options}
        alone = {o.id for o in options if o.alone}

        def of_these(before: object) -> tuple[str, ...]:
            if isinstance(before, str):  # one answer, from a choice this question once was
                before = (before,)
            if not isinstance(before, list | tuple):
                return ()
            chosen = tuple(c for c in before if isinstance(c, str) and c in offered)
            # Chosen before an option stood alone: the others, which say more.
            chosen = tuple(c for c in chosen if c not in alone) or chosen[:1]
            return chosen[: node.max_choices] if node.max_choices else chosen

        if node.save_as and node.save_as in self.session.answers:
            before = self.session.answers[node.save_as]
            if before is None:  # skipped in this go: nothing ticked
                return ()
            chosen = of_these(before)
            # None of it offered now: it answered another list (Back to another round).
            if chosen or not node.options_from:
                return chosen
        if node.options_from:
            return of_these(self.ctx.chosen(node.options_from, self.session.answers))
        if not node.save_as:
            return ()
        for record in self.records:
            before = self.ctx.recorded(record, node.save_as)
            if before is not None:
                return of_these(before)
        return ()

    def said_before(self, node: Node) -> tuple[str, ...]:
        """A choice of the flow's own, not yet answered in this go: what a record the flow
        writes holds under its key (`Context.recorded`), shown as a multi_choice shows its
        ticks (a champion changing their sign-up sees whether they let us contact them)."""
        if node.kind is not NodeKind.CHOICE or node.for_each or node.options_from:
            return ()
        if not node.save_as or node.save_as in self.session.answers:
            return ()
        for record in self.records:
            before = self.ctx.recorded(record, node.save_as)
            if before is not None:
                return (before,) if node.option(before) is not None else ()
        return ()

    @property
    def records(self) -> tuple[str, ...]:
        """The records this flow writes (`record:`), in the order its nodes name them."""
        return _records(self.flow)

    def controls_for(self, node: Node) -> tuple[str, ...]:
        controls: list[str] = []
        if node.kind is NodeKind.MULTI_CHOICE:
            controls.append(DONE)
        if node.optional:
            controls.append(SKIP)
        if self.session.history:
            controls.append(BACK)
        return tuple(controls)

    def ask(self, node: Node, *, refresh: bool = False) -> None:
        placed: tuple[Option, ...] = ()
        if node.kind is NodeKind.RANK:
            by_id = {o.id: o for o in self._rank_items(node)}
            placed = tuple(by_id[i] for i in self.session.pending if i in by_id)
        item = self.current_item(node)
        self.emit(
            Ask(
                node=node,
                options=self.options_for(node),
                selected=self.session.pending or self.said_before(node),
                controls=self.controls_for(node),
                refresh=refresh,
                placed=placed,
                item=item,
                ref=self.ref(node),
            )
        )

    # -- for_each helpers ------------------------------------------------------------------

    def items(self, node: Node) -> tuple[Option, ...]:
        """The host's items a for_each question goes through, in order."""
        return self.ctx.lists(node.for_each, self.session.answers) if node.for_each else ()

    def _answered_items(self, node: Node) -> tuple[str, ...]:
        """The for_each node's saved answer as its pending entries, items in order."""
        saved = self.session.answers.get(node.save_as or "")
        if not isinstance(saved, dict):
            return ()
        done = itertools.takewhile(lambda item: item.id in saved, self.items(node))
        return tuple(f"{item.id}={saved[item.id]}" for item in done)

    def current_item(self, node: Node) -> Option | None:
        if not node.for_each:
            return None
        done = len(self.session.pending)
        items = self.items(node)
        return items[done] if done < len(items) else None

    def ref(self, node: Node) -> str:
        # Each item gets its own binding, so a button left on an earlier item's question
        # cannot answer the current one.
        return f"{node.id}.{len(self.session.pending)}" if node.for_each else node.id

    def reject(self, node: Node, reason: str, **params: str) -> None:
        self.emit(Rejected(reason, params))
        self.ask(node)

    # -- answering -------------------------------------------------------------------------

    def answer(
        self,
        node: Node,
        value: Any,
        shown: tuple[str, ...],
        option: Option | None = None,
        *,
        confirm: bool = True,
        options_shown: bool = True,
    ) -> None:
        """Record the answer to `node`, apply its effects, and move on. `shown` is the node's
        option labels, translated in its label context, unless `options_shown` is False (the
        engine's own words, such as "Skipped", which no context of a node translates)."""
        if confirm:
            context = node.label_context if options_shown else None
            self.emit(Answered(self.ref(node), shown, context))
        if node.save_as:
            self.session = self.session.evolve(
                answers={**self.session.answers, node.save_as: value}
            )
            self.emit(SaveAnswer(self.flow.id, node.id, node.save_as, value))
        for effect in node.effects:
            self.emit(ApplyEffect(effect.action, effect.target, self._effect_value(node, value)))
        session = self.session
        revised = session.revised or node.id in session.history  # given again
        self.session = session.evolve(
            history=(*session.history, node.id),
            pending=(),
            revised=revised,
            taken_back=tuple(n for n in session.taken_back if n != node.id),
            left_ticked={n: t for n, t in session.left_ticked.items() if n != node.id},
        )
        self.enter(self._next_of(node, option))

    def _effect_value(self, node: Node, value: Any) -> Any:
        if node.kind is NodeKind.CONSENT:
            return {"agreed": value == CONSENT_YES, "at": self.ctx.now.isoformat()}
        return value

    def skip(self, node: Node) -> None:
        self.answer(node, None, (SKIPPED,), options_shown=False)

    def back(self) -> None:
        session = self.session
        previous = session.history[-1]
        # The question it leaves, if it was answered, is taken back unless answered again.
        left = session.node_id if session.node_id in self.flow.nodes else None
        taken = session.taken_back
        if left is not None and left not in taken:
            taken = (*taken, left)
        ticked = session.left_ticked
        if left is not None and self.flow.node(left).kind is NodeKind.MULTI_CHOICE:
            # Ticked but not sent with Done: kept for when they come back to it. Nothing
            # ticked among other options (another project's measures, looked at) does not
            # drop what they ticked among the first.
            offered = tuple(o.id for o in self.options_for(self.flow.node(left)))
            kept = ticked.get(left)
            if session.pending or kept is None or kept[1] == offered:
                ticked = {**ticked, left: (session.pending, offered)}
        self.session = session.evolve(
            history=session.history[:-1],
            pending=(),
            revised=True,
            taken_back=taken,
            left_ticked=ticked,
        )
        self.enter(previous, returning=True)

    def back_a_step(self, node: Node) -> bool:
        """Back within a question answered a step at a time (a for_each node's items, a
        rank's places): the last step is undone and asked again. False if none was taken."""
        if not (node.for_each or node.kind is NodeKind.RANK) or not self.session.pending:
            return False
        self.session = self.session.evolve(pending=self.session.pending[:-1])
        self.ask(node)
        return True

    def cancel(self) -> None:
        self.session = self.session.evolve(node_id=None, status=CANCELLED, pending=())
        self.emit(Finished(self.flow.id, "cancelled"))

    # -- a choice with one option ----------------------------------------------------------

    def _only_option(self, node: Node) -> Option | None:
        """The option of a choice that is not asked when it has only one (`ask_if_one`)."""
        if node.ask_if_one or node.for_each:
            return None
        options = self.options_for(node)
        return options[0] if len(options) == 1 else None

    def _choose_only(self, node: Node) -> str:
        """Answer with the only option, as if tapped, without asking or adding to history
        (going back skips it, as there was nothing to choose)."""
        option = self._only_option(node)
        assert option is not None
        if node.save_as:
            self.session = self.session.evolve(
                answers={**self.session.answers, node.save_as: option.id}
            )
            self.emit(SaveAnswer(self.flow.id, node.id, node.save_as, option.id))
        for effect in node.effects:
            self.emit(ApplyEffect(effect.action, effect.target, option.id))
        return self._next_of(node, option)

    # -- rank helpers ----------------------------------------------------------------------

    def _finish_empty(self, node: Node, empty: Any) -> str:
        if node.save_as:
            self.session = self.session.evolve(
                answers={**self.session.answers, node.save_as: empty}
            )
            self.emit(SaveAnswer(self.flow.id, node.id, node.save_as, empty))
        return self._next_of(node)

    def _rank_items(self, node: Node) -> tuple[Option, ...]:
        if not node.items_from:
            return node.options
        chosen = self.session.answers.get(node.items_from) or []
        source = next((n for n in self.flow.nodes.values() if n.save_as == node.items_from), None)
        pool = self.options_for(source) if source is not None else ()
        by_id = {o.id: o for o in pool}
        return tuple(by_id[c] for c in chosen if c in by_id)

    def _rank_is_trivial(self, node: Node) -> bool:
        return len(self._rank_items(node)) <= 1

    def _finish_trivial_rank(self, node: Node) -> str | None:
        """With one item or none there is nothing to order: save it as it is and go on."""
        items = tuple(o.id for o in self._rank_items(node))
        if node.save_as:
            self.session = self.session.evolve(
                answers={**self.session.answers, node.save_as: list(items)}
            )
            self.emit(SaveAnswer(self.flow.id, node.id, node.save_as, list(items)))
        return self._next_of(node)


def _matches(value: Any, expected: str) -> bool:
    if isinstance(value, list):
        return expected in [str(v) for v in value]
    if isinstance(value, bool):
        return expected == ("true" if value else "false")
    return value is not None and str(value) == expected


def start(flow: Flow, ctx: Context, answers: dict[str, Any] | None = None) -> Step:
    """Begin `flow` for a participant; `answers` carries answers kept from an earlier run."""
    session = Session(flow.id, flow.content_hash, flow.start, dict(answers or {}))
    walk = _Walk(flow, session, ctx)
    walk.enter(flow.start)
    return walk.step()


def current(flow: Flow, session: Session, ctx: Context) -> Step:
    """Ask the current question again (after /language, /start or a stale press).

    Nothing changes, unless the flow changed under the session: then it carries on under the
    new version if its question is still there, and otherwise says so and starts the flow
    again with the answers kept. Either way the host saves the returned session.
    """
    walk = _Walk(flow, session, ctx)
    if session.status != ACTIVE or session.node_id is None:
        return walk.step()
    adopted = _adopt(flow, session)
    if adopted is None:
        return _restart(flow, session, ctx)
    walk = _Walk(flow, adopted, ctx)
    walk.ask(flow.node(session.node_id))
    return walk.step()


def resume(flow: Flow, session: Session, received: Input, ctx: Context) -> Step:
    """Feed one input to the question the session waits at."""
    node_id = session.node_id
    if session.status != ACTIVE or node_id is None:
        return start(flow, ctx, session.answers)
    adopted = _adopt(flow, session)
    if adopted is None:
        return _restart(flow, session, ctx)
    walk = _Walk(flow, adopted, ctx)
    _feed(walk, flow.node(node_id), received)
    return walk.step()


def _adopt(flow: Flow, session: Session) -> Session | None:
    """The session under `flow`'s version, or None when its question is gone from it."""
    if session.flow_hash == flow.content_hash:
        return session
    node = flow.nodes.get(session.node_id or "")
    if node is None or not node.is_question:
        return None
    # The file changed but this question is still there: carry on under the new version,
    # forgetting earlier questions it no longer has (so "back" cannot reach them). Ticks on
    # the current question are kept.
    history = tuple(n for n in session.history if n in flow.nodes)
    return session.evolve(flow_hash=flow.content_hash, history=history)


def _restart(flow: Flow, session: Session, ctx: Context) -> Step:
    restarted = start(flow, ctx, session.answers)
    return Step(restarted.session, (Say(QUESTIONS_CHANGED), *restarted.events))


def _feed(walk: _Walk, node: Node, received: Input) -> None:
    if isinstance(received, Choose) and received.node_id not in (None, node.id, walk.ref(node)):
        walk.emit(Rejected(MOVED_ON))
        walk.ask(node)
        return
    control = _control_of(walk, node, received)
    if control == CANCEL:
        walk.cancel()
        return
    if control == BACK:
        if walk.back_a_step(node):
            return
        if walk.session.history:
            walk.back()
        else:
            walk.reject(node, N_("This is the first question, so there is nothing to go back to."))
        return
    if control == SKIP:
        if node.optional:
            walk.skip(node)
        else:
            walk.reject(node, N_("This question needs an answer."))
        return
    handler = _HANDLERS[node.kind]
    handler(walk, node, received, control)


def _control_of(walk: _Walk, node: Node, received: Input) -> str | None:
    if isinstance(received, Choose) and received.option_id.startswith("_"):
        return received.option_id
    if isinstance(received, Text):
        word = walk.ctx.words.control(received.text)
        # A typed word is only a control if it is not also an answer the node accepts. On a
        # free-text question "skip" alone is the control too (typed by someone who cannot tap
        # its button, it was saved as the answer); "done" is the answer there.
        if word and _pick(walk, walk.options_for(node), received) is None:
            if node.kind not in (NodeKind.TEXT, NodeKind.LOCATION) or word != DONE:
                return word
    return None


def _feed_choice(walk: _Walk, node: Node, received: Input, control: str | None) -> None:
    options = walk.options_for(node)
    option = _pick(walk, options, received)
    if option is None and isinstance(received, Text) and node.no_match:
        walk.reject(node, node.no_match)
        return
    if option is None:
        walk.reject(node, N_("Please tap one of the buttons."))
        return
    item = walk.current_item(node)
    if item is None:
        walk.answer(node, option.id, (option.label,), option)
        return
    walk.emit(Answered(walk.ref(node), (option.label,), node.label_context))
    walk.session = walk.session.evolve(pending=(*walk.session.pending, f"{item.id}={option.id}"))
    if walk.current_item(node) is not None:
        walk.ask(node)
        return
    ratings = dict(entry.split("=", 1) for entry in walk.session.pending)
    walk.answer(node, ratings, (), confirm=False)


def _pick(walk: _Walk, options: tuple[Option, ...], received: Input) -> Option | None:
    if isinstance(received, Choose):
        return next((o for o in options if o.id == received.option_id), None)
    if isinstance(received, Text):
        return walk.ctx.words.option(received.text, options)
    return None


def _feed_multi(walk: _Walk, node: Node, received: Input, control: str | None) -> None:
    options = walk.options_for(node)
    selected = walk.session.pending
    limit = node.max_choices or len(options)
    if control == DONE:
        if not selected:
            if node.optional and walk.chosen_before(node, options):
                # All of them unticked: "none of these" is their answer (a skip would keep
                # what they had chosen before, which they have just taken back).
                walk.answer(node, [], (NONE_CHOSEN,), options_shown=False)
            elif node.optional:
                walk.skip(node)
            else:
                walk.reject(node, N_("Please choose at least one, then tap Done."))
            return
        # Echoed in the order of the buttons, as the resident sees them ticked; kept in the
        # order ticked, which a ranking after it starts from.
        labels = {o.id: o.label for o in options}
        shown = [o.label for o in options if o.id in selected]
        walk.answer(node, list(selected), (*shown, *(s for s in selected if s not in labels)))
        return
    option = _pick(walk, options, received)
    if option is None:
        walk.reject(node, N_("Please tap the buttons to choose, then tap Done."))
        return
    if option.id in selected:
        walk.session = walk.session.evolve(pending=tuple(s for s in selected if s != option.id))
        walk.ask(node, refresh=True)
        return
    # An option that stands alone ("I am not sure yet") contradicts every other: ticking it
    # unticks them, and ticking another unticks it, so a tap never needs an untick first.
    alone = {o.id for o in options if o.alone}
    selected = () if option.alone else tuple(s for s in selected if s not in alone)
    if len(selected) >= limit:
        walk.emit(
            Rejected(
                N_("You can choose up to {count}. Tap one you chose to remove it."),
                {"count": str(limit)},
            )
        )
        walk.ask(node, refresh=True)
        return
    walk.session = walk.session.evolve(pending=(*selected, option.id))
    walk.ask(node, refresh=True)


def _feed_rank(walk: _Walk, node: Node, received: Input, control: str | None) -> None:
    remaining = walk.options_for(node)
    option = _pick(walk, remaining, received)
    if option is None:
        walk.reject(node, N_("Please tap one of the buttons."))
        return
    order = (*walk.session.pending, option.id)
    left = [o for o in remaining if o.id != option.id]
    if len(left) > 1:
        walk.session = walk.session.evolve(pending=order)
        walk.ask(node, refresh=True)
        return
    order = (*order, *(o.id for o in left))
    labels = {o.id: o.label for o in walk._rank_items(node)}
    walk.answer(node, list(order), tuple(labels[i] for i in order))


@lru_cache(maxsize=64)  # a flow's versions in use: worked out once, not at every question
def _records(flow: Flow) -> tuple[str, ...]:
    nodes = flow.nodes.values()
    return tuple(dict.fromkeys(e.target for n in nodes for e in n.effects if e.action == "record"))


def _asks_help(walk: _Walk, node: Node, received: Input) -> bool:
    """ "help" typed alone where words are the answer: a question about how to answer (the
    host says how), not the answer, unless the node takes it as one."""
    return (
        isinstance(received, Text)
        and not node.help_is_answer
        and walk.ctx.words.asks_help(received.text)
    )


def _feed_text(walk: _Walk, node: Node, received: Input, control: str | None) -> None:
    if _asks_help(walk, node, received):
        walk.reject(node, TYPE_IT if node.voice else N_("Type your answer."))
        return
    if isinstance(received, Voice) and not node.voice:
        walk.reject(node, NO_VOICE)
        return
    if isinstance(received, Voice):
        walk.emit(Say(THANKS_FOR_VOICE))
        value = {"voice": received.file_id, "duration": received.duration}
        walk.answer(node, value, ("🎤",))
        return
    if not isinstance(received, Text) or not received.text.strip():
        walk.reject(node, TYPE_IT)
        return
    text = received.text.strip()
    limit = node.max_length or DEFAULT_MAX_LENGTH
    if len(text) > limit:
        walk.reject(
            node,
            N_("That is a bit long. Please keep it under {count} characters."),
            count=str(limit),
        )
        return
    walk.answer(node, text, (text,))


def _feed_number(walk: _Walk, node: Node, received: Input, control: str | None) -> None:
    number = walk.ctx.words.number(received.text) if isinstance(received, Text) else None
    if number is None or (node.integer and not float(number).is_integer()):
        walk.reject(node, N_("Please type a number, like 3."))
        return
    low = node.min_value if node.min_value is not None else -math.inf
    high = node.max_value if node.max_value is not None else math.inf
    if not low <= number <= high:
        if node.min_value is not None and node.max_value is not None:
            reason = N_("Please type a number from {low} to {high}.")
        elif node.min_value is not None:
            reason = N_("Please type a number of at least {low}.")
        else:
            reason = N_("Please type a number of at most {high}.")
        walk.reject(node, reason, low=_show(node.min_value), high=_show(node.max_value))
        return
    value: int | float = int(number) if node.integer else number
    walk.answer(node, value, (_show(value),))


def _show(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def _feed_location(walk: _Walk, node: Node, received: Input, control: str | None) -> None:
    if _asks_help(walk, node, received):
        walk.reject(node, SHARE_IT)
        return
    if isinstance(received, Location):
        value = {"latitude": received.latitude, "longitude": received.longitude}
        walk.answer(node, value, ("📍",))
        return
    if isinstance(received, Text) and received.text.strip():
        place = received.text.strip()[: node.max_length or DEFAULT_MAX_LENGTH]
        walk.answer(node, {"place": place}, (place,))
        return
    if isinstance(received, Voice) and node.voice:
        walk.emit(Say(THANKS_FOR_VOICE))
        walk.answer(node, {"voice": received.file_id, "duration": received.duration}, ("🎤",))
        return
    if isinstance(received, Voice):
        walk.reject(node, NO_VOICE)
        return
    walk.reject(node, SHARE_IT)


def _feed_consent(walk: _Walk, node: Node, received: Input, control: str | None) -> None:
    option = _pick(walk, CONSENT_OPTIONS, received)
    if option is None and isinstance(received, Text):
        said = walk.ctx.words.consent(received.text)
        option = next((o for o in CONSENT_OPTIONS if o.id == said), None)
    if option is None:
        walk.reject(node, N_("Please tap Yes or No."))
        return
    walk.answer(node, option.id, (option.label,), option)


_HANDLERS = {
    NodeKind.CHOICE: _feed_choice,
    NodeKind.MULTI_CHOICE: _feed_multi,
    NodeKind.RANK: _feed_rank,
    NodeKind.TEXT: _feed_text,
    NodeKind.NUMBER: _feed_number,
    NodeKind.LOCATION: _feed_location,
    NodeKind.CONSENT: _feed_consent,
}
