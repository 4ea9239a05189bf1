"""“You said, we did” results charts: ranked horizontal bars, the resident's choices marked.

A chart is drawn straight onto an Agg canvas (no pyplot, no global state), so it may be
rendered from worker threads; a render takes around a tenth of a second, so call it from
async code through ``asyncio.to_thread``.

Text comes translated. How it reaches matplotlib depends on matplotlib itself:

- matplotlib 3.11 and later lay text out with libraqm, which shapes and reorders
  Arabic-script (and Indic) text itself; the text is drawn as it is.
- Older versions draw one glyph per character, left to right. Arabic-script text is then
  shaped with ``arabic_reshaper`` and put in visual order with ``bidi.algorithm.get_display``
  first, and scripts that cannot be drawn without a shaping engine (Bengali, Gurmukhi, ...)
  count as not drawable.

Only fonts that hold every glyph a text needs are used for it. When no installed font can
draw a bar's label, every bar is numbered by its rank instead ("1" at the top), and
:attr:`ChartImage.labels_drawn` tells the caller to list the labels in the message. A title
or note that cannot be drawn is left out. No tofu boxes, no missing-glyph warnings.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import arabic_reshaper
import matplotlib
from babel import Locale
from babel.numbers import format_decimal, format_percent
from bidi.algorithm import get_display
from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = [
    "NATIVE_SHAPING",
    "Bar",
    "ChartImage",
    "can_draw",
    "display_text",
    "render_results_chart",
    "use_fonts",
]

Weight = Literal["normal", "bold"]
_Fonts = tuple[tuple[str, ...], Weight]  # font families in fallback order, and the weight

# libraqm (bundled since matplotlib 3.11) does shaping and bidi inside matplotlib.
NATIVE_SHAPING: Final = hasattr(ft2font, "__libraqm_version__")

BASE_FAMILY: Final = "DejaVu Sans"  # ships with matplotlib: Latin, Greek, Cyrillic, Arabic
# Tried in this order after BASE_FAMILY, when installed.
PREFERRED_FAMILIES: Final = (
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Naskh Arabic",
    "Noto Nastaliq Urdu",
    "Noto Sans Bengali",
    "Noto Sans Gurmukhi",
    "Lohit Bengali",
    "Lohit Gurmukhi",
    "FreeSans",
)
# Any other installed family whose name has one of these words is tried last.
_SCRIPT_WORDS: Final = ("arabic", "urdu", "nastaliq", "naskh", "bengali", "bangla", "gurmukhi")

HIGHLIGHT_MARK: Final = "★"
HIGHLIGHT_COLOUR: Final = "#0072B2"  # Okabe-Ito blue: dark, with white hatching
OTHER_COLOUR: Final = "#BFC5CC"  # light grey, no hatching
TEXT_COLOUR: Final = "#1A1A1A"
HATCH: Final = "//"

WIDTH_IN: Final = 8.0
DPI: Final = 120
MAX_HEIGHT_PX: Final = 1000  # tall charts (many bars) get a lower DPI: PNG stays < 150 KB
LABEL_SIZE: Final = 13
VALUE_SIZE: Final = 12
TITLE_SIZE: Final = 15
NOTE_SIZE: Final = 10
LABEL_WRAP: Final = 28  # characters per line of a bar label
LABEL_LINES: Final = 3
TITLE_WRAP: Final = 55


@dataclass(frozen=True, slots=True)
class Bar:
    """One option: its translated label, its value, and whether it is highlighted.

    ``value`` is a share (0..1, shown as a percentage) or a number; ``shown``, when given, is
    written instead of the value (e.g. "<5" for a count too small to share, drawn with no bar).
    """

    label: str
    value: float
    highlighted: bool
    shown: str | None = None


@dataclass(frozen=True, slots=True)
class ChartImage:
    """A rendered chart. ``labels_drawn`` is False when the bars carry rank numbers
    instead of their labels (no installed font could draw them): list the labels in the
    message then."""

    png: bytes
    labels_drawn: bool


def render_results_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    locale: str,
    highlight_note: str,
    as_share: bool | None = None,
    fmt: Literal["png", "svg"] = "png",
    _inspect: Callable[[Figure], None] | None = None,
) -> ChartImage:
    """Draw ``bars`` top to bottom in the given order as a PNG for a phone screen.

    ``as_share`` says whether values are shares (percentages) or points; by default they
    are shares when all lie in 0..1. ``highlight_note`` (e.g. "★ = your choices") goes
    small under the chart; leave it empty for none. ``fmt="svg"`` draws it for a page (the
    staff dashboard) instead, in ``ChartImage.png``. ``_inspect`` is for tests: it is
    called with the finished figure before it is saved.
    """
    if not bars:
        raise ValueError("a results chart needs at least one bar")
    for bar in bars:
        if not math.isfinite(bar.value) or bar.value < 0:
            raise ValueError(f"bar value must be finite and not negative: {bar.value!r}")
    code = _locale_code(locale)
    rtl = Locale.parse(code).text_direction == "rtl"
    shares = all(bar.value <= 1 for bar in bars) if as_share is None else as_share

    labels = [_label_text(bar) for bar in bars]
    label_fonts = _label_fonts(labels, bars)
    labels_drawn = all(fonts is not None for fonts in label_fonts)
    if not labels_drawn:
        labels = [_mark(str(rank), bar.highlighted) for rank, bar in enumerate(bars, start=1)]
        label_fonts = _label_fonts(labels, bars)

    height = min(10.0, max(4.0, 1.7 + 0.55 * len(bars)))
    dpi = min(DPI, MAX_HEIGHT_PX / height)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=dpi, layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    try:
        _draw(fig, bars, labels, label_fonts, code, shares, rtl)
        _draw_title_and_note(fig, title, highlight_note, rtl)
        if _inspect is not None:
            _inspect(fig)
        buffer = io.BytesIO()
        # No creation date or software version: the same chart is the same file.
        metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    finally:
        # Break the figure's reference cycles now rather than at the next GC pass.
        fig.clear()
    return ChartImage(buffer.getvalue(), labels_drawn)


def can_draw(text: str) -> bool:
    """Whether some installed fonts hold every glyph ``text`` needs (regular weight)."""
    return _fonts_for(text, "normal") is not None


def use_fonts(artist: Text, text: str, weight: Weight = "normal") -> bool:
    """Give ``artist`` the shipped fonts that draw ``text`` (other drawings, such as posters,
    choose fonts the way charts do); False when none can, and it gets the base font."""
    fonts = _fonts_for(text, weight)
    _apply(artist, fonts)
    return fonts is not None


def display_text(text: str) -> str:
    """``text`` as handed to matplotlib: shaped and in visual order where matplotlib
    cannot do that itself (before 3.11), each line on its own; else unchanged."""
    if NATIVE_SHAPING or not any(_is_rtl(ch) for ch in text):
        return text
    return "\n".join(_visual_line(line) for line in text.split("\n"))


# -- drawing ------------------------------------------------------------------------------


def _draw(
    fig: Figure,
    bars: Sequence[Bar],
    labels: Sequence[str],
    label_fonts: Sequence[_Fonts | None],
    locale: str,
    shares: bool,
    rtl: bool,
) -> None:
    ax = fig.add_subplot()
    positions = range(len(bars))
    values = [bar.value for bar in bars]
    ax.barh(
        positions,
        values,
        height=0.7,
        color=[HIGHLIGHT_COLOUR if bar.highlighted else OTHER_COLOUR for bar in bars],
        edgecolor=["white" if bar.highlighted else OTHER_COLOUR for bar in bars],
        hatch=[HATCH if bar.highlighted else None for bar in bars],
        linewidth=0.8,
    )
    ax.set_yticks(positions, labels=[display_text(label) for label in labels])
    ax.invert_yaxis()  # first bar on top
    ax.tick_params(axis="y", length=0, pad=6, labelsize=LABEL_SIZE, labelcolor=TEXT_COLOUR)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    peak = max(values) or 1.0
    ax.set_xlim(0, peak * 1.2)
    if rtl:
        # Read from the right: bars grow leftwards, labels on the right.
        ax.invert_xaxis()
        ax.yaxis.tick_right()
    # Each tick has a left (label1) and a right (label2) label; set both.
    for tick, fonts in zip(ax.yaxis.get_major_ticks(), label_fonts, strict=True):
        _apply(tick.label1, fonts)
        _apply(tick.label2, fonts)

    value_labels = [
        bar.shown if bar.shown is not None else _value_text(bar.value, locale, shares)
        for bar in bars
    ]
    # Each value sits just past the end of its bar, on the side away from the labels. Placed
    # by hand rather than with bar_label, which puts the value of an empty bar on the wrong
    # side of a right-to-left chart, over the topic's name.
    for position, label, bar in zip(positions, value_labels, bars, strict=True):
        text = ax.annotate(
            # Isolated left to right, so "<5" is not mirrored into "5>" in an RTL chart.
            display_text(f"\u2066{label}\u2069" if rtl else label),
            xy=(bar.value, position),
            xytext=(-4 if rtl else 4, 0),
            textcoords="offset points",
            ha="right" if rtl else "left",
            va="center",
            fontsize=VALUE_SIZE,
            color=TEXT_COLOUR,
        )
        _apply(text, _fonts_for(label, _weight(bar)))


def _draw_title_and_note(fig: Figure, title: str, note: str, rtl: bool) -> None:
    x, align = (0.99, "right") if rtl else (0.01, "left")
    title = "\n".join(textwrap.wrap(title, TITLE_WRAP))
    title_fonts = _fonts_for(title, "bold") if title.strip() else None
    if title_fonts is not None:
        text = fig.suptitle(
            display_text(title), x=x, ha=align, fontsize=TITLE_SIZE, color=TEXT_COLOUR
        )
        _apply(text, title_fonts)
    note_fonts = _fonts_for(note, "normal") if note.strip() else None
    if note_fonts is not None:
        text = fig.supxlabel(display_text(note), x=x, ha=align, fontsize=NOTE_SIZE, color="#444444")
        _apply(text, note_fonts)


def _apply(text: Text, fonts: _Fonts | None) -> None:
    families, weight = fonts or ((BASE_FAMILY,), "normal")
    text.set_fontfamily(list(families))
    text.set_fontweight(weight)


def _weight(bar: Bar) -> Weight:
    return "bold" if bar.highlighted else "normal"


def _label_text(bar: Bar) -> str:
    lines = textwrap.wrap(bar.label, LABEL_WRAP) or [""]
    if len(lines) > LABEL_LINES:
        lines = lines[:LABEL_LINES]
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    return _mark("\n".join(lines), bar.highlighted)


def _label_fonts(labels: Sequence[str], bars: Sequence[Bar]) -> list[_Fonts | None]:
    return [_fonts_for(label, _weight(bar)) for label, bar in zip(labels, bars, strict=True)]


def _mark(text: str, highlighted: bool) -> str:
    """The star goes first in reading order: on the left in LTR text, the right in RTL."""
    return f"{HIGHLIGHT_MARK} {text}" if highlighted else text


def _value_text(value: float, locale: str, shares: bool) -> str:
    text = _format_value(value, locale, shares, "default")
    if not can_draw(text):  # digits of a script no font has: fall back to 0-9
        text = _format_value(value, locale, shares, "latn")
    return text


def _format_value(value: float, locale: str, shares: bool, numbers: str) -> str:
    if shares:
        return format_percent(value, locale=locale, numbering_system=numbers)
    return format_decimal(value, locale=locale, numbering_system=numbers)


def _locale_code(locale: str) -> str:
    return locale.replace("-", "_")


# -- text for fonts without shaping -------------------------------------------------------

_RESHAPER: Final = arabic_reshaper.ArabicReshaper(
    # "Arabic" covers Arabic, Urdu and Persian letters; explicit, so no config file or
    # environment variable can change it.
    configuration={"language": "Arabic", "delete_harakat": True, "support_ligatures": True}
)


def _visual_line(line: str) -> str:
    shaped: str = get_display(_RESHAPER.reshape(line))
    # Bidi controls and the Arabic letter mark have done their work; no font draws them.
    return "".join(ch for ch in shaped if unicodedata.category(ch) != "Cf")


def _is_rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def _needs_shaping_engine(ch: str) -> bool:
    """Scripts whose glyphs reorder or combine: Indic, Myanmar, Khmer."""
    point = ord(ch)
    return 0x0900 <= point <= 0x0DFF or 0x1000 <= point <= 0x109F or 0x1780 <= point <= 0x17FF


# -- fonts --------------------------------------------------------------------------------


def _fonts_for(text: str, weight: Weight) -> _Fonts | None:
    """Font families (first = main, then fallbacks) and the weight that draw ``text``
    (regular when the bold faces lack a glyph), or None when no font can."""
    return _fonts_for_display(display_text(text), weight)


@functools.lru_cache(maxsize=4096)
def _fonts_for_display(text: str, weight: Weight) -> _Fonts | None:
    needed = frozenset(ord(ch) for ch in text if _needs_glyph(ch))
    if not NATIVE_SHAPING and any(_needs_shaping_engine(chr(point)) for point in needed):
        return None
    fonts = [
        (family, _charset(path))
        for family in _families()
        if (path := _font_file(family, weight)) is not None
    ]
    # The font that draws most of the text leads (the first such), so that words are not
    # split between fonts, which would look uneven and break Arabic joining. The others
    # fill in glyphs it lacks (e.g. "★" next to Bengali), as matplotlib's fallback does.
    if not fonts:
        return None
    leader, charset = max(fonts, key=lambda font: len(needed & font[1]))
    missing = needed - charset
    families = [leader]
    for family, charset in fonts:
        if family != leader and missing & charset:
            families.append(family)
            missing -= charset
    if missing:
        # A regular face will do for a bold text.
        return _fonts_for_display(text, "normal") if weight == "bold" else None
    if BASE_FAMILY not in families:
        # Last, for what matplotlib measures besides the text (the height of "lp").
        families.append(BASE_FAMILY)
    return tuple(families), weight


def _needs_glyph(ch: str) -> bool:
    """Whether drawing ``ch`` takes a glyph from the font: not for ASCII space (every font
    has it), line breaks, or invisible format characters (bidi marks, ZWJ, ...)."""
    return ch != " " and unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")


_WEIGHTS: Final = {"normal": range(350, 500), "bold": range(600, 800)}


# Charts are drawn only with fonts that ship with matplotlib and with this package
# (bot/jobs/fonts/), never with whatever else a server has installed: a resident's chart looks
# the same on every machine, and so do the tests.
SHIPPED_FONTS: Final = Path(__file__).with_name("fonts")


@functools.cache
def _own_faces() -> tuple[font_manager.FontEntry, ...]:
    for path in sorted(SHIPPED_FONTS.glob("*.[ot]tf")):
        font_manager.fontManager.addfont(str(path))
    roots = (Path(matplotlib.get_data_path()) / "fonts", SHIPPED_FONTS)
    return tuple(
        entry
        for entry in font_manager.fontManager.ttflist
        if any(Path(entry.fname).resolve().is_relative_to(root.resolve()) for root in roots)
    )


@functools.cache
def _families() -> tuple[str, ...]:
    installed = {entry.name for entry in _own_faces()}
    preferred = [BASE_FAMILY, *(name for name in PREFERRED_FAMILIES if name in installed)]
    others = sorted(
        name
        for name in installed
        if name not in preferred
        and any(word in name.lower() for word in _SCRIPT_WORDS)
        and "last resort" not in name.lower()
    )
    return (*preferred, *others)


@functools.cache
def _font_file(family: str, weight: Weight) -> str | None:
    """The file of ``family`` at ``weight``, if one of our fonts has that weight.

    (Asked for a weight a family lacks, matplotlib logs a warning and uses another.)
    """
    faces = sorted(
        entry.fname
        for entry in _own_faces()
        if entry.name == family
        and entry.style == "normal"
        and _weight_number(entry.weight) in _WEIGHTS[weight]
    )
    return faces[0] if faces else None


def _weight_number(weight: object) -> int:
    if isinstance(weight, int):
        return weight
    return int(font_manager.weight_dict.get(str(weight), 400))


@functools.cache
def _charset(path: str) -> frozenset[int]:
    font = ft2font.FT2Font(path)
    return frozenset(code for code, glyph in font.get_charmap().items() if glyph != 0)
