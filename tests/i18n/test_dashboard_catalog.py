"""The staff dashboard's own catalog (domain `dashboard`): its template is current, the Welsh
is complete, and the dashboard's words stay out of the residents' catalog."""

from __future__ import annotations

import pytest

from bot.i18n.check import (
    DEFAULT_KEYWORDS,
    check_catalogs,
    check_template,
    extract_catalog,
    extract_messages,
)
from bot.web.i18n import DOMAIN, MAPPING, DashboardCatalogs, tr
from tests.conftest import REPO

LOCALES = REPO / "locales"
POT = LOCALES / f"{DOMAIN}.pot"


def test_the_dashboard_template_is_current() -> None:
    """Every string of bot/web/ (W_ in Python, _() in templates) is in dashboard.pot."""
    fresh = extract_catalog(REPO, MAPPING, {**DEFAULT_KEYWORDS, "W_": None})
    assert len(fresh) > 100
    problems = check_template(REPO, POT, extracted=fresh)
    if problems:
        pytest.fail("\n".join(problems) + "\nRun `make i18n`.", pytrace=False)


def test_the_welsh_dashboard_is_complete() -> None:
    assert sorted(p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po")) == [
        "cy"
    ]
    assert check_catalogs(LOCALES, POT, domain=DOMAIN) == []


@pytest.mark.parametrize(
    ("cookie", "accept", "expected", "overview"),
    [
        (None, "cy-GB,cy;q=0.9,en;q=0.5", "cy", "Trosolwg"),
        ("cy", "en-GB", "cy", "Trosolwg"),
        ("en", "cy", "en", "Overview"),
        # Languages residents have but the dashboard has not: English.
        (None, "pl-PL,pl;q=0.9", "en", "Overview"),
        ("ur", "ar", "en", "Overview"),
        (None, None, "en", "Overview"),
    ],
)
def test_staff_read_welsh_or_english(
    cookie: str | None, accept: str | None, expected: str, overview: str
) -> None:
    words = DashboardCatalogs(LOCALES)
    chosen = words.choose(cookie, accept)
    words.use(chosen)
    assert (chosen, tr("Overview")) == (expected, overview)


def test_the_dashboards_words_are_not_in_the_residents_catalog() -> None:
    """Residents' catalogs must be complete in every language; the dashboard's are not."""
    residents = extract_messages(REPO)
    assert "Export verified assets as GeoJSON" not in residents
    assert "Sign in to the staff dashboard" not in residents
