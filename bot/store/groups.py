"""Group chats: where the bot has said, once, that surveys happen in a private chat."""

from __future__ import annotations

from bot.store.db import Tx


def first_word(conn: Tx, channel: str, chat_id: str, now: str) -> bool:
    """True the first time this is asked for a chat (the pointer is due), False ever after."""
    cur = conn.execute(
        "INSERT INTO group_chats (channel, chat_id, told_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (channel, chat_id, now),
    )
    return cur.rowcount == 1
