"""Browser-test equipment: the system's Chromium driven by Playwright, the whole bot on the
offline Bot API double with its dashboard, axe-core, and screenshots.

Playwright's own browser download is not used (it is not available everywhere): Debian's
`chromium` is launched by path. Without it the browser tests are skipped, and say so; under
CI=true they fail instead (.ci/run installs it)."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
MISSING = (
    "Chromium is not installed, so the dashboard's browser tests are skipped "
    "(apt-get install chromium)"
)
if CHROMIUM is None and os.environ.get("CI") == "true":
    raise RuntimeError(f"{MISSING}; under CI they must run: .ci/run installs it")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason=MISSING)

AXE = REPO / "tests" / "web" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or REPO / "test-results" / "screenshots")
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


async def axe_problems(page: Any) -> list[str]:
    """Serious and critical axe-core violations on the page, each with where it is."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Run through the DevTools protocol: the page's CSP refuses inline scripts, a
        # script tag added by the test included (which shows the CSP is enforced).
        await page.evaluate(_axe_source())
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@functools.cache
def _axe_source() -> str:
    return AXE.read_text("utf-8") + "\n;true"


async def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot under the test output folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
