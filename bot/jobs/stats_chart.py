"""A champion's weekly chart: how many people joined through their link, week by week, with
counts from 1 to 4 drawn as a hatched "<5" bar of no particular height."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Final

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.host.artwork import StatsChart
from bot.i18n.dates import date_locale
from bot.jobs.charts import HIGHLIGHT_COLOUR, TEXT_COLOUR, display_text, use_fonts

WEEKS: Final = 12  # the chart shows at most the last 12 weeks
SMALL_HEIGHT: Final = 2.5  # where a "<5" bar stops: between 1 and 4, not a count
DPI: Final = 120


def render_stats_chart(request: StatsChart) -> bytes:
    """The chart as a PNG for a phone screen."""
    locale = request.locale.replace("-", "_")
    today = date.fromisoformat(request.today)
    last = today - timedelta(days=today.weekday())
    by_week = {w.monday: w.joined for w in request.stats.weeks}
    first = min((date.fromisoformat(m) for m in by_week), default=last)
    first = max(first, last - timedelta(weeks=WEEKS - 1))
    mondays = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]

    fig = Figure(figsize=(8, 4.5), dpi=DPI, layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    try:
        ax = fig.add_subplot()
        for x, monday in enumerate(mondays):
            shown = by_week.get(monday.isoformat())
            if shown is None or (not shown.hidden and shown.value == 0):
                continue
            height = SMALL_HEIGHT if shown.hidden else shown.value
            ax.bar(
                x,
                height,
                width=0.7,
                color="white" if shown.hidden else HIGHLIGHT_COLOUR,
                edgecolor=HIGHLIGHT_COLOUR,
                hatch="//" if shown.hidden else None,
            )
            label = display_text(shown.text(lambda n: format_decimal(n, locale=locale)))
            text = ax.text(x, height, label, ha="center", va="bottom", color=TEXT_COLOUR)
            use_fonts(text, label)
        ax.set_xticks(range(len(mondays)))
        labels = [format_skeleton("MMMd", m, locale=date_locale(locale)) for m in mondays]
        ax.set_xticklabels([display_text(label) for label in labels], rotation=45, ha="right")
        for tick, label in zip(ax.get_xticklabels(), labels, strict=True):
            use_fonts(tick, label)
        ax.set_ylim(0, max([5.0, *(w.value * 1.2 for w in by_week.values())]))
        if Locale.parse(locale).text_direction == "rtl":
            ax.invert_xaxis()  # weeks run the way the reader reads
        ax.yaxis.set_visible(False)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        if display_text(request.title) and request.title.strip():
            title = fig.suptitle(display_text(request.title), fontsize=14, color=TEXT_COLOUR)
            if not use_fonts(title, request.title, "bold"):
                title.set_visible(False)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        fig.clear()
    return buffer.getvalue()
