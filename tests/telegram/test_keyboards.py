"""Keyboards, callback data and text splitting."""

from __future__ import annotations

import pytest

from bot.flows.callback import decode_callback
from bot.host.replies import Button, Question
from bot.host.textsplit import units
from bot.telegram.keyboards import inline_keyboard, parse_session_id, split_text


def _question(labels: list[str], session_id: int = 123456789) -> Question:
    buttons = tuple(Button(label, f"opt-{i}") for i, label in enumerate(labels))
    return Question("Q", buttons, (Button("Skip", "_skip"),), session_id, "node", "choice")


def test_short_answers_share_a_row_and_long_ones_get_their_own() -> None:
    short = inline_keyboard(_question(["Yes", "No"]))
    assert short is not None
    assert [[b["text"] for b in row] for row in short["inline_keyboard"]] == [
        ["Yes", "No"],
        ["Skip"],
    ]
    long = inline_keyboard(_question(["Getting to see a GP", "Housing and warm homes"]))
    assert long is not None
    assert [len(row) for row in long["inline_keyboard"]] == [1, 1, 1]


def test_callback_data_is_bound_versioned_and_under_64_bytes() -> None:
    markup = inline_keyboard(_question(["Yes"], session_id=36**10 - 1))
    assert markup is not None
    data = markup["inline_keyboard"][0][0]["callback_data"]
    assert isinstance(data, str) and len(data.encode()) <= 64
    decoded = decode_callback(data)
    assert decoded is not None
    session, node, option = decoded
    assert parse_session_id(session) == 36**10 - 1 and node == "node" and option == "opt-0"


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("short", [5]),
        ("a" * 5000, [4096, 904]),
        ("word " * 2000, [4094, 4094, 1810]),
    ],
)
def test_split_text_respects_the_limit_and_loses_nothing(text: str, sizes: list[int]) -> None:
    pieces = split_text(text)
    assert [len(p) for p in pieces] == sizes
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_split_text_prefers_paragraph_breaks() -> None:
    text = "A" * 3000 + "\n\n" + "B" * 3000
    assert split_text(text) == ["A" * 3000, "B" * 3000]


def test_split_text_counts_as_telegram_does_in_utf16_units() -> None:
    # 3,000 emoji: 3,000 characters but 6,000 units, more than one message may hold.
    text = "😀" * 3000
    pieces = split_text(text)
    assert [units(p) for p in pieces] == [4096, 1904]
    assert "".join(pieces) == text
    mixed = ("é😀" * 1500) + " end"
    assert all(units(p) <= 4096 for p in split_text(mixed))
    assert "".join(split_text(mixed)) == mixed


def test_units_are_utf16_code_units() -> None:
    assert units("abc") == 3
    assert units("😀") == 2
    assert units("עברית") == 5
    assert units("\u200b\u200f") == 2  # zero-width and right-to-left marks count too
