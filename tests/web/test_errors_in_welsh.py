"""The staff layer's errors on the Welsh dashboard: said in Welsh as a whole, with the words
put into them (what audiences there are, how to confirm, which line) in Welsh too."""

from __future__ import annotations

import html
from contextvars import copy_context

import pytest

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.milestones import done
from bot.staff.parsing import round_request
from bot.web.i18n import DashboardCatalogs, explain
from tests.conftest import REPO
from tests.web.conftest import Web

WELSH = {"Accept-Language": "cy"}


def _in_welsh(error: StaffError) -> str:
    def said() -> str:
        DashboardCatalogs(REPO / "locales").use("cy")
        return explain(error)

    # In a context of its own: the page's language must not stay Welsh for other tests.
    return copy_context().run(said)


def test_a_line_of_a_staff_message_is_named_in_welsh() -> None:
    with pytest.raises(StaffError) as raised:
        round_request("2026-12-31 Is it safe?\ncy: Ydy e'n ddiogel?\ncy: Ydy hi?", ("cy", "en"))
    assert str(raised.value) == (
        "Line 3 (cy: ...): There are two cy translations of one text: give one."
    )
    assert _in_welsh(raised.value) == (
        "Llinell 3 (cy: ...): Mae dau gyfieithiad cy o un testun: rhowch un."
    )


async def test_an_unknown_audience_is_refused_in_welsh_with_the_audiences_there_are(
    web: Web,
) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    form = {"csrf": csrf, "audience": "nobody", "audience_value": "x", "message": "Hello"}
    page = await (await web.client.post("/broadcasts", data=form, headers=WELSH)).text()
    assert (
        "Heb ei wneud: Cynulleidfa anhysbys &#39;nobody:x&#39;. Defnyddiwch un o&#39;r rhain: "
        "everyone, champions, round:ID (cymerodd ran mewn rownd), topic:ID (dewisodd bwnc)"
    ) in page
    assert await web.rows("SELECT COUNT(*) FROM broadcasts WHERE created_by = 'web:bryn'") == [(0,)]


async def test_an_update_not_confirmed_is_refused_in_welsh_saying_which_button(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    # Initiative 1 is active: back to planned, sent without the preview's button.
    back = {"csrf": csrf, "status": "planned"}
    page = await (await web.client.post("/initiatives/1/update", data=back, headers=WELSH)).text()
    assert (
        "Heb ei wneud: Mae hyn yn symud menter 1 yn ôl o fod yn weithredol i fod ar y gweill: "
        "bydd preswylwyr yn darllen ei bod ar y gweill eto. Os yw hynny&#39;n iawn, pwyswch "
        "&#39;Ei symud yn ôl a dweud wrthynt&#39;."
    ) in page
    assert await web.rows("SELECT COUNT(*) FROM initiative_updates") == [(0,)]


async def _page(web: Web, path: str, data: dict[str, str]) -> str:
    return html.unescape(await (await web.client.post(path, data=data)).text())


async def test_a_suggestion_not_found_is_said_in_welsh(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    await web.client.get("/language/cy")
    form = {"csrf": csrf, "initiative": "1"}
    said = await _page(web, "/words/suggestions/99/link", form)
    assert "Heb ei wneud: Nid oes awgrym 99. Mae Tudalen Geiriau preswylwyr yn eu rhestru." in said

    await web.client.get("/language/en")
    said = await _page(web, "/words/suggestions/99/link", form)
    assert "Not done: There is no suggestion 99. The Words page lists them." in said


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
        "Nid yw eich rôl (viewer) yn caniatáu gwneud y newid hwn; mae angen staff ar gyfer hynny. "
        "Gofynnwch i weinyddwr."
    ) in html.unescape(await response.text())


async def test_the_command_line_keeps_the_english(web: Web) -> None:
    amina = Actor("cli:amina", Role.STAFF, "cli")
    with pytest.raises(StaffError) as raised:
        await done(web.core.desk, amina, 99)
    assert str(raised.value) == "There is no milestone 99. admin milestones lists them."
