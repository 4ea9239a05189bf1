"""Questions as Telegram keyboards, and long texts split to Telegram's limit."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup

from bot.flows.callback import encode_callback
from bot.host.replies import Button, Question
from bot.host.textsplit import MESSAGE_LIMIT, split_text

__all__ = [
    "MESSAGE_LIMIT",
    "InlineKeyboard",
    "callback_for",
    "inline_keyboard",
    "location_keyboard",
    "split_text",
]

# An inline keyboard as the Bot API takes it ({"inline_keyboard": rows of buttons}). Every
# question a resident sees has one, and it only ever goes out as JSON: built as PTB objects
# (InlineKeyboardMarkup) and turned back into a dict, it took 47 µs a keyboard against 3 µs.
InlineKeyboard = dict[str, list[list[dict[str, str]]]]

# Short answers (Yes/No, a few words) sit side by side; longer ones get a row each so that
# they are not cut off on small phones.
SHORT_LABEL = 14
MAX_PER_ROW = 3


def callback_for(question: Question, button: Button) -> str:
    """Callback data bound to the question's session and node (always <= 64 bytes)."""
    return encode_callback(_base36(question.session_id), question.node_id, button.option_id)


def inline_keyboard(question: Question) -> InlineKeyboard | None:
    """The buttons of a question; None when it has none."""
    rows = _rows(question, list(question.buttons))
    if question.controls:
        rows.append([_button(question, b) for b in question.controls])
    return {"inline_keyboard": rows} if rows else None


def location_keyboard(question: Question, share_label: str) -> ReplyKeyboardMarkup:
    """A keyboard with a share-location button (inline buttons cannot ask for a location)."""
    rows = [[KeyboardButton(share_label, request_location=True)]]
    if question.controls:
        rows.append([KeyboardButton(b.label) for b in question.controls])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


def _button(question: Question, button: Button) -> dict[str, str]:
    return {"text": button.label, "callback_data": callback_for(question, button)}


def _rows(question: Question, buttons: list[Button]) -> list[list[dict[str, str]]]:
    if (
        buttons
        and len(buttons) <= MAX_PER_ROW
        and all(len(b.label) <= SHORT_LABEL for b in buttons)
    ):
        return [[_button(question, b) for b in buttons]]
    return [[_button(question, b)] for b in buttons]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if number == 0:
        return "0"
    out = ""
    while number:
        number, remainder = divmod(number, 36)
        out = digits[remainder] + out
    return out


def parse_session_id(text: str) -> int | None:
    """The session id in callback data, or None if it is not one."""
    try:
        return int(text, 36)
    except ValueError:
        return None
