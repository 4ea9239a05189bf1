"""Why something was not done, in the staff member's language: the staff layer's errors
(bot/staff/said.py) are translated on the Welsh dashboard, values and all, while the
command line and Telegram keep the English."""

from __future__ import annotations

import html

import pytest

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.milestones import done
from tests.web.conftest import Web


async def _page(web: Web, path: str, data: dict[str, str]) -> str:
    return html.unescape(await (await web.client.post(path, data=data)).text())


async def test_a_milestone_not_found_is_said_in_welsh(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    await web.client.get("/language/cy")
    said = await _page(web, "/milestones/99/done", {"csrf": csrf})
    assert "Heb ei wneud: Nid oes carreg filltir 99. Mae Tudalen y fenter yn eu rhestru." in said

    await web.client.get("/language/en")
    said = await _page(web, "/milestones/99/done", {"csrf": csrf})
    assert "Not done: There is no milestone 99. The initiative's page lists them." in said


async def test_a_refusal_with_values_is_said_in_welsh(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    await web.client.get("/language/cy")
    data = {"csrf": csrf, "title": "Book the park", "due": "2026-12-01", "owner": "Bryn"}
    await web.client.post("/initiatives/1/milestones", data=data)
    said = await _page(web, "/initiatives/1/milestones", data)
    assert (
        "Heb ei wneud: Mae gan fenter 1 y garreg filltir honno eisoes: carreg filltir 1, "
        "erbyn 2026-12-01, perchennog Bryn: Book the park. Ni ychwanegwyd dim."
    ) in said


async def test_a_role_refused_is_said_in_welsh(web: Web) -> None:
    csrf = await web.sign_in(Role.VIEWER, "vera")
    await web.client.get("/language/cy")
    response = await web.client.post("/milestones/1/done", data={"csrf": csrf})
    assert response.status == 403
    assert (
        "Ni all eich rôl (viewer) wneud y newid hwn; mae angen staff ar gyfer hynny. "
        "Gofynnwch i weinyddwr."
    ) in html.unescape(await response.text())


async def test_the_command_line_keeps_the_english(web: Web) -> None:
    amina = Actor("cli:amina", Role.STAFF, "cli")
    with pytest.raises(StaffError) as raised:
        await done(web.core.desk, amina, 99)
    assert str(raised.value) == "There is no milestone 99. admin milestones lists them."
