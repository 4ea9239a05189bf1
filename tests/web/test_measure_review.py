"""Residents' ideas for measures on an initiative's page: a Welsh resident's shown in their
own words (not as stored data), marked as theirs and in Welsh, waiting for review with a
button to accept it for votes, which stores it and is audited as made on the web."""

from __future__ import annotations

import html

from bot.staff.actor import Role
from bot.store import initiatives, participants
from bot.store.db import Tx
from tests.web.conftest import Web

IDEA = "Mae llai o bobl yn teimlo'n unig"


def _welsh_idea(conn: Tx, now: str) -> None:
    who = participants.find_or_create(conn, "telegram", "801", "801", now)
    votes = initiatives.Votes(1, (), {"cy": IDEA}, locale="cy")
    initiatives.save_votes(conn, who.id, votes, now)


def _row(page: str, measure_id: int) -> str:
    table = page.split('id="measures-h"')[1].split("</table>")[0]
    return next(r for r in table.split("<tr>") if r.strip().startswith(f"<td>{measure_id}."))


async def test_a_welsh_idea_is_shown_in_its_words_and_accepted_for_votes(web: Web) -> None:
    await web.core.db.write(_welsh_idea, web.clock().isoformat())
    [(idea,)] = await web.rows("SELECT id FROM measures WHERE status = 'suggested'")
    csrf = await web.sign_in(Role.STAFF, "bryn")
    page = await (await web.client.get("/initiatives/1")).text()
    row = _row(page, idea)
    assert "{&#39;cy&#39;" not in row and "{'cy'" not in row
    assert (
        'proposed by a resident: <span class="meta">in their own words, in cy:</span> '
        '<q class="resident" lang="cy">Mae llai o bobl yn teimlo&#39;n unig</q>'
    ) in row
    assert "<td>waiting for review</td>" in row
    assert f'action="/measures/{idea}/accept"' in row and "Accept for votes" in row
    assert "other residents do not see them until you accept them for votes" in page

    welsh = await (await web.client.get("/initiatives/1", headers={"Accept-Language": "cy"})).text()
    assert "{&#39;cy&#39;" not in _row(welsh, idea)

    done = await web.client.post(f"/measures/{idea}/accept", data={"csrf": csrf})
    said = await done.text()
    assert f"Measure {idea} is now proposed." in said
    assert "It is not written in" in said and "/edit measure" in said
    assert await web.rows("SELECT status FROM measures WHERE id = ?", idea) == [("proposed",)]
    assert await web.rows(
        "SELECT actor, channel, before, after FROM audit_log WHERE action = 'measure.accept'"
    ) == [("web:bryn", "web", '{"status": "suggested"}', '{"status": "proposed"}')]
    ac = {"csrf": csrf}
    again = await (await web.client.post(f"/measures/{idea}/accept", data=ac)).text()
    assert "Not done: Measure" in again and "is already open for residents&#39; votes." in again
    # In Welsh, the status is said in a sentence of its own, not a word slotted in.
    cy = {"Accept-Language": "cy"}
    again = await (await web.client.post(f"/measures/{idea}/accept", data=ac, headers=cy)).text()
    assert f"Heb ei wneud: Mae mesur {idea} eisoes ar agor i breswylwyr bleidleisio arno." in again


async def test_how_to_translate_an_accepted_idea_is_said_in_welsh(web: Web) -> None:
    """The command that translates it is put into the dashboard's own sentence: in Welsh,
    its "(in Telegram) or" is Welsh too."""
    await web.core.db.write(_welsh_idea, web.clock().isoformat())
    [(idea,)] = await web.rows("SELECT id FROM measures WHERE status = 'suggested'")
    csrf = await web.sign_in(Role.STAFF, "bryn")
    cy = {"Accept-Language": "cy"}
    done = await web.client.post(f"/measures/{idea}/accept", data={"csrf": csrf}, headers=cy)
    said = html.unescape(await done.text())
    assert (
        f"Cyfieithwch ef gyda /edit measure {idea} (yn Telegram) neu admin edit measure {idea}."
    ) in said
