"""What the staff layer answers, on the Welsh dashboard: a flash after a form, who a broadcast
is for and who will get it, a warning after opening a round, in Welsh; the command line and
the English dashboard keep the English."""

from __future__ import annotations

import html
import io

from aiohttp import FormData

from bot.console.simulator import Simulator
from bot.host.steps import Who
from bot.staff import population
from bot.staff.actor import Actor, Role
from tests.conftest import REPO
from tests.web.conftest import Web

EXAMPLE = REPO / "examples" / "population.csv"


async def _text(response: object) -> str:
    return html.unescape(await response.text())  # type: ignore[attr-defined]


async def test_a_population_upload_is_said_in_welsh(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    rows = len(EXAMPLE.read_text().strip().splitlines()) - 1
    for language, said in (
        ("cy", f"Llwythwyd {rows} rhes poblogaeth o population.csv (3 ardal)."),
        ("en", f"Loaded {rows} population rows from population.csv (3 areas)."),
    ):
        await web.client.get(f"/language/{language}")
        form = FormData()
        form.add_field("csrf", csrf)
        form.add_field("file", EXAMPLE.read_bytes(), filename="population.csv")
        assert said in await _text(await web.client.post("/reports/population", data=form))


async def test_a_suggestion_linked_is_said_in_welsh(web: Web) -> None:
    ola = Simulator(web.core.host, Who("console", "ola", "ola", "pl"), io.StringIO())
    await ola.start()
    for line in ("1", "s", "2", "1", "1", "d", "1", "Basen dla dzieci", "1"):
        await ola.feed(line)
    [(suggestion,)] = await web.rows("SELECT id FROM priority_submissions")
    csrf = await web.sign_in(Role.STAFF, "bryn")
    await web.client.get("/language/cy")
    form = {"csrf": csrf, "initiative": "2"}
    page = await _text(await web.client.post(f"/words/suggestions/{suggestion}/link", data=form))
    assert (
        f"Cysylltwyd awgrym {suggestion} â menter 2: bydd y person a'i gwnaeth yn cael ei "
        "newyddion o hyn ymlaen."
    ) in page
    page = await _text(await web.client.post(f"/words/suggestions/{suggestion}/unlink", data=form))
    assert f"Datgysylltwyd awgrym {suggestion} oddi wrth fenter 2: nid yw ei newyddion" in page


async def test_a_broadcast_says_who_it_is_for_and_who_gets_it_in_welsh(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    await web.client.get("/language/cy")
    form = {"csrf": csrf, "audience": "area", "audience_value": "Riverside", "message": "Hi"}
    page = await _text(await web.client.post("/broadcasts", data=form))
    assert "At: pobl sy'n byw yn ardal Riverside" in page
    assert "Ni fydd neb yn cael gwybod: nid oes pobl sy'n byw yn ardal Riverside." in page
    assert "Neges: Hi" in page
    [(broadcast,)] = await web.rows("SELECT MAX(id) FROM broadcasts")
    progress = await (await web.client.get(f"/broadcasts/{broadcast}/progress.json")).json()
    assert progress["text"].splitlines() == [
        f"Darllediad {broadcast} · drafft",
        "Wedi'u hanfon 0 o 0 · heb eu cyrraedd 0 · wedi methu 0",
    ]
    await web.client.get("/language/en")
    page = await _text(await web.client.get(f"/broadcasts/{broadcast}"))
    assert "To: people who live in area Riverside" in page
    assert "Nobody will be told: there are no people who live in area Riverside." in page


async def test_a_round_for_an_area_nobody_is_in_is_warned_of_in_welsh(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    await web.client.get("/language/cy")
    form = {"csrf": csrf, "closes": "2099-12-20", "area": "Nowhere"}
    page = await _text(await web.client.post("/rounds", data=form))
    assert (
        "Rhybudd: nid oes unrhyw breswylydd yn Nowhere ac nid yw'n ardal a ddiffiniwyd gennych, "
        "felly nid yw rownd 2 yn gofyn i neb yno eto. Nid oes unrhyw breswylydd wedi rhoi ardal "
        "eto. Gwall teipio?"
    ) in page
    assert "Nodyn: mae rownd 2 yn gorgyffwrdd â 1 rownd agored arall" in page


async def test_the_command_line_keeps_the_english_answers(web: Web) -> None:
    amina = Actor("cli:amina", Role.STAFF, "cli")
    rows = len(EXAMPLE.read_text().strip().splitlines()) - 1
    said = await population.load(web.core.desk, amina, EXAMPLE)
    assert str(said) == f"Loaded {rows} population rows from population.csv (3 areas)."
    notes = await web.core.desk.round_notes(
        amina,
        await web.core.desk.open_round(amina, "2099-12-20", None, None, "Nowhere"),
    )
    assert str(notes).startswith(
        "Warning: no resident is in Nowhere and it is not an area you defined, so round 2 asks "
        "nobody there yet. No resident has given an area yet. A typo? Close round 2 and open "
        "it again. A new area? Define it with admin area-add, so residents can pick it.\n"
        "Note: round 2 overlaps with 1 other open round(s) for some of the same residents."
    )
