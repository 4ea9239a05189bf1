"""Parse-mode rendering that mimics how Telegram turns formatted text into plain text.

Telegram rejects malformed markup with 400 "can't parse entities"; the double does the same so
that tests catch unescaped user input before it reaches real residents.
"""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["EntityParseError", "render"]

# Tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)

# Characters that MarkdownV2 reserves outside of entities.
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")

_MDV2_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
    "[": "TextUrl",
}


class EntityParseError(ValueError):
    """Raised when text does not parse in the requested parse mode."""


class _TelegramHTML(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_offsets = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_offsets.append(index + 1)
        self.out: list[str] = []
        self.stack: list[str] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        char_index = self._line_offsets[line - 1] + column
        return len(self._source[:char_index].encode("utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Telegram has no void elements: "<br/>" is as unsupported as "<br>".
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._offset()}")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def _render_html(text: str) -> str:
    parser = _TelegramHTML(text)
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
        )
    return "".join(parser.out)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _render_markdown_v2(text: str) -> str:
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            if i + 1 < n and ord(text[i + 1]) <= 126:
                out.append(text[i + 1])
                i += 2
                continue
            raise EntityParseError(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            i = _consume_code(text, i, fence, out)
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            start = stack.pop()[1]
            if not text.startswith("(", i + 1):
                raise EntityParseError(
                    f"Can't find end of TextUrl entity at byte offset {_byte_offset(text, start)}"
                )
            close = _find_url_end(text, i + 2)
            if close < 0:
                raise EntityParseError(
                    f"Can't find end of TextUrl entity at byte offset {_byte_offset(text, start)}"
                )
            i = close + 1
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            # Block quotation marker at the start of a line.
            i += 1
            continue
        if char == "!" and text.startswith("![", i):
            stack.append(("[", i))
            i += 2
            continue
        marker = None
        if char == "_":
            marker = "__" if text.startswith("__", i) else "_"
        elif char == "|" and text.startswith("||", i):
            marker = "||"
        elif char in "*~[":
            marker = char
        if marker is not None:
            if marker == "[":
                stack.append(("[", i))
            elif any(open_marker == marker for open_marker, _ in stack):
                if stack[-1][0] != marker:
                    inner, inner_start = stack[-1]
                    raise EntityParseError(
                        f"Can't find end of {_MDV2_NAMES[inner]} entity at byte offset "
                        f"{_byte_offset(text, inner_start)}"
                    )
                stack.pop()
            else:
                stack.append((marker, i))
            i += len(marker)
            continue
        if char in _MDV2_RESERVED:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(char)
        i += 1
    if stack:
        marker, start = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[marker]} entity at byte offset "
            f"{_byte_offset(text, start)}"
        )
    return "".join(out)


def _consume_code(text: str, start: int, fence: str, out: list[str]) -> int:
    """Copy a code/pre span into ``out`` and return the index after its closing fence."""
    i = start + len(fence)
    if fence == "```":
        # The first line of a pre block may name the language; it is not part of the text.
        newline = text.find("\n", i)
        closing = text.find("```", i)
        if 0 <= newline < closing:
            i = newline + 1
    name = "Pre" if fence == "```" else "Code"
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if text.startswith(fence, i):
            return i + len(fence)
        out.append(text[i])
        i += 1
    raise EntityParseError(
        f"Can't find end of {name} entity at byte offset {_byte_offset(text, start)}"
    )


def _find_url_end(text: str, i: int) -> int:
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ")":
            return i
        i += 1
    return -1


def _render_markdown(text: str) -> str:
    """Render legacy Markdown, which has no escaping outside of entity markers."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if char in "*_":
            end = text.find(char, i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.append(text[i + 1 : end])
            i = end + 1
            continue
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.append(text[i + len(fence) : end])
            i = end + len(fence)
            continue
        if char == "[":
            close = text.find("]", i + 1)
            if close >= 0 and text.startswith("(", close + 1):
                url_end = text.find(")", close + 2)
                if url_end >= 0:
                    out.append(text[i + 1 : close])
                    i = url_end + 1
                    continue
        out.append(char)
        i += 1
    return "".join(out)


def render(text: str, parse_mode: str | None) -> str:
    """Return the plain text Telegram would store for ``text`` (ValueError on unknown modes)."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text
    if mode == "html":
        return _render_html(text)
    if mode == "markdownv2":
        return _render_markdown_v2(text)
    if mode == "markdown":
        return _render_markdown(text)
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")
