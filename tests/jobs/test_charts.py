"""Results charts: labels in any script drawn right or replaced by numbers, never tofu."""

from __future__ import annotations

import gc
import os
import struct
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import arabic_reshaper
import pytest
from bidi.algorithm import get_display
from matplotlib.figure import Figure

from bot.jobs.charts import (
    HIGHLIGHT_MARK,
    NATIVE_SHAPING,
    Bar,
    ChartImage,
    can_draw,
    display_text,
    render_results_chart,
)

ENGLISH = ["Mental health and loneliness", "Safer streets", "Activities for young people"]
ARABIC = ["الصحة النفسية والوحدة", "شوارع أكثر أمانا", "أنشطة للشباب"]
# "ہ" (heh goal) and "ے" (yeh barree) are common in Urdu; DejaVu Sans lacks both.
URDU = ["ذہنی صحت اور تنہائی", "محفوظ گلیاں", "نوجوانوں کے لیے سرگرمیاں"]
BENGALI = ["মানসিক স্বাস্থ্য ও একাকীত্ব", "নিরাপদ রাস্তা", "তরুণদের জন্য কার্যক্রম"]
# Ol Chiki: in none of the fonts the charts look for, on any machine.
OL_CHIKI = ["ᱢᱚᱱ ᱨᱮᱭᱟᱜ ᱯᱷᱤᱛ", "ᱥᱟᱱᱛᱟᱲᱤ", "ᱜᱟᱸᱣ"]
SHARES = [0.45, 0.35, 0.2]


@dataclass
class Drawn:
    """What a chart put on screen, read from its figure."""

    labels: list[str]
    weights: list[str]
    values: list[str]
    hatches: list[str | None]
    colours: list[tuple[float, ...]]
    title: str
    note: str
    rtl: bool


def render(
    labels: Sequence[str],
    *,
    locale: str,
    values: Sequence[float] = SHARES,
    chosen: Sequence[int] = (0, 2),
    title: str = "What people chose",
    note: str = "★ = your choices",
    as_share: bool | None = None,
) -> tuple[ChartImage, Drawn]:
    bars = [
        Bar(label, value, index in chosen)
        for index, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    seen: list[Drawn] = []

    def inspect(fig: Figure) -> None:
        (ax,) = fig.axes
        ticks = ax.get_yticklabels()  # the visible ones: left, or right in RTL
        seen.append(
            Drawn(
                labels=[tick.get_text() for tick in ticks],
                weights=[str(tick.get_fontweight()) for tick in ticks],
                # Values in right-to-left charts are isolated left to right (U+2066..U+2069).
                values=[text.get_text().strip("\u2066\u2069") for text in ax.texts],
                hatches=[patch.get_hatch() for patch in ax.patches],
                colours=[tuple(patch.get_facecolor()) for patch in ax.patches],
                title=fig.get_suptitle(),
                note=fig.get_supxlabel(),
                rtl=ax.xaxis_inverted(),
            )
        )

    image = render_results_chart(
        bars,
        title=title,
        locale=locale,
        highlight_note=note,
        as_share=as_share,
        _inspect=inspect,
    )
    assert image.png.startswith(b"\x89PNG\r\n\x1a\n")
    (drawn,) = seen
    return image, drawn


def png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])  # IHDR comes first
    return width, height


def resident_mib() -> float:
    """Resident memory now (not the peak, which earlier tests may have set)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def starred(text: str) -> str:
    return f"{HIGHLIGHT_MARK} {text}"


def test_latin_chart_draws_labels_ranked_with_own_choices_marked() -> None:
    image, drawn = render(ENGLISH, locale="en_GB")

    assert image.labels_drawn
    assert drawn.labels == [starred(ENGLISH[0]), ENGLISH[1], starred(ENGLISH[2])]
    assert drawn.weights == ["bold", "normal", "bold"]
    # Marked without colour too: hatching, and a colour of their own.
    assert [bool(hatch) for hatch in drawn.hatches] == [True, False, True]
    assert drawn.colours[0] == drawn.colours[2] != drawn.colours[1]
    assert drawn.title == "What people chose"
    assert drawn.note == "★ = your choices"
    assert not drawn.rtl
    width, height = png_size(image.png)
    assert width == 960 and height <= 1000  # 8 in at 120 dpi: a phone screen's width


def test_many_bars_stay_small_enough_for_a_phone() -> None:
    labels = [f"Priority {rank} about local services" for rank in range(1, 16)]
    values = [(16 - rank) / 120 for rank in range(1, 16)]
    image, drawn = render(labels, locale="en", values=values, chosen=(1, 4))

    assert len(drawn.labels) == 15
    shown = [label.replace("\n", " ") for label in drawn.labels]
    assert shown[1] == starred(labels[1]) and shown[4] == starred(labels[4])
    width, height = png_size(image.png)
    assert height <= 1000 and width >= 800  # tall charts get a lower resolution, not taller


def test_long_labels_wrap() -> None:
    label = "Green spaces and parks that are cleaner and safer for families with children"
    image, drawn = render([label, "Parks"], locale="en", values=[0.6, 0.4], chosen=())

    assert image.labels_drawn
    lines = drawn.labels[0].split("\n")
    assert 2 <= len(lines) <= 3
    assert " ".join(lines).rstrip("…") in label


def test_arabic_chart_draws_shaped_text_right_to_left() -> None:
    image, drawn = render(ARABIC, locale="ar", title="ما اختاره الناس", note="★ = اختياراتك")

    assert image.labels_drawn
    logical = [starred(ARABIC[0]), ARABIC[1], starred(ARABIC[2])]
    if NATIVE_SHAPING:  # matplotlib shapes and reorders itself: it gets the text as is
        expected = logical
    else:
        expected = [get_display(arabic_reshaper.reshape(text)) for text in logical]
    assert drawn.labels == expected == [display_text(text) for text in logical]
    assert drawn.title == display_text("ما اختاره الناس")
    assert drawn.rtl  # bars grow from the right, labels on the right


def test_urdu_chart_draws_labels_with_the_shipped_arabic_script_font() -> None:
    """DejaVu Sans lacks Urdu's heh goal and yeh barree; the shipped Noto Naskh Arabic has
    them, so Urdu labels are drawn, right to left, star first in reading order (right)."""
    image, drawn = render(URDU, locale="ur")

    assert image.labels_drawn
    assert drawn.labels == [display_text(starred(URDU[0])), URDU[1], starred(URDU[2])]
    assert drawn.rtl


def test_bengali_chart_draws_labels_title_and_digits() -> None:
    image, drawn = render(BENGALI, locale="bn", title="মানুষ কী বেছে নিয়েছে", note="★ = আপনার পছন্দ")

    assert image.labels_drawn
    assert drawn.labels == [starred(BENGALI[0]), BENGALI[1], starred(BENGALI[2])]
    assert drawn.title == "মানুষ কী বেছে নিয়েছে" and drawn.note == "★ = আপনার পছন্দ"
    assert drawn.values == ["45%", "35%", "20%"]  # CLDR: bn writes numbers in 0-9 by default


@pytest.mark.parametrize("locale", ["en", "cy", "pl", "ro", "pa", "ur", "pt", "es", "ar", "bn"])
def test_every_locales_topic_labels_are_drawn_with_fonts_that_cover_them(locale: str) -> None:
    """With only what pip installs (matplotlib's DejaVu Sans and the fonts shipped in
    bot/jobs/fonts), every language's default topics are drawn as labels, not numbers."""
    from bot.i18n.catalogs import Catalogs
    from bot.staff.demo import DEFAULT_QUESTION, DEFAULT_TOPICS

    tr = Catalogs().get(locale)
    labels = [tr.gettext(label) for _, label in DEFAULT_TOPICS[:4]]
    assert all(can_draw(label) for label in labels), locale
    image, drawn = render(
        labels, locale=locale, values=[0.4, 0.3, 0.2, 0.1], title=tr.gettext(DEFAULT_QUESTION)
    )
    assert image.labels_drawn
    assert drawn.title  # the title is drawn too


def test_text_no_font_covers_gives_numbered_bars_and_no_title() -> None:
    assert not any(can_draw(label) for label in OL_CHIKI)

    image, drawn = render(OL_CHIKI, locale="en", title=OL_CHIKI[1], note="★ = " + OL_CHIKI[2])

    assert not image.labels_drawn
    assert drawn.labels == [starred("1"), "2", starred("3")]
    assert [bool(hatch) for hatch in drawn.hatches] == [True, False, True]
    assert drawn.title == "" and drawn.note == ""
    # One undrawable label is enough to number them all, so the caption can list them.
    mixed, drawn = render([ENGLISH[0], OL_CHIKI[1], ENGLISH[2]], locale="en")
    assert not mixed.labels_drawn
    assert drawn.labels == [starred("1"), "2", starred("3")]


def test_can_draw() -> None:
    assert can_draw("Zdrowie psychiczne i samotność")
    assert can_draw("Iechyd meddwl ac unigrwydd – ŵ ŷ")
    assert can_draw(ARABIC[0])
    assert can_draw("★ 45\u00a0%")
    assert can_draw("")
    assert not can_draw(OL_CHIKI[0])


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("pl", ["45%", "35%", "20%"]),
        ("es", ["45\u00a0%", "35\u00a0%", "20\u00a0%"]),  # a space before % in Spanish
        ("ar", ["45%", "35%", "20%"]),
        ("cy", ["45%", "35%", "20%"]),
    ],
)
def test_percentages_follow_the_locale(locale: str, shown: list[str]) -> None:
    _, drawn = render(ENGLISH, locale=locale)

    assert drawn.values == shown


def test_points_are_shown_as_numbers() -> None:
    points = [12.5, 7.0, 3.0]
    _, drawn = render(ENGLISH, locale="pl", values=points)
    assert drawn.values == ["12,5", "7", "3"]

    _, drawn = render(ENGLISH, locale="pl", values=[1.0, 0.0, 0.0], as_share=False)
    assert drawn.values == ["1", "0", "0"]


def test_same_input_same_png() -> None:
    first, _ = render(ENGLISH, locale="en")
    second, _ = render(ENGLISH, locale="en")
    assert first.png == second.png
    assert b"Software" not in first.png


@pytest.mark.parametrize(
    "bars",
    [[], [Bar("A", -0.1, False)], [Bar("A", float("nan"), False)]],
)
def test_rejects_bad_bars(bars: list[Bar]) -> None:
    with pytest.raises(ValueError):
        render_results_chart(bars, title="t", locale="en", highlight_note="")


def test_figures_are_freed() -> None:
    """Nothing keeps a drawn figure alive (memory over many charts: bench/chart_memory.py)."""
    figures: list[weakref.ref[Figure]] = []

    def keep(fig: Figure) -> None:
        figures.append(weakref.ref(fig))

    bars = [
        Bar(label, share, index == 0)
        for index, (label, share) in enumerate(zip(ENGLISH, SHARES, strict=True))
    ]
    for _ in range(3):  # warm up caches
        render_results_chart(bars, title="t", locale="en", highlight_note="n", _inspect=keep)
    gc.collect()
    assert all(ref() is None for ref in figures)
