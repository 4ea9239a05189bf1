"""What residents can do besides answering: start, stop, language, delete, help, and the
buttons of questions the host asks itself (language picker, delete confirmation, check-ins).

Each is a plain function of a `Step`, run inside the step's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.flows.events import Choose, Input, Text
from bot.flows.model import BACK, CANCEL, Option
from bot.flows.words import fold, index_in
from bot.host import champion_commands, deeplinks, hostnodes, mydata, texts
from bot.host.replies import Button, Question
from bot.host.steps import MENU, Step
from bot.i18n.catalogs import Catalogs
from bot.store import champions, participants, sessions, support
from bot.store.sessions import NewAnswer

log = logging.getLogger(__name__)
# How long after a host question typed words are read as its answer (its buttons stay live).
HOST_QUESTION_LIVES = timedelta(minutes=10)


def handle(step: Step, received: Input, session_id: int | None) -> None:
    """An input: a host question's button, or an answer to the resident's flow."""
    if isinstance(received, Choose) and received.node_id in HOST_BUTTONS:
        HOST_BUTTONS[received.node_id](step, received.option_id)
        return
    if isinstance(received, Text):
        asked = _still_asked(step)
        question = TYPED_ANSWERS[asked](step) if asked in TYPED_ANSWERS else None
        if question is not None:
            _typed_answer(step, question, received.text)
            return
    stored = step.active()
    if stored is None:
        step.stale = isinstance(received, Choose) and received.node_id is not None
        step.begin()
        return
    step.resume(stored, received, session_id)


def start(step: Step, payload: str | None) -> None:
    """/start: undo /stop, follow a deep link, then pick up where they were or begin."""
    if step.participant.opted_out_at is not None:
        # Said before the question or menu comes again, so they know /start did something.
        step.say(texts.NEWS_AGAIN)
    step.change(opted_out_at=None, unreachable_at=None)
    link = deeplinks.parse(payload)
    if link is not None and link.kind == "flow" and link.value in step.host.flows:
        if not step.participant.consented:
            step.change(next_flow=link.value)
        step.begin(link.value)
        return
    if payload and not step.participant.consented:
        # Anything else may be a champion's code. Known or not, active, paused or retired,
        # well-formed or garbage, it takes this one path and gets the same welcome, so no
        # reply (and no timing worth measuring) tells a real code from a guess.
        champions.attribute(step.conn, step.participant.id, payload[:64], step.stamp)
    step.repeat()


def cancel(step: Step) -> None:
    """/cancel: leave the current flow; answers already given are kept."""
    stored = step.active()
    if stored is None:
        step.say(texts.NOTHING_TO_CANCEL)
        return
    step.resume(stored, Choose("_cancel"), None)


def stop(step: Step) -> None:
    """/stop: no more news until /start."""
    step.change(opted_out_at=step.stamp)
    step.say(texts.STOPPED)


def forget(step: Step) -> None:
    """/delete, confirmed: erase every row about the participant."""
    kept = participants.forget(step.conn, step.participant.id)
    step.forgotten = True
    step.say(texts.DELETED_BUT_MEASURES if kept else texts.DELETED)


def export(step: Step) -> dict[str, Any]:
    """Every row kept about the participant, readable (for /mydata)."""
    return mydata.readable(step.conn, step.participant.id, step.tr)


def set_language(step: Step, code: str) -> None:
    """Change the resident's language, then ask the current question again in it."""
    if code not in step.host.catalogs.available():
        step.replies.append(language_question(step))
        return
    step.change(locale=code)
    step.say(texts.LANGUAGE_CHANGED, language=Catalogs.display_name(code))
    step.repeat()


def language_question(step: Step) -> Question:
    """The language picker: every language we have, each in its own name."""
    current = step.locale
    buttons = tuple(
        Button(option.label, option.id, selected=option.id == current)
        for option in step.host.locale_options
    )
    return Question.of_host(hostnodes.LANGUAGE, step.tr.gettext(texts.PICK_LANGUAGE), buttons)


def delete_question(step: Step) -> None:
    """/delete: ask for confirmation before erasing anything."""
    step.replies.append(_delete_question(step))


def _delete_question(step: Step) -> Question:
    tr = step.tr
    return Question.of_host(
        hostnodes.DELETE,
        tr.gettext(texts.DELETE_QUESTION),
        (
            Button(tr.gettext(texts.DELETE_YES), "yes"),
            Button(tr.gettext(texts.DELETE_NO), "no"),
        ),
    )


def _typed_answer(step: Step, question: Question, typed: str) -> None:
    """Typed words answering the host question asked last, read as the flows read them: a
    button's number or words. Back or cancel leaves it for the flow's question; anything
    else asks it again, as a flow question would be."""
    words = step.host.words(step.locale)
    options = [Option(b.option_id, b.label) for b in question.buttons]
    chosen = words.option(typed, options)
    if chosen is not None and question.node_id == hostnodes.DELETE and chosen.id == "yes":
        # Erasing everything takes its own words or number, not any "yes" or "ok".
        if index_in(typed, options) is None and fold(typed) != fold(chosen.label):
            chosen = None
    if chosen is not None:
        HOST_BUTTONS[question.node_id](step, chosen.id)
    elif words.control(typed) in (BACK, CANCEL):
        step.repeat()
    elif words.asks_help(typed):
        step.say(texts.HELP)
        step.replies.append(question)
    else:
        step.say(texts.TAP_A_BUTTON)
        step.replies.append(question)


def settle_host_question(step: Step) -> None:
    """Remember the host question this step asked last, if it asked one (else none is
    pending): typed text in the next few minutes answers it. Called as each step ends."""
    if step.forgotten:
        return
    asked = None
    for reply in reversed(step.replies):
        if isinstance(reply, Question):
            asked = reply.node_id if reply.node_id in TYPED_ANSWERS else None
            break
    if asked is not None:
        step.change(host_question=asked, host_question_at=step.stamp)
    elif step.participant.host_question is not None:
        step.change(host_question=None, host_question_at=None)


def _still_asked(step: Step) -> str | None:
    """The host question a typed answer may answer: asked last, and not long ago (messages
    sent outside a step, a reminder or a broadcast, do not clear it: a "yes" typed to one of
    them a day later must not answer /delete)."""
    asked, at = step.participant.host_question, step.participant.host_question_at
    if asked is None or at is None:
        return None
    return asked if step.now - datetime.fromisoformat(at) <= HOST_QUESTION_LIVES else None


def _delete_answer(step: Step, choice: str) -> None:
    if choice == "yes":
        forget(step)
    else:
        step.say(texts.NOTHING_DELETED)


def _open_flow(step: Step, flow_id: str) -> None:
    step.begin(flow_id if flow_id in step.host.flows else MENU)


def _resume_flow(step: Step, option: str) -> None:
    step.repeat()


def _champion_support(step: Step, choice: str) -> None:
    """A champion's answer to the monthly check-in, kept (and counted for QS148); "I would
    like support" goes on to ask what they would like help with."""
    value = "help" if choice == "help" else "ok"
    answer = NewAnswer(support.CHECKIN_FLOW, hostnodes.CHAMPION_SUPPORT, support.CHECKIN_KEY, value)
    sessions.append_answers(
        step.conn, step.participant.id, None, [answer], step.stamp, locale=step.locale
    )
    if value == "help":
        champion_commands.support(step)
    else:
        step.say(texts.ALL_GOOD)


def _poster_languages(step: Step, choice: str) -> None:
    champion_commands.my_poster(step, choice)


# Host questions a typed answer may answer, each as it would be asked now (None: it would not
# be, e.g. a champion paused meanwhile; the text then goes to the flow).
TYPED_ANSWERS: dict[str, Callable[[Step], Question | None]] = {
    hostnodes.LANGUAGE: language_question,
    hostnodes.DELETE: _delete_question,
    hostnodes.POSTER_LANGUAGES: champion_commands.poster_question,
    # Asked by the scheduler, not in a step: the sender records it as asked when it is sent.
    hostnodes.CHAMPION_SUPPORT: champion_commands.check_in_question,
}

HOST_BUTTONS = {
    hostnodes.LANGUAGE: set_language,
    hostnodes.DELETE: _delete_answer,
    hostnodes.OPEN_FLOW: _open_flow,
    hostnodes.RESUME_FLOW: _resume_flow,
    hostnodes.CHAMPION_SUPPORT: _champion_support,
    hostnodes.POSTER_LANGUAGES: _poster_languages,
}
