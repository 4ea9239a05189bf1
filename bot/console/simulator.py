"""Talk to the bot in a terminal. Works with piped stdin, so conversations can be scripted.

News the bot sends a simulator resident (round results, "you said, we did", broadcasts,
reminders, check-ins) arrives in their inbox and is shown as soon as it is there while the
chat is open, or when they next open it.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.flows.callback import decode_callback
from bot.flows.events import Choose, Input, Location, Text, Voice
from bot.flows.model import BACK, CANCEL, DONE, SKIP
from bot.host.host import Host
from bot.host.replies import Attachment, Button, Confirmation, Message, Question, Reply
from bot.host.steps import Outcome, Who
from bot.store import inbox

# Letters for the controls, so numbers stay for the answers themselves.
CONTROL_KEYS = {DONE: "d", SKIP: "s", BACK: "b", CANCEL: "x"}
_LOCATION = re.compile(r"^/location\s+(-?\d+(?:\.\d+)?)\s*,?\s*(-?\d+(?:\.\d+)?)\s*$")
INBOX_EVERY = 1.0  # seconds between looks at the inbox while waiting for input

HELP = """\
How to answer: type the number of an option, or the letter of a control (d = done, s = skip,
b = back). Type text where text is asked. Commands: /menu, /cancel, /language, /start [CODE],
/privacy, /mydata, /delete, /stop, /location LAT,LON (share a location),
/voice SECONDS (send a pretend voice note), /help, /quit.
Champions: /mylink, /myposter [cy,en], /mystats, /support (files go to the data folder).\
"""


class Simulator:
    """One resident's terminal conversation."""

    def __init__(
        self,
        host: Host,
        who: Who,
        out: TextIO = sys.stdout,
        *,
        echo_input: bool = False,
        files: Path | None = None,
    ) -> None:
        self.host = host
        self.who = who
        self.out = out
        self.echo_input = echo_input
        self.question: Question | None = None
        # Posters and charts cannot be shown in a terminal: they are written here instead.
        self.files = files or host.db.path.parent

    def show(self, outcome: Outcome) -> None:
        """Print replies; remember the last question so numbers can answer it. An answer the
        bot could not take is followed by what to type for the question asked again."""
        for at, reply in enumerate(outcome.replies):
            self._print(reply)
            if isinstance(reply, Message) and reply.rejected:
                # The question after it, which the answer was for: not the last one shown
                # (news with buttons, or /language, may have come in between).
                later = outcome.replies[at + 1 :]
                again = next((r for r in later if isinstance(r, Question)), None)
                if again is not None and again.buttons:
                    self.out.write(f"      {self._how_to_answer(again)}\n")

    def _print(self, reply: Reply) -> None:
        if isinstance(reply, Message):
            self._say(reply.text)
            for link in reply.links:
                self.out.write(f"      🔗 {link.label}: {link.url}\n")
        elif isinstance(reply, Attachment):
            path = self._save(reply)
            where = f"[{'chart' if reply.photo else 'file'}: {path}]"
            self._say(f"{reply.caption}\n{where}" if reply.caption else where)
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

    @staticmethod
    def _how_to_answer(question: Question) -> str:
        """The bot's words say "tap", for Telegram's buttons; here options are typed."""
        count = len(question.buttons)
        ways = [{1: "1", 2: "1 or 2"}.get(count, f"a number from 1 to {count}")]
        ways += [
            f"{CONTROL_KEYS[c.option_id]} for {c.label}"
            for c in question.controls
            if c.option_id in CONTROL_KEYS
        ]
        return f"(here: type {', or '.join(ways)}; /help for more)"

    def _save(self, reply: Attachment) -> Path:
        folder = self.files / ("charts" if reply.photo else "posters")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.who.user_id}-{reply.filename}"
        path.write_bytes(reply.data)
        return path

    def _say(self, text: str) -> None:
        lines = text.splitlines() or [""]
        self.out.write(f"bot> {lines[0]}\n")
        for line in lines[1:]:
            self.out.write(f"     {line}".rstrip() + "\n")

    async def start(self, flow_id: str | None = None, payload: str | None = None) -> None:
        """Open the chat: news first, then pick up where they left off (or a deep link)."""
        await self.show_inbox()
        if payload:
            self.show(await self.host.start(self.who, payload))
        elif flow_id:
            self.show(await self.host.begin(self.who, flow_id))
        else:
            self.show(await self.host.repeat(self.who))

    async def show_inbox(self) -> bool:
        """Print news waiting for this resident; True if there was any."""
        notes = await self.host.db.write(
            inbox.take, self.who.user_id, self.host.clock().isoformat()
        )
        for note in notes:
            self._say(
                note.text if not note.image_path else f"{note.text}\n[chart: {note.image_path}]"
            )
            if note.buttons:
                buttons = []
                for label, data in note.buttons:
                    decoded = decode_callback(data)
                    if decoded is not None:
                        buttons.append(Button(label, f"{decoded[1]}:{decoded[2]}"))
                if buttons:
                    self._print(Question("", tuple(buttons), (), 0, "~inbox", "choice"))
        self.out.flush()
        return bool(notes)

    async def feed(self, line: str) -> bool:
        """Handle one typed line; False when the resident wants to quit."""
        line = line.rstrip("\r\n")
        if self.echo_input:
            self.out.write(f"you> {line}\n")
        command = line.strip()
        if command in ("/quit", "/exit"):
            return False
        host, who = self.host, self.who
        actions: dict[str, Callable[[], Awaitable[Outcome]]] = {
            "/start": lambda: host.start(who),
            "/menu": lambda: host.begin(who, "menu"),
            "/cancel": lambda: host.cancel(who),
            "/stop": lambda: host.stop(who),
            "/delete": lambda: host.delete_question(who),
            "/privacy": lambda: host.info(who, "privacy"),
            "/language": lambda: host.language_question(who),
            "/mylink": lambda: host.my_link(who),
            "/myposter": lambda: host.my_poster(who),
            "/mystats": lambda: host.my_stats(who),
            "/support": lambda: host.support(who),
        }
        if command in actions:
            self.show(await actions[command]())
        elif command.startswith("/start "):
            self.show(await host.start(who, command.split(maxsplit=1)[1]))
        elif command.startswith("/myposter "):
            self.show(await host.my_poster(who, command.split(maxsplit=1)[1]))
        elif command == "/help":
            self.out.write(HELP + "\n")
        elif command == "/mydata":
            export, _ = await host.export(who)
            self.out.write(json.dumps(export, ensure_ascii=False, indent=2) + "\n")
        else:
            received, session_id = self._parse(command)
            self.show(await host.handle(who, received, session_id=session_id))
        await self.show_inbox()
        return True

    def _parse(self, line: str) -> tuple[Input, int | None]:
        q = self.question
        if q is not None:
            if line.isascii() and line.isdigit() and 1 <= int(line) <= len(q.buttons):
                button = q.buttons[int(line) - 1]
                if q.node_id == "~inbox":  # a news message's button: "node:option"
                    node, _, option = button.option_id.partition(":")
                    return Choose(option, node), None
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


async def run(
    simulator: Simulator,
    stream: TextIO = sys.stdin,
    flow_id: str | None = None,
    payload: str | None = None,
) -> None:
    """Read lines until EOF or /quit, showing news as it arrives. Everything is saved as it
    goes, so a rerun resumes."""
    await simulator.start(flow_id, payload)
    lines = _read_lines(stream)
    while True:
        if stream.isatty():
            simulator.out.write("you> ")
            simulator.out.flush()
        reading = asyncio.ensure_future(lines.get())
        while True:
            done, _ = await asyncio.wait({reading}, timeout=INBOX_EVERY)
            if done:
                break
            if await simulator.show_inbox() and stream.isatty():
                simulator.out.write("you> ")
                simulator.out.flush()
        line = reading.result()
        if not line:
            break
        if not await simulator.feed(line):
            break


def _read_lines(stream: TextIO) -> asyncio.Queue[str]:
    """The stream's lines as they are typed ("" at its end), read by a thread of their own.

    A daemon thread: asyncio's own threads are waited for when the program ends, and one
    waiting for the terminal made Ctrl-C wait for Enter.
    """
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        while True:
            line = stream.readline()
            loop.call_soon_threadsafe(lines.put_nowait, line)
            if not line:
                return

    threading.Thread(target=read, name="simulator-input", daemon=True).start()
    return lines
