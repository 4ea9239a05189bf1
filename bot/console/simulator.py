"""Talk to the bot in a terminal. Works with piped stdin, so conversations can be scripted."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot.conversation import Conversation, Outcome, Who
from bot.flows.events import Choose, Input, Location, Text, Voice
from bot.flows.model import BACK, CANCEL, DONE, SKIP
from bot.replies import Confirmation, Message, Question, Reply

# Letters for the controls, so numbers stay for the answers themselves.
CONTROL_KEYS = {DONE: "d", SKIP: "s", BACK: "b", CANCEL: "x"}
_LOCATION = re.compile(r"^/location\s+(-?\d+(?:\.\d+)?)\s*,?\s*(-?\d+(?:\.\d+)?)\s*$")

HELP = """\
How to answer: type the number of an option, or the letter of a control (d = done, s = skip,
b = back). Type text where text is asked. Commands: /menu, /cancel, /language, /start,
/privacy, /mydata, /delete, /stop, /location LAT,LON (share a location),
/voice SECONDS (send a pretend voice note), /help, /quit.\
"""


class Simulator:
    """One resident's terminal conversation."""

    def __init__(
        self,
        conversation: Conversation,
        who: Who,
        out: TextIO = sys.stdout,
        *,
        echo_input: bool = False,
    ) -> None:
        self.conversation = conversation
        self.who = who
        self.out = out
        self.echo_input = echo_input
        self.question: Question | None = None

    def show(self, outcome: Outcome) -> None:
        """Print replies; remember the last question so numbers can answer it."""
        for reply in outcome.replies:
            self._print(reply)

    def _print(self, reply: Reply) -> None:
        if isinstance(reply, Message):
            self._say(reply.text)
        elif isinstance(reply, Confirmation):
            self.out.write(f"      {reply.text}\n")
        else:
            self.question = reply
            self._say(reply.text)
            for number, button in enumerate(reply.buttons, start=1):
                self.out.write(f"      {number}) {button.label}\n")
            for control in reply.controls:
                key = CONTROL_KEYS.get(control.option_id, "?")
                self.out.write(f"      {key}) {control.label}\n")
        self.out.flush()

    def _say(self, text: str) -> None:
        lines = text.splitlines() or [""]
        self.out.write(f"bot> {lines[0]}\n")
        for line in lines[1:]:
            self.out.write(f"     {line}".rstrip() + "\n")

    async def start(self, flow_id: str | None = None) -> None:
        """Pick up where the participant left off, or begin."""
        if flow_id:
            self.show(await self.conversation.begin(self.who, flow_id))
        else:
            self.show(await self.conversation.repeat(self.who))

    async def feed(self, line: str) -> bool:
        """Handle one typed line; False when the resident wants to quit."""
        line = line.rstrip("\r\n")
        if self.echo_input:
            self.out.write(f"you> {line}\n")
        command = line.strip()
        if command in ("/quit", "/exit"):
            return False
        actions: dict[str, Callable[[], Awaitable[Outcome]]] = {
            "/start": lambda: self.conversation.begin(self.who),
            "/menu": lambda: self.conversation.begin(self.who, "menu"),
            "/cancel": lambda: self.conversation.cancel(self.who),
            "/stop": lambda: self.conversation.stop(self.who),
            "/delete": lambda: self.conversation.delete_question(self.who),
            "/privacy": lambda: self.conversation.info(self.who, "privacy"),
        }
        if command in actions:
            self.show(await actions[command]())
            return True
        if command == "/help":
            self.out.write(HELP + "\n")
            return True
        if command == "/mydata":
            export = await self.conversation.export(self.who)
            self.out.write(json.dumps(export, ensure_ascii=False, indent=2) + "\n")
            return True
        if command == "/language":
            outcome = await self.conversation.repeat(self.who)
            self._print(self.conversation.language_question(outcome.locale))
            return True
        received, session_id = self._parse(command)
        self.show(await self.conversation.handle(self.who, received, session_id=session_id))
        return True

    def _parse(self, line: str) -> tuple[Input, int | None]:
        q = self.question
        if q is not None:
            if line.isascii() and line.isdigit() and 1 <= int(line) <= len(q.buttons):
                button = q.buttons[int(line) - 1]
                return Choose(button.option_id, q.node_id), q.session_id or None
            for control in q.controls:
                if line.lower() == CONTROL_KEYS.get(control.option_id):
                    return Choose(control.option_id, q.node_id), q.session_id or None
        match = _LOCATION.match(line)
        if match:
            return Location(float(match.group(1)), float(match.group(2))), None
        if line.startswith("/voice"):
            seconds = line.removeprefix("/voice").strip()
            return Voice("console-voice-note", int(seconds) if seconds.isdigit() else 5), None
        return Text(line), None


async def run(simulator: Simulator, stream: TextIO = sys.stdin, flow_id: str | None = None) -> None:
    """Read lines until EOF or /quit. Everything is saved as it goes, so a rerun resumes."""
    await simulator.start(flow_id)
    while True:
        if stream.isatty():
            simulator.out.write("you> ")
            simulator.out.flush()
        line = await asyncio.to_thread(stream.readline)
        if not line:
            break
        if not await simulator.feed(line):
            break
