"""Telegram callback data for option buttons: `v1:<session>:<node>:<option>`, at most 64 bytes."""

from __future__ import annotations

PREFIX = "v1"
SESSION_ID_MAX = 10
CALLBACK_DATA_MAX = 64  # Telegram's limit for InlineKeyboardButton.callback_data, in bytes

_SEP = ":"


def callback_data_length(node_id: str, option_id: str) -> int:
    """Bytes of callback data for this node and option with the longest session id allowed."""
    return len(_join("x" * SESSION_ID_MAX, node_id, option_id).encode())


def callback_data_fits(node_id: str, option_id: str) -> bool:
    """True when a button for this option fits Telegram's limit with any valid session id."""
    return callback_data_length(node_id, option_id) <= CALLBACK_DATA_MAX


def encode_callback(session_id: str, node_id: str, option_id: str) -> str:
    """Callback data for one button; ValueError if a part is empty, holds ':' or is too long."""
    for name, part in (("session id", session_id), ("node id", node_id), ("option id", option_id)):
        if not part or _SEP in part:
            raise ValueError(f"{name} must be non-empty and must not contain ':': {part!r}")
    if len(session_id) > SESSION_ID_MAX:
        raise ValueError(f"session id longer than {SESSION_ID_MAX} characters: {session_id!r}")
    data = _join(session_id, node_id, option_id)
    if len(data.encode()) > CALLBACK_DATA_MAX:
        raise ValueError(f"callback data longer than {CALLBACK_DATA_MAX} bytes: {data!r}")
    return data


def decode_callback(data: str) -> tuple[str, str, str] | None:
    """(session id, node id, option id) from callback data, or None if it is not valid v1 data."""
    # Anything can arrive here (old buttons, other bots' formats, tampering), so check it all.
    if len(data.encode()) > CALLBACK_DATA_MAX:
        return None
    parts = data.split(_SEP)
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    _, session_id, node_id, option_id = parts
    if not session_id or len(session_id) > SESSION_ID_MAX or not node_id or not option_id:
        return None
    return session_id, node_id, option_id


def _join(session_id: str, node_id: str, option_id: str) -> str:
    return _SEP.join((PREFIX, session_id, node_id, option_id))
