"""The host's Artwork port, drawn with matplotlib (loaded on the first drawing, not at start:
it is most of the bot's memory, see bot/jobs/compose.py)."""

from __future__ import annotations

from bot.host.artwork import Poster, PosterRequest, StatsChart
from bot.i18n.catalogs import Catalogs

# Staff print posters too, through this module (the staff desk does not import the host).
__all__ = ["MatplotlibArtwork", "Poster", "PosterRequest", "StatsChart"]


class MatplotlibArtwork:
    """Posters and champions' charts; each call is slow: run it in a worker thread."""

    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs

    def poster(self, request: PosterRequest) -> Poster:
        """An A4 poster as PDF and PNG."""
        from bot.jobs.posters import draw_poster

        return draw_poster(request, self.catalogs)

    def stats_chart(self, request: StatsChart) -> bytes:
        """A champion's weekly chart as a PNG."""
        from bot.jobs.stats_chart import render_stats_chart

        return render_stats_chart(request)
