"""Updates from one resident in order; different residents at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.store.db import last_step_of_turn


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates concurrently, except that one chat's updates run one at a time, in order.

    Application creates one task per update in arrival order; the semaphore and the per-chat
    lock both queue waiters first come first served, so a chat's updates keep their order while
    a slow resident never holds up anyone else.

    `last_fetched`, when set, says which update was the last of the latest answer to
    getUpdates (`UpdatesRequest.last_update_id`). Application begins an answer's updates one
    after another in one turn of the event loop; when the last begins at once (no other update
    of its chat in hand), no other update of the answer begins after it in that turn, and its
    step commits without waiting for the turn to end (`last_step_of_turn`).
    """

    # PTB takes one of these slots before our per-chat lock, so a chat flooding updates holds
    # slots while it waits; with this many, it cannot hold them all and starve other chats.
    def __init__(self, max_concurrent_updates: int = 65_536) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.last_fetched: Callable[[], int | None] | None = None  # set by build_application

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await `coroutine` while holding the lock of the update's chat."""
        key = _key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        alone = key not in self._users  # no other update of the chat in hand: the lock is free
        self._users[key] = self._users.get(key, 0) + 1
        # Alone, it takes the lock without a turn of the loop, in the turn it began in.
        marked = last_step_of_turn.set(True) if alone and self._is_last(update) else None
        try:
            async with lock:
                await coroutine
        finally:
            if marked is not None:
                last_step_of_turn.reset(marked)
            # Forget idle chats so memory does not grow with the number of residents ever seen.
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]

    def _is_last(self, update: object) -> bool:
        return (
            self.last_fetched is not None
            and isinstance(update, Update)
            and update.update_id == self.last_fetched()
        )

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
