"""Residents who go through onboarding, then change their area again and again, over the
double: every answer they type is unique, so the database can be searched for each one."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tgdouble import FakeBotAPI

WELCOME = "Are you happy to take part?"
AREA = "Which area do you live in?"
OPT_IN = "Would you answer a few questions"
MENU = "What would you like to do?"
# (what the resident does, what they see next); after the last, back to LOOP.
SCRIPT = (
    ("start", WELCOME),
    ("Yes, I agree", AREA),
    ("area", OPT_IN),
    ("No, thanks", MENU),
    ("Change my area", AREA),
    ("area", MENU),
)
LOOP = 4


@dataclass
class Resident:
    """One resident: where they are in the script, and the answers the bot acknowledged."""

    api: FakeBotAPI
    user: int
    step: int = 0
    pending: bool = False  # an action is out, its reply not yet seen
    typed: int = 0
    acknowledged: list[str] = field(default_factory=list)
    resumed: int = 0
    failed_resumes: int = 0
    actions: list[float] = field(default_factory=list)  # when they sent something

    def _seen(self, question: str, since: int) -> bool:
        sent = self.api.sent(self.user)
        return len(sent) > since and question in (sent[-1].text or "")

    @property
    def on(self) -> str:
        """The question they are answering (what they last saw)."""
        return SCRIPT[self.step - 1][1] if self.step else WELCOME

    async def act(self, timeout: float = 5.0) -> bool:  # noqa: ASYNC109
        """Take the next step and wait for its reply; False if none came (the bot died)."""
        action, expect = SCRIPT[self.step]
        since = len(self.api.sent(self.user))
        answer = None
        self.actions.append(time.monotonic())
        if action == "start":
            self.api.send_command(self.user, "start")
        elif action == "area":
            self.typed += 1
            answer = f"Area {self.user}-{self.typed}"
            self.api.send_text(self.user, answer)
        else:
            try:
                self.api.tap(self.user, action)
            except LookupError:
                return False  # the button is not on screen: resync first
        self.pending = True
        try:
            await self.api.wait_for(lambda: self._seen(expect, since), timeout=timeout)
        except TimeoutError:
            return False
        self.pending = False
        if answer is not None:
            self.acknowledged.append(answer)
        self._advance()
        return True

    def _advance(self) -> None:
        self.step = self.step + 1 if self.step + 1 < len(SCRIPT) else LOOP

    async def resume(self, timeout: float = 10.0) -> bool:  # noqa: ASYNC109
        """After a restart: /start, and the bot must ask the question they were on, or, if
        the answer they were sending was saved before the crash, the one after it."""
        since = len(self.api.sent(self.user))
        self.actions.append(time.monotonic())
        self.api.send_command(self.user, "start")
        try:
            await self.api.wait_for(lambda: len(self.api.sent(self.user)) > since, timeout)
        except TimeoutError:
            self.failed_resumes += 1
            return False
        shown = self.api.sent(self.user)[-1].text or ""
        self.resumed += 1
        after = SCRIPT[self.step][1]
        if self.pending and after in shown and self.on not in shown:
            self._advance()  # their last answer had been saved
        elif self.on not in shown:
            self.failed_resumes += 1
            return False
        self.pending = False
        return True
