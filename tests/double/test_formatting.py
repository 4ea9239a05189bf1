"""The parse-mode renderer accepts what PTB's helpers produce and rejects what Telegram does."""

from __future__ import annotations

import pytest
from telegram.helpers import escape_markdown

from tgdouble.formatting import EntityParseError, render

NASTY = "Ward 5 (north) - survey #2: 10% done! a_b *c* [d] {e} ~f~ `g` > h | i = j + k. \\"


@pytest.mark.parametrize(
    ("text", "mode", "plain"),
    [
        ("plain <b>not html</b>", None, "plain <b>not html</b>"),
        ("<b>Bold</b>, <i>it</i> &lt;3 &amp; <a href='https://x.test'>link</a>", "HTML", None),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "HTML", "st"),
        ("<pre><code class='language-python'>x = 1</code></pre>", "HTML", "x = 1"),
        (
            "*bold* _it_ __under__ ~strike~ ||spoiler||",
            "MarkdownV2",
            "bold it under strike spoiler",
        ),
        ("[link](https://x.test/a_(b\\))", "MarkdownV2", "link"),
        ("```python\nprint(1)\n```", "MarkdownV2", "print(1)\n"),
        ("`a.b`", "MarkdownV2", "a.b"),
        ("> quoted\nnormal", "MarkdownV2", " quoted\nnormal"),
        ("*bold* _it_ `code` [l](https://x.test)", "Markdown", "bold it code l"),
    ],
)
def test_valid_markup_renders(text: str, mode: str | None, plain: str | None) -> None:
    rendered = render(text, mode)
    if plain is not None:
        assert rendered == plain
    else:
        assert "<" not in rendered.replace("<3", "")


def test_escape_markdown_output_round_trips() -> None:
    assert render(escape_markdown(NASTY, version=2), "MarkdownV2") == NASTY
    assert render("*" + escape_markdown(NASTY, version=2) + "*", "MarkdownV2") == NASTY


@pytest.mark.parametrize(
    ("text", "mode", "fragment"),
    [
        ("Hello <name>", "HTML", 'Unsupported start tag "name" at byte offset 6'),
        ("a<br/>b", "HTML", 'Unsupported start tag "br"'),
        ("<b>open", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "HTML", "Unexpected end tag"),
        ("Thanks.", "MarkdownV2", "Character '.' is reserved"),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
        ("*a _b* c_", "MarkdownV2", "Can't find end of Italic entity"),
        ("[text](https://x.test", "MarkdownV2", "Can't find end of TextUrl entity"),
        ("`code", "MarkdownV2", "Can't find end of Code entity"),
        ("*bold", "Markdown", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_invalid_markup_is_rejected(text: str, mode: str, fragment: str) -> None:
    with pytest.raises(EntityParseError) as error:
        render(text, mode)
    assert fragment in str(error.value)


def test_unknown_parse_mode() -> None:
    with pytest.raises(ValueError, match="unsupported parse_mode"):
        render("x", "Shouting")
