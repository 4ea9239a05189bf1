"""What the host asks to have drawn (a poster, a chart) and the port that draws it.

Drawing is slow (a poster takes about a second) and needs matplotlib, which the host does not
load: the wiring hands the Host an `Artwork` from bot/jobs, and the host draws only after the
step's transaction has committed, never inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.i18n.organisation import Organisation
from bot.store.referral_stats import ReferralStats


@dataclass(frozen=True, slots=True)
class PosterRequest:
    """A poster: the link its QR code opens, in one or two languages, for a champion (their
    area, if known) or for a place (e.g. a library: the plain bot link)."""

    link: str
    locales: tuple[str, ...]
    organisation: Organisation
    area: str | None = None
    place: str | None = None
    champion: bool = True


@dataclass(frozen=True, slots=True)
class Poster:
    """A drawn poster: an A4 PDF to print, and a PNG at print resolution for phones."""

    pdf: bytes
    png: bytes


@dataclass(frozen=True, slots=True)
class StatsChart:
    """A champion's weekly chart, to draw in `locale` under `title`."""

    stats: ReferralStats
    title: str
    locale: str
    today: str  # ISO date: the chart ends with this week


class Artwork(Protocol):
    """Draws posters and charts (bot/jobs implements it with matplotlib)."""

    def poster(self, request: PosterRequest) -> Poster:
        """The poster's PDF and PNG."""
        ...

    def stats_chart(self, request: StatsChart) -> bytes:
        """The chart as a PNG."""
        ...


@dataclass(frozen=True, slots=True)
class PosterWanted:
    """A step wants a poster sent (drawn after its transaction): files named `stem`.pdf/.png."""

    request: PosterRequest
    stem: str
    caption: str


@dataclass(frozen=True, slots=True)
class ChartWanted:
    """A step wants a champion's chart sent (drawn after its transaction)."""

    request: StatsChart
    caption: str


Drawing = PosterWanted | ChartWanted
