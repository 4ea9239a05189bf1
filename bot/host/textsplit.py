"""Long texts split to Telegram's message limit, at natural breaks.

Telegram measures a text in UTF-16 code units, not in characters: an emoji outside the Basic
Multilingual Plane (most of them) counts two. 3,000 such emoji are one text of 3,000
characters and 6,000 units, over the 4,096 a message may hold.
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096  # UTF-16 units
CAPTION_LIMIT = 1024  # UTF-16 units, for the caption of a photo or a file


def units(text: str) -> int:
    """The length of `text` as Telegram counts it (UTF-16 code units)."""
    # surrogatepass: a lone surrogate (typed text can hold one) counts one unit, as it does.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` UTF-16 units, at a paragraph, line or word
    break in the second half of each piece where there is one, else at the limit (never inside
    a character)."""
    pieces: list[str] = []
    rest = text
    while units(rest) > limit:
        end = _fits(rest, limit)
        window = rest[:end]
        cut = next(
            (pos for sep in ("\n\n", "\n", " ") if (pos := window.rfind(sep)) > end // 2),
            end,
        )
        pieces.append(rest[:cut])
        rest = rest[cut:]
        if cut < end:  # drop the break we cut at, not the text
            rest = rest.lstrip("\n ") if rest[:1] in ("\n", " ") else rest
    pieces.append(rest)
    return pieces


def _fits(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
