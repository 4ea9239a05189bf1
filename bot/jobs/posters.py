"""Printable A4 posters with a QR code: one or two languages, side by side.

The page is drawn once with matplotlib, in millimetres, and saved twice: a PDF exactly A4
(210 x 297 mm) to print, and a PNG at 300 dpi for phones. Words are chosen, wrapped and set
with the fonts shipped for charts (bot/jobs/charts.py), so every language we speak prints,
Arabic and Urdu right to left. The QR code (segno) is drawn as vector squares, so it stays
sharp at any printer's resolution. Texts are short, at a reading age of 11 or below.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import matplotlib
import segno
from babel import Locale
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.host.artwork import Poster, PosterRequest
from bot.i18n.catalogs import Catalogs, Translator
from bot.i18n.markers import N_
from bot.jobs.charts import display_text, use_fonts

WIDTH_MM: Final = 210.0
HEIGHT_MM: Final = 297.0
MARGIN_MM: Final = 14.0
GAP_MM: Final = 8.0  # between two language columns
PNG_DPI: Final = 300
INK: Final = "#1A1A1A"
ACCENT: Final = "#0072B2"
LINK_FAMILY: Final = "DejaVu Sans Mono"  # ships with matplotlib; the link is plain ASCII
QR_MAX_MM: Final = 100.0
MM_PER_INCH: Final = 25.4
POINTS_PER_MM: Final = 72 / MM_PER_INCH

HEADLINE = N_("Have your say about health where you live")
SCAN = N_(
    "Scan the code with your phone camera. Answer a few questions in your own language. "
    "It takes a few minutes."
)
TELEGRAM = N_("It opens in Telegram, a free app. We do not ask for your name.")
BY_CHAMPION = N_("Shared by a local community champion")
FOR_AREA = N_("For people in {area}")
AT_PLACE = N_("Shared by {place}")
RUN_BY = N_("Run by {organisation}")


@dataclass(frozen=True, slots=True)
class _Block:
    """A paragraph of one column: its text, size in points, and weight."""

    text: str
    size: float
    bold: bool = False
    colour: str = INK


def draw_poster(request: PosterRequest, catalogs: Catalogs) -> Poster:
    """The poster as a PDF (A4) and a PNG (300 dpi)."""
    locales = tuple(dict.fromkeys(request.locales)) or ("en",)
    if len(locales) > 2:
        raise ValueError("a poster has one or two languages")
    columns = [_words(request, catalogs.get(code), len(locales)) for code in locales]
    # A right-to-left language leads from the right, where its readers start.
    if _rtl(locales[0]) and len(locales) == 2:
        columns.reverse()
    fig = Figure(figsize=(WIDTH_MM / MM_PER_INCH, HEIGHT_MM / MM_PER_INCH), facecolor="white")
    canvas = FigureCanvasAgg(fig)
    try:
        _Page(fig, canvas).draw(columns, request.link)
        pdf, png = io.BytesIO(), io.BytesIO()
        # Type 42: the fonts are embedded as TrueType, so the PDF's text can be searched.
        with matplotlib.rc_context({"pdf.fonttype": 42}):
            fig.savefig(pdf, format="pdf", metadata={"Creator": None, "Producer": None})
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    finally:
        fig.clear()
    return Poster(pdf.getvalue(), png.getvalue())


def _words(
    request: PosterRequest, tr: Translator, columns: int
) -> tuple[list[_Block], list[_Block]]:
    """One column's paragraphs: those above the QR code and those below it."""
    above = [
        _Block(tr.gettext(HEADLINE), 32 if columns == 1 else 26, bold=True, colour=ACCENT),
        _Block(tr.gettext(SCAN), 16),
        _Block(tr.gettext(TELEGRAM), 16),
    ]
    below: list[_Block] = []
    if request.place:
        below.append(_Block(tr.gettext(AT_PLACE, place=request.place), 15, bold=True))
    elif request.champion:
        below.append(_Block(tr.gettext(BY_CHAMPION), 15, bold=True))
    if request.area:
        below.append(_Block(tr.gettext(FOR_AREA, area=request.area), 15))
    below.append(_Block(tr.gettext(RUN_BY, organisation=request.organisation.name_in(tr)), 13))
    return above, below


def _rtl(locale: str) -> bool:
    return Locale.parse(locale.replace("-", "_")).text_direction == "rtl"


class _Page:
    """Lays paragraphs out in columns, measured with the renderer, in millimetres."""

    def __init__(self, fig: Figure, canvas: FigureCanvasAgg) -> None:
        self.fig = fig
        self.renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]

    def text(self, x: float, y: float, words: str, block: _Block, va: str) -> Text:
        artist = self.fig.text(
            x / WIDTH_MM,
            y / HEIGHT_MM,
            display_text(words),
            fontsize=block.size,
            color=block.colour,
            ha="center",
            va=va,
            multialignment="center",
            linespacing=1.3,
        )
        use_fonts(artist, words, "bold" if block.bold else "normal")
        return artist

    def height(self, artist: Text) -> float:
        box = artist.get_window_extent(self.renderer)
        return float(box.height) / self.fig.dpi * MM_PER_INCH

    def width(self, words: str, block: _Block) -> float:
        artist = self.text(0, 0, words, block, "baseline")
        box = artist.get_window_extent(self.renderer)
        artist.remove()
        return float(box.width) / self.fig.dpi * MM_PER_INCH

    def wrap(self, block: _Block, width: float) -> str:
        """The block's words in lines that fit `width` mm (a word longer stays whole)."""
        lines: list[str] = []
        for paragraph in block.text.split("\n"):
            line = ""
            for word in paragraph.split():
                candidate = f"{line} {word}" if line else word
                if line and self.width(candidate, block) > width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return "\n".join(lines)

    def stack(
        self,
        columns: Sequence[Sequence[_Block]],
        centres: Sequence[float],
        width: float,
        y: float,
        step: Callable[[float], float],
    ) -> float:
        """Set each row of paragraphs across the columns, from `y` on; returns where the
        next would go. `step` moves down (top) or up (bottom) by a height."""
        for row in range(max(len(c) for c in columns)):
            tallest = 0.0
            for blocks, centre in zip(columns, centres, strict=True):
                if row < len(blocks):
                    block = blocks[row]
                    va = "top" if step(1) < 0 else "bottom"
                    artist = self.text(centre, y, self.wrap(block, width), block, va)
                    tallest = max(tallest, self.height(artist))
            y += step(tallest + 4)
        return y

    def draw(self, columns: Sequence[tuple[list[_Block], list[_Block]]], link: str) -> None:
        """The whole page: words above, the QR code and the link, words below."""
        inner = WIDTH_MM - 2 * MARGIN_MM
        width = inner if len(columns) == 1 else (inner - GAP_MM) / 2
        centres = [MARGIN_MM + width / 2 + i * (width + GAP_MM) for i in range(len(columns))]
        top = self.stack(
            [above for above, _ in columns], centres, width, HEIGHT_MM - MARGIN_MM, lambda h: -h
        )
        bottom = self.stack(
            [list(reversed(below)) for _, below in columns], centres, width, MARGIN_MM, lambda h: h
        )
        link_block = _Block(link, 13)
        link_artist = self.fig.text(
            0.5, (bottom + 2) / HEIGHT_MM, link, fontsize=13, family=LINK_FAMILY, ha="center"
        )
        link_artist.set_color(INK)
        space_top = top - 3
        space_bottom = bottom + 2 + self.height(link_artist) + 5
        size = min(QR_MAX_MM, space_top - space_bottom)
        if size < 40 or self.width(link, link_block) > WIDTH_MM:
            raise ValueError("the poster's texts leave no room for a QR code people can scan")
        self.qr(link, WIDTH_MM / 2, (space_top + space_bottom) / 2, size)

    def qr(self, link: str, cx: float, cy: float, size: float) -> None:
        """The QR code as squares, with its quiet zone (4 modules) inside `size`."""
        matrix = segno.make_qr(link, error="m").matrix
        count = len(matrix)
        quiet = 4
        ax = self.fig.add_axes(
            (
                (cx - size / 2) / WIDTH_MM,
                (cy - size / 2) / HEIGHT_MM,
                size / WIDTH_MM,
                size / HEIGHT_MM,
            )
        )
        ax.set_xlim(-quiet, count + quiet)
        ax.set_ylim(count + quiet, -quiet)
        ax.set_axis_off()
        squares = []
        for row, modules in enumerate(matrix):
            start = None
            for col in range(count + 1):
                dark = col < count and bool(modules[col])
                if dark and start is None:
                    start = col
                elif not dark and start is not None:
                    # One rectangle per run of dark modules: no hairlines between squares.
                    squares.append([(start, row), (col, row), (col, row + 1), (start, row + 1)])
                    start = None
        ax.add_collection(
            PolyCollection(squares, facecolors="black", edgecolors="none", antialiased=False)
        )
