"""A champion's poster prints correctly: exactly A4, and its QR code reads back as their link,
in every language pair, Arabic and Urdu right to left, Bengali and Punjabi shaped."""

from __future__ import annotations

import pytest

from bot.host.artwork import PosterRequest
from bot.i18n.catalogs import Catalogs
from bot.i18n.organisation import Organisation
from bot.jobs.posters import draw_poster
from tests.posterscan import page_size_mm, pdf_qr_codes, pdf_text, png_qr_codes

LINK = "https://t.me/riverside_voice_bot?start=c-Xq3v9LkP0aZ_tY7w"
TEAM = Organisation.of("Riverside Health Team")


@pytest.mark.parametrize("locales", [("cy", "en"), ("ar", "en"), ("en", "ur"), ("bn",), ("pa",)])
def test_a_poster_is_a4_and_its_qr_code_reads_back_as_the_link(
    catalogs: Catalogs, locales: tuple[str, ...]
) -> None:
    poster = draw_poster(PosterRequest(LINK, locales, TEAM, area="Grangetown"), catalogs)
    assert page_size_mm(poster.pdf) == [(210.0, 297.0)]
    assert pdf_qr_codes(poster.pdf) == [LINK]
    assert png_qr_codes(poster.png) == [LINK]
    # The link is written out too, for anyone whose phone cannot scan.
    assert LINK in pdf_text(poster.pdf)


def test_the_poster_says_where_who_and_what_in_each_language(catalogs: Catalogs) -> None:
    team = Organisation.of("Riverside Health Team", {"cy": "Tîm Iechyd Glan-yr-afon"})
    poster = draw_poster(PosterRequest(LINK, ("cy", "en"), team, area="Grangetown"), catalogs)
    text = " ".join(pdf_text(poster.pdf).split())
    for expected in (
        "Have your say about health where you live",
        "Dweud eich dweud am iechyd lle rydych chi'n byw",
        "For people in Grangetown",
        "I bobl yn Grangetown",
        "Run by Riverside Health Team",
        "Tîm Iechyd Glan-yr-afon",  # the Welsh column names the team in Welsh
        "Shared by a local community champion",
    ):
        assert expected in text


def test_a_place_poster_names_the_place_not_a_champion(catalogs: Catalogs) -> None:
    link = "https://t.me/riverside_voice_bot?start=flow-priorities"
    poster = draw_poster(
        PosterRequest(link, ("en",), TEAM, place="Riverside Library", champion=False),
        catalogs,
    )
    text = " ".join(pdf_text(poster.pdf).split())
    assert "Shared by Riverside Library" in text and "champion" not in text
    assert pdf_qr_codes(poster.pdf) == [link]


def test_more_than_two_languages_are_refused(catalogs: Catalogs) -> None:
    with pytest.raises(ValueError, match="one or two languages"):
        draw_poster(PosterRequest(LINK, ("en", "cy", "pl"), TEAM), catalogs)
