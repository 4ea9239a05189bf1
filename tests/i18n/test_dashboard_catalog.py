"""The staff dashboard's own catalog (domain `dashboard`): its template is current, the Welsh
is complete, and the dashboard's words stay out of the residents' catalog."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.i18n.check import (
    DEFAULT_KEYWORDS,
    check_catalogs,
    check_template,
    extract_catalog,
    extract_messages,
)
from bot.web.i18n import DOMAIN, KEYWORDS, MAPPING, DashboardCatalogs, tr
from tests.conftest import REPO

LOCALES = REPO / "locales"
POT = LOCALES / f"{DOMAIN}.pot"


def test_the_dashboard_template_is_current() -> None:
    """Every string of bot/web/ (W_ in Python, _() in templates) and every template of the
    staff layer's errors and answers (bot/staff/said.py) is in dashboard.pot."""
    fresh = extract_catalog(REPO, MAPPING, {**DEFAULT_KEYWORDS, **dict.fromkeys(KEYWORDS)})
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


_MARKS = {"StaffError", "Refused", "Said", "S_"}


def _unmarked(path: Path) -> list[str]:
    """Calls of the staff layer's marks whose template is not written out: an f-string, a
    sum or a .format() is English that no translator ever sees."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        first = node.args[0]
        built = isinstance(first, ast.JoinedStr | ast.BinOp) or (
            isinstance(first, ast.Call) and getattr(first.func, "attr", None) == "format"
        )
        if name in _MARKS and built:
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}(...) of a built text")
    return found


def test_the_staff_layers_errors_reach_the_translators() -> None:
    """A StaffError made from an f-string reads in English on the Welsh dashboard: its
    template is written out, its values are keyword arguments (bot/staff/said.py)."""
    files = sorted([*(REPO / "bot" / "staff").rglob("*.py"), *(REPO / "bot" / "web").rglob("*.py")])
    problems = [problem for path in files for problem in _unmarked(path)]
    assert problems == []
