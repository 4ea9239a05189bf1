"""Long texts split to Telegram's message limit, at natural breaks."""

from __future__ import annotations

MESSAGE_LIMIT = 4096


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` characters, at a paragraph, line or word
    break in the second half of each piece where there is one, else exactly at the limit."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = next(
            (pos for sep in ("\n\n", "\n", " ") if (pos := window.rfind(sep)) > limit // 2),
            limit,
        )
        pieces.append(rest[:cut])
        rest = rest[cut:]
        if cut < limit:  # drop the break we cut at, not the text
            rest = rest.lstrip("\n ") if rest[:1] in ("\n", " ") else rest
    pieces.append(rest)
    return pieces
