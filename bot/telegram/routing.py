"""Many commands in one handler, each with its own callback.

PTB offers every update to a group's handlers in turn until one takes it. With a
CommandHandler a command, a resident's tap was checked against 70 handlers (the staff
commands come first) and /start against 57, on the event loop, before any work of the bot's
own: 13.7 and 42.8 µs, against 3.0 and 9.7 with one handler a table of commands, which does
the same check once, by a lookup in a set (bench/dispatch.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from telegram import Message, MessageEntity, Update
from telegram.ext import CommandHandler, ContextTypes
from telegram.ext.filters import BaseFilter

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]


def command_name(message: Message | None) -> str | None:
    """The command a message begins with, lower case and without "@botname", as
    CommandHandler reads it; None if it does not begin with one."""
    if message is None or not message.text or not message.entities:
        return None
    entity = message.entities[0]
    if entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    return message.text[1 : entity.length].split("@", 1)[0].lower()


class CommandRouter(CommandHandler):  # type: ignore[type-arg]
    """A CommandHandler for every command of `callbacks`, calling the one the message names.

    It takes exactly the updates the CommandHandlers of those commands (with the same filters)
    would have taken, and sets `context.args` as they do; its `commands` lists them all.
    """

    def __init__(self, callbacks: Mapping[str, Callback], filters: BaseFilter | None) -> None:
        self.callbacks = {name.lower(): callback for name, callback in callbacks.items()}
        if not self.callbacks:
            raise ValueError("a CommandRouter needs at least one command")
        super().__init__(list(self.callbacks), self._route, filters=filters)

    async def _route(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        name = command_name(update.effective_message)
        # check_update let it through, so the message names one of ours.
        assert name is not None and name in self.callbacks, name
        return await self.callbacks[name](update, context)
