"""What staff do on the dashboard's pages, over plain HTTP: each change is stored by the
same staff functions as the command line and Telegram, written to the audit log as made on
the web, and said back on the next page."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from bot.app import open_core
from bot.console.simulator import Simulator
from bot.host.steps import Who
from bot.staff import areas
from bot.staff.actor import Role
from bot.staff.staffing import BOT_USERNAME
from bot.store import champions, initiatives, kept, participants, rounds
from bot.store.champions import SignUp
from bot.store.db import Tx
from bot.web.server import Dashboard
from tests.conftest import CODE, FIXED_NOW, REPO, STAFF, took_part
from tests.web.conftest import CSRF, Clock, Web, web_settings


async def _audited(web: Web, action: str) -> list[tuple[str, str]]:
    return [
        (actor, channel)
        for actor, channel in await web.rows(
            "SELECT actor, channel FROM audit_log WHERE action = ? ORDER BY id", action
        )
    ]


async def test_an_initiative_update_is_previewed_then_sent_to_who_it_concerns(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    preview = await web.client.post(
        "/initiatives/1/preview",
        data={
            "csrf": csrf,
            "status": "finished",
            "note": "Walks every day now",
            "note_cy": "Bob dydd",
        },
    )
    text = await preview.text()
    assert "Nobody will be told: there are no people who chose initiative 1" in text
    # Nothing is stored by the preview.
    assert await web.rows("SELECT COUNT(*) FROM initiative_updates") == [(0,)]
    hidden = dict(re.findall(r'name="(\w+)" value="([^"]*)"', text))
    assert hidden["status"] == "finished" and hidden["note_cy"] == "Bob dydd"
    sent = await web.client.post("/initiatives/1/update", data=hidden, allow_redirects=False)
    assert sent.status == 303 and sent.headers["Location"] == "/initiatives/1"
    page = await (await web.client.get("/initiatives/1")).text()
    assert "Updated initiative 1." in page and "Walks every day now" in page
    assert await web.rows("SELECT status FROM initiatives WHERE id = 1") == [("finished",)]
    assert await web.rows("SELECT note FROM initiative_updates") == [
        ('{"cy": "Bob dydd", "en": "Walks every day now"}',)
    ]
    assert await _audited(web, "initiative.update") == [("web:bryn", "web")]


async def test_an_update_preview_says_who_will_read_its_note_in_english(web: Web) -> None:
    def residents(conn: Tx) -> None:
        took_part(conn, 1, [["Being more active"]] * 10)
        conn.execute("UPDATE participants SET locale = 'pl' WHERE id % 2 = 0")

    await web.core.db.write(residents)
    csrf = await web.sign_in(Role.STAFF, "bryn")
    form = {"csrf": csrf, "status": "", "note": "Walks every day now", "note_cy": "Bob dydd"}
    text = await (await web.client.post("/initiatives/1/preview", data=form)).text()
    assert "Residents reading pl will get the English text (texts given: cy, en)." in text
    assert "in their language where the message has it" in text
    form["note_pl"] = "Spacery codziennie"
    text = await (await web.client.post("/initiatives/1/preview", data=form)).text()
    assert "English text" not in text and "each in their own language" in text


async def test_an_update_with_nothing_new_is_not_offered_and_a_repeat_is_said(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    # Initiative 1 is active: active again with no note tells residents nothing.
    same = await web.client.post("/initiatives/1/preview", data={"csrf": csrf, "status": "active"})
    text = await same.text()
    assert "Nothing new to tell residents: initiative 1 is already active" in text
    assert "/initiatives/1/update" not in text and "Send the update" not in text
    nothing = await web.client.post("/initiatives/1/preview", data={"csrf": csrf, "status": ""})
    assert "Nothing new to tell residents" in await nothing.text()
    note = {"csrf": csrf, "status": "", "note": "The crossing is painted."}
    await web.client.post("/initiatives/1/update", data=note)
    # The same note again: said plainly, and sent only with the button that says so.
    again = await (await web.client.post("/initiatives/1/preview", data=note)).text()
    assert "This note is word for word the last one about this initiative" in again
    assert "Send it again anyway" in again
    hidden = dict(re.findall(r'name="(\w+)" value="([^"]*)"', again))
    assert hidden["again"] == "yes"
    await web.client.post("/initiatives/1/update", data=note)  # not from the preview
    assert await web.rows("SELECT COUNT(*) FROM initiative_updates") == [(1,)]
    await web.client.post("/initiatives/1/update", data=hidden)
    assert await web.rows("SELECT COUNT(*) FROM initiative_updates") == [(2,)]
    # A step back is said before it is sent.
    back = {"csrf": csrf, "status": "planned"}
    text = await (await web.client.post("/initiatives/1/preview", data=back)).text()
    assert "This moves initiative 1 back from active to planned" in text
    assert "Move it back and tell them" in text


async def test_measures_and_milestones_from_the_initiative_page(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    await web.client.post("/initiatives/1/measures", data={"csrf": csrf, "measure": "Fewer falls"})
    [(measure_id, status)] = await web.rows(
        "SELECT id, status FROM measures WHERE text LIKE '%Fewer falls%'"
    )
    assert status == "adopted"
    [(proposed,)] = await web.rows("SELECT id FROM measures WHERE status = 'proposed' LIMIT 1")
    await web.client.post(f"/measures/{proposed}/reject", data={"csrf": csrf})
    assert await web.rows("SELECT status FROM measures WHERE id = ?", proposed) == [("rejected",)]

    data = {"csrf": csrf, "title": "Book the park", "due": "2026-12-01", "owner": "Bryn"}
    await web.client.post("/initiatives/1/milestones", data=data)
    [(milestone_id,)] = await web.rows("SELECT id FROM initiative_milestones")
    overview = await (await web.client.get("/")).text()
    assert "2026-12-01: Milestone: Book the park (owner Bryn)" in overview
    await web.client.post(f"/milestones/{milestone_id}/done", data={"csrf": csrf})
    assert await web.rows("SELECT done_on FROM initiative_milestones") == [("2026-11-25",)]
    assert "Book the park" not in await (await web.client.get("/")).text()
    assert await _audited(web, "milestone.done") == [("web:bryn", "web")]

    # The same again is refused; a wrong one is removed after a page asking to confirm.
    said = await (await web.client.post("/initiatives/1/milestones", data=data)).text()
    assert "Not done: Initiative 1 already has that milestone: milestone 1" in said
    wrong = {"csrf": csrf, "title": "Book the pub", "due": "2026-12-02", "owner": "Bryn"}
    await web.client.post("/initiatives/1/milestones", data=wrong)
    page = await (await web.client.get("/initiatives/1")).text()
    assert '<a href="/milestones/2/remove">Remove</a>' in page
    asked = await (await web.client.get("/milestones/2/remove")).text()
    assert "Remove milestone 2?" in asked and "Book the pub · due 2026-12-02" in asked
    assert await web.rows("SELECT COUNT(*) FROM initiative_milestones") == [(2,)]
    web.clock.move(minutes=5)
    said = await (await web.client.post("/milestones/2/remove", data={"csrf": csrf})).text()
    assert "Removed milestone 2." in said
    assert await web.rows("SELECT title FROM initiative_milestones") == [("Book the park",)]
    assert await _audited(web, "milestone.remove") == [("web:bryn", "web")]
    history = said[said.index('id="history-h"') :]
    assert "2026-11-25 10:30 · web:bryn · milestone 1 added, due 2026-12-01, owner Bryn: " in (
        history
    )
    assert "· web:bryn · milestone 1 done on 2026-11-25: Book the park" in history
    assert "2026-11-25 10:35 · web:bryn · milestone 2 removed, due 2026-12-02, owner Bryn: " in (
        history
    )


async def test_champions_are_approved_and_their_requests_answered(web: Web) -> None:
    now = web.clock().isoformat()

    def champion(conn: object) -> int:
        person = participants.find_or_create(conn, "telegram", "555", "555", now)  # type: ignore[arg-type]
        participants.update(conn, person.id, {"consent_at": now, "locale": "cy"})  # type: ignore[arg-type]
        champions.save_signup(
            conn, person.id, "c-web", SignUp(("talk",), ("cy",), (), None, True), now
        )  # type: ignore[arg-type]
        found = champions.of_participant(conn, person.id)  # type: ignore[arg-type]
        assert found is not None
        return found.id

    champion_id = await web.core.db.write(champion)
    told: list[int] = []

    async def tell(participant_id: int) -> bool:  # the running bot's Telegram notice
        told.append(participant_id)
        return True

    web.dashboard.tell_champion = tell
    csrf = await web.sign_in(Role.STAFF, "bryn")
    page = await (await web.client.get("/champions")).text()
    assert f"/champions/{champion_id}/approve" in page
    approved = await web.client.post(f"/champions/{champion_id}/approve", data={"csrf": csrf})
    assert await web.rows("SELECT status FROM champions") == [("active",)]
    said = await approved.text()
    assert f"Champion {champion_id} is approved. They have been sent their link." in said
    assert told == [
        (await web.rows("SELECT participant_id FROM champions"))[0][0]
    ]  # as when approved in Telegram
    # Pausing an active champion is offered, approving again is not.
    page = await (await web.client.get("/champions")).text()
    assert f"/champions/{champion_id}/pause" in page
    assert f"/champions/{champion_id}/approve" not in page
    assert await _audited(web, "champion.approve") == [("web:bryn", "web")]


async def test_a_champion_s_page_shows_what_they_offered_and_reading_it_is_audited(
    web: Web,
) -> None:
    now = web.clock().isoformat()

    def champion(conn: object) -> int:
        person = participants.find_or_create(conn, "telegram", "556", "556", now)  # type: ignore[arg-type]
        offered = SignUp(("connector",), ("cy", "ur"), ("evenings", "weekends"), "Cooking", False)
        champions.save_signup(conn, person.id, "c-web2", offered, now)  # type: ignore[arg-type]
        found = champions.of_participant(conn, person.id)  # type: ignore[arg-type]
        assert found is not None
        return found.id

    champion_id = await web.core.db.write(champion)
    await web.sign_in(Role.VIEWER, "vera")
    page = await (await web.client.get(f"/champions/{champion_id}")).text()
    for shown in ("cy, ur", "evenings, weekends", "Cooking", "No: only answer what they ask"):
        assert shown in page, shown
    assert await web.rows(
        "SELECT action, object_id FROM audit_log WHERE action = 'residents.read'"
    ) == [("residents.read", str(champion_id))]


async def test_a_champion_approved_again_shows_when_they_were_first_approved(web: Web) -> None:
    now = web.clock().isoformat()

    def champion(conn: object) -> int:
        person = participants.find_or_create(conn, "telegram", "557", "557", now)  # type: ignore[arg-type]
        offered = SignUp(("connector",), ("cy",), (), None, True)
        champions.save_signup(conn, person.id, "c-web3", offered, now)  # type: ignore[arg-type]
        found = champions.of_participant(conn, person.id)  # type: ignore[arg-type]
        assert found is not None
        for status, at in (("active", "2025-03-01"), ("ended", "2026-06-01")):
            champions.set_status(conn, found.id, status, at)  # type: ignore[arg-type]
        champions.save_signup(conn, person.id, "c-web3", offered, now)  # type: ignore[arg-type]
        champions.set_status(conn, found.id, "active", now)  # type: ignore[arg-type]
        return found.id

    champion_id = await web.core.db.write(champion)
    await web.sign_in(Role.VIEWER, "vera")
    page = await (await web.client.get(f"/champions/{champion_id}")).text()
    assert "approved 2026-11-25 (first approved 2025-03-01)" in page


async def test_staff_are_invited_given_a_role_and_removed_by_an_admin(web: Web) -> None:
    csrf = await web.sign_in(Role.ADMIN, "amina")
    form = {"csrf": csrf, "role": "viewer", "name": "Vera"}
    # No BOT_USERNAME and no bot run yet: the link would not open the bot, so none is made.
    refused = await (await web.client.post("/staff/invite", data=form)).text()
    assert "Set BOT_USERNAME (your bot&#39;s username, without @)" in refused
    assert await web.rows("SELECT COUNT(*) FROM staff_invites") == [(0,)]
    await web.core.db.write(kept.put, BOT_USERNAME, "riverside_voice_bot", "2026-11-25")
    text = await (await web.client.post("/staff/invite", data=form)).text()
    assert "Invitation 1 to join as viewer" in text
    assert "https://t.me/riverside_voice_bot?start=staff-" in text
    member = await web.core.db.write(
        lambda conn: conn.execute(
            "INSERT INTO staff_members (name, role, added_at, added_by) "
            "VALUES ('Vera', 'viewer', '2026-11-01', 'test') RETURNING id"
        ).fetchone()[0]
    )
    await web.client.post(f"/staff/{member}/role", data={"csrf": csrf, "role": "staff"})
    assert await web.rows("SELECT role FROM staff_members WHERE id = ?", member) == [("staff",)]
    confirm = await (await web.client.get(f"/staff/{member}/remove")).text()
    assert "Remove Vera?" in confirm
    removed = await web.client.post(f"/staff/{member}/remove", data={"csrf": csrf})
    assert "Removed Vera from the staff." in await removed.text()
    assert (await web.rows("SELECT removed_at FROM staff_members WHERE id = ?", member))[0][0]


async def test_population_figures_are_uploaded(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    form = FormData()
    form.add_field("csrf", csrf)
    example = REPO / "examples" / "population.csv"
    form.add_field("file", example.read_bytes(), filename="population.csv")
    response = await web.client.post("/reports/population", data=form)
    assert "population rows from population.csv" in await response.text()
    lines = len(example.read_text().strip().splitlines()) - 1
    assert await web.rows("SELECT COUNT(*) FROM population") == [(lines,)]
    assert await _audited(web, "population.load") == [("web:bryn", "web")]


async def test_an_export_downloads_pseudonymised(web: Web) -> None:
    now = web.clock().isoformat()
    await web.core.db.write(
        lambda conn: participants.find_or_create(conn, "telegram", "8123456789", "8123456789", now)  # type: ignore[arg-type]
    )
    csrf = await web.sign_in(Role.VIEWER, "vera")
    response = await web.client.post(
        "/exports/download", data={"csrf": csrf, "what": "all", "format": "csv"}
    )
    assert response.headers["Content-Disposition"].endswith('-2026-11-25.zip"')
    archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    people = list(csv.DictReader(io.TextIOWrapper(archive.open("participants.csv"), "utf-8")))
    assert [p["participant"][:2] for p in people] == ["p-"]
    assert "8123456789" not in " ".join(archive.read(name).decode() for name in archive.namelist())
    assert await _audited(web, "export.make") == [("web:vera", "web")]
    # GeoJSON of another table: said as the form offers it, and back to the form.
    refused = await web.client.post(
        "/exports/download",
        data={"csrf": csrf, "what": "answers", "format": "geojson"},
        allow_redirects=False,
    )
    assert refused.status == 303 and refused.headers["Location"] == "/exports"
    page = await (await web.client.get("/exports")).text()
    assert "Not done: GeoJSON is a map layer of the verified assets: choose assets" in page
    assert "--what" not in page


async def test_a_place_poster_downloads_as_a_pdf(tmp_path: Path) -> None:
    settings = web_settings(tmp_path, BOT_USERNAME="riverside_voice_bot")
    async with open_core(settings, clock=Clock(), new_code=lambda: CODE) as core:
        dashboard = Dashboard(core)
        made = await dashboard.door.link_for_operator(STAFF, "bryn", Role.STAFF)
        async with TestClient(TestServer(dashboard.application())) as client:
            await client.post(f"/login/{made.token}")
            found = CSRF.search(await (await client.get("/champions")).text())
            assert found is not None
            response = await client.post(
                "/champions/poster",
                data={"csrf": found.group(1), "place": "Riverside Library", "lang": "en,cy"},
            )
            body = await response.read()
    assert response.content_type == "application/pdf" and body.startswith(b"%PDF")
    assert 'poster-riverside-library-en-cy.pdf"' in response.headers["Content-Disposition"]


async def test_residents_words_leave_out_questions_they_skipped(web: Web) -> None:
    now = web.clock().isoformat()

    def answers(conn: object) -> None:
        person = participants.find_or_create(conn, "console", "ann", "ann", now)  # type: ignore[arg-type]
        for value in ('"Near the old mill"', "null"):
            conn.execute(  # type: ignore[attr-defined]
                "INSERT INTO answers (participant_id, flow_id, node_id, key, value_json, "
                "created_at) VALUES (?, 'onboarding', 'area-typed', 'area', ?, ?)",
                (person.id, value, now),
            )

    await web.core.db.write(answers)
    await web.sign_in(Role.VIEWER, "vera")
    page = await (await web.client.get("/words")).text()
    assert '<q class="resident">Near the old mill</q>' in page
    assert page.count('<q class="resident">') == 1
    assert await _audited(web, "residents.read") == [("web:vera", "web")] * 3


async def test_residents_words_show_the_language_they_were_written_in(web: Web) -> None:
    # Ola writes in Polish (her phone's language), then switches to Cymraeg: staff still see
    # "pl" by her words, as that is the translator they need.
    ola = Simulator(web.core.host, Who("console", "ola", "ola", "pl"), io.StringIO())
    await ola.start()
    priorities = ("1", "1", "d", "1", "Basen dla dzieci", "1")
    evaluation = ("3", "1", "4", "4", "Spacery są super", "s")
    for line in ("1", "s", "2", *priorities, *evaluation, "/language", "4"):
        await ola.feed(line)
    await web.sign_in(Role.VIEWER, "vera")

    page = await (await web.client.get("/words")).text()
    metas = re.findall(r'<span class="meta">([^<]*)</span>\s*<q class="resident">([^<]*)</q>', page)
    assert [(meta.rsplit(" · ", 1)[-1], said) for meta, said in metas if " · round " in meta] == [
        ("pl", "Basen dla dzieci")
    ]
    answered = {said: meta.split(" · ")[1] for meta, said in metas if "round" not in meta}
    assert answered == {"Basen dla dzieci": "pl", "Spacery są super": "pl"}
    page = await (await web.client.get("/initiatives/1")).text()
    assert re.search(r"· pl · [^<]*</span>\s*<q class=\"resident\">Spacery są super</q>", page)


async def test_a_suggestion_linked_by_mistake_is_unlinked_on_the_words_page(web: Web) -> None:
    ola = Simulator(web.core.host, Who("console", "ola", "ola", "pl"), io.StringIO())
    await ola.start()
    for line in ("1", "s", "2", "1", "1", "d", "1", "Basen dla dzieci", "1"):
        await ola.feed(line)
    [(suggestion,)] = await web.rows("SELECT id FROM priority_submissions")
    await web.sign_in(Role.VIEWER, "vera")
    assert "/unlink" not in await (await web.client.get("/words")).text()
    csrf = await web.sign_in(Role.STAFF, "bryn")
    await web.client.post(
        f"/words/suggestions/{suggestion}/link", data={"csrf": csrf, "initiative": "2"}
    )
    again = await web.client.post(
        f"/words/suggestions/{suggestion}/link", data={"csrf": csrf, "initiative": "2"}
    )
    assert f"Suggestion {suggestion} is already linked to initiative 2" in await again.text()
    page = await (await web.client.get("/words")).text()
    assert f'action="/words/suggestions/{suggestion}/unlink"' in page
    assert 'aria-label="Unlink from initiative 2"' in page
    gone = await web.client.post(
        f"/words/suggestions/{suggestion}/unlink", data={"csrf": csrf, "initiative": "2"}
    )
    assert f"Unlinked suggestion {suggestion} from initiative 2" in await gone.text()
    assert await web.rows("SELECT COUNT(*) FROM initiative_suggestions") == [(0,)]
    assert await _audited(web, "suggestion.unlink") == [("web:bryn", "web")]
    viewer = await web.sign_in(Role.VIEWER, "vera")
    refused = await web.client.post(
        f"/words/suggestions/{suggestion}/unlink", data={"csrf": viewer, "initiative": "2"}
    )
    assert refused.status == 403


async def test_voice_notes_without_a_recording_say_why_instead_of_a_player(web: Web) -> None:
    now = web.clock().isoformat()

    def voices(conn: object) -> list[int]:
        person = participants.find_or_create(conn, "console", "ann", "ann", now)  # type: ignore[arg-type]
        ids = []
        for file_id in ("console-voice-note", "AwACAgQAAxkBAAIB"):
            row = conn.execute(  # type: ignore[attr-defined]
                "INSERT INTO answers (participant_id, flow_id, node_id, key, value_json, "
                "created_at) VALUES (?, 'priorities', 'other', 'other', ?, ?) RETURNING id",
                (person.id, f'{{"voice": "{file_id}", "duration": 3}}', now),
            ).fetchone()
            ids.append(int(row[0]))
        return ids

    simulated, telegram = await web.core.db.write(voices)
    await web.sign_in(Role.VIEWER, "vera")
    page = await (await web.client.get("/words")).text()
    assert "<audio" not in page  # no channel to fetch recordings from: the simulator
    simulated_item = page[page.index(f'id="voice-{simulated}"') :]
    assert simulated_item.split("</li>")[0].count("Made in the terminal simulator") == 1
    telegram_item = page[page.index(f'id="voice-{telegram}"') :]
    assert "without a Telegram token" in telegram_item.split("</li>")[0]
    assert (await web.client.get(f"/words/voice/{simulated}")).status == 404
    unknown = await web.client.get("/words/voice/999")
    assert unknown.status == 404
    assert "There is no voice note 999. The Words page lists them." in await unknown.text()


async def test_a_broadcasts_progress_counts_people_as_its_preview_did(web: Web) -> None:
    now = web.clock().isoformat()

    def sent_to(conn: object, states: list[str], status: str) -> int:
        """A staff broadcast to everyone, with one ledger row a resident in `states`."""
        row = conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO broadcasts (kind, audience, content, status, created_by, created_at) "
            'VALUES (\'staff\', \'{"type": "everyone", "value": null}\', '
            '\'{"texts": {"en": "Hello"}}\', ?, \'amina\', ?) RETURNING id',
            (status, now),
        ).fetchone()
        for n, state in enumerate(states):
            person = participants.find_or_create(conn, "console", f"b{row[0]}-{n}", "c", now)  # type: ignore[arg-type]
            conn.execute(  # type: ignore[attr-defined]
                "INSERT INTO deliveries (broadcast_id, participant_id, state) VALUES (?, ?, ?)",
                (row[0], person.id, state),
            )
        return int(row[0])

    few = await web.core.db.write(sent_to, ["sent"] * 3, "done")
    many = await web.core.db.write(sent_to, ["sent"] * 12, "done")
    going = await web.core.db.write(sent_to, ["sent"] * 10 + ["queued"] * 2, "sending")
    await web.sign_in(Role.VIEWER, "vera")

    listed = await (await web.client.get("/broadcasts")).text()

    def row(broadcast_id: int) -> str:
        return listed.split(f'href="/broadcasts/{broadcast_id}"')[1].split("</tr>")[0]

    # No bar whose length would give the small counts away; one where it cannot.
    assert row(few).endswith("<td>&lt;5 / &lt;5</td>")
    assert '<td>12 / 12 <progress max="12" value="12"' in row(many)

    page = await (await web.client.get(f"/broadcasts/{few}")).text()
    assert "Sent &lt;5 of &lt;5 · unreachable 0 · failed 0" in page
    assert re.search(r'<progress id="broadcast-progress" hidden', page)
    progress = await (await web.client.get(f"/broadcasts/{few}/progress.json")).json()
    assert progress["total"] == progress["sent"] == "<5" and progress["bar"] is None
    assert progress["text"].splitlines()[1] == "Sent <5 of <5 · unreachable 0 · failed 0"
    assert (progress["failed"], progress["unreachable"], progress["queued"]) == (0, 0, 0)

    progress = await (await web.client.get(f"/broadcasts/{many}/progress.json")).json()
    assert (progress["total"], progress["sent"], progress["bar"]) == (
        12,
        12,
        {"value": 12, "max": 12},
    )
    # The 2 still to go could be worked out from "10 of 12": the sent are hidden too, and
    # the bar moves without a value until it can show one.
    progress = await (await web.client.get(f"/broadcasts/{going}/progress.json")).json()
    assert (progress["total"], progress["sent"], progress["queued"]) == (12, "[c]", "<5")
    assert progress["bar"] is None
    page = await (await web.client.get(f"/broadcasts/{going}")).text()
    assert '<progress id="broadcast-progress" aria-label' in page


async def test_a_round_closed_early_shows_the_day_it_closed(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    [(planned,)] = await web.rows("SELECT substr(closes_at, 1, 10) FROM rounds WHERE id = 1")
    assert (await web.client.get("/rounds")).status == 200
    assert planned in await (await web.client.get("/rounds/1")).text()
    done = await web.client.post("/rounds/1/close", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    [(closed_on,)] = await web.rows("SELECT substr(closed_at, 1, 10) FROM rounds WHERE id = 1")
    assert closed_on != planned
    for path in ("/rounds", "/rounds/1"):
        page = await (await web.client.get(path)).text()
        assert closed_on in page and planned not in page, path


async def test_a_round_for_an_area_nobody_is_in_says_so_on_the_page(web: Web) -> None:
    csrf = await web.sign_in(Role.STAFF, "bryn")
    form = {"csrf": csrf, "closes": "2099-12-20", "area": "Nowhere"}
    opened = await web.client.post("/rounds", data=form, allow_redirects=False)
    assert opened.status == 303 and opened.headers["Location"] == "/rounds/2"
    page = await (await web.client.get("/rounds/2")).text()
    assert '<div class="flash warn" role="status"><p>Warning: no resident is in Nowhere' in page


async def test_a_rounds_page_hides_counts_below_the_configured_threshold(tmp_path: Path) -> None:
    settings = web_settings(tmp_path, SUPPRESS_BELOW="10")
    async with open_core(settings, clock=Clock(), new_code=lambda: CODE) as core:
        topics = [{"en": "Safe streets"}, {"en": "Healthy food"}]
        round_id = await core.desk.open_round(STAFF, "2099-01-31", {"en": "What first?"}, topics)
        # 17 took part: 10 chose safe streets alone, 7 healthy food first, then safe streets.
        people = [["Safe streets"]] * 10 + [["Healthy food", "Safe streets"]] * 7
        await core.db.write(took_part, round_id, people)
        dashboard = Dashboard(core)
        made = await dashboard.door.link_for_operator(STAFF, "vera", Role.VIEWER)
        async with TestClient(TestServer(dashboard.application())) as client:
            await client.post(f"/login/{made.token}")
            page = await (await client.get(f"/rounds/{round_id}")).text()
            svg = await (await client.get(f"/rounds/{round_id}/chart.svg")).text()
    assert "<strong>17</strong>" in page
    cells = re.findall(r'<td class="num">([^<]*)</td>', page.split("<tbody>")[1])
    # Place, chose it, put it first, topic id: 7 put healthy food first, under 10, so every
    # first choice is hidden.
    assert [cells[:3], cells[4:7]] == [["1", "17", "[c]"], ["2", "&lt;10", "[c]"]]
    # The chart says what the table says (matplotlib writes each text drawn as a comment).
    assert "<!-- &lt;10 -->" in svg and "<!-- 7 -->" not in svg


async def _round_page(tmp_path: Path, threshold: int, people: list[list[str]]) -> tuple[str, str]:
    """A round of safe streets, healthy food and bus routes that `people` took part in (see
    `took_part`): its page and chart at SUPPRESS_BELOW=`threshold`."""
    settings = web_settings(tmp_path, SUPPRESS_BELOW=str(threshold))
    async with open_core(settings, clock=Clock(), new_code=lambda: CODE) as core:
        topics = [{"en": "Safe streets"}, {"en": "Healthy food"}, {"en": "Bus routes"}]
        round_id = await core.desk.open_round(STAFF, "2099-01-31", {"en": "What first?"}, topics)
        await core.db.write(took_part, round_id, people)
        dashboard = Dashboard(core)
        made = await dashboard.door.link_for_operator(STAFF, "vera", Role.VIEWER)
        async with TestClient(TestServer(dashboard.application())) as client:
            await client.post(f"/login/{made.token}")
            page = await (await client.get(f"/rounds/{round_id}")).text()
            svg = await (await client.get(f"/rounds/{round_id}/chart.svg")).text()
    return page, svg


def _rows(page: str) -> list[list[str]]:
    """Each topic's place, name, chose it and put it first."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row)[:4] for row in body.split("</tr>")[:-1]]


async def test_a_rounds_page_hides_every_first_choice_when_one_is_small(tmp_path: Path) -> None:
    # 13 took part: 10 put safe streets first alone, 1 bus routes then safe streets, 2 bus
    # routes alone. A "[c]" beside "11 chose it" that could not be 11 said 10, and so 3.
    a, b, c = "Safe streets", "Healthy food", "Bus routes"
    page, _ = await _round_page(tmp_path, 10, [[a]] * 10 + [[c, a]] + [[c]] * 2)
    assert _rows(page) == [
        ["1", a, "11", "[c]"],
        ["2", c, "&lt;10", "[c]"],
        ["3", b, "0", "0"],
    ]
    assert (
        "<caption>Topics are ranked by how many people chose them; when two are level, they "
        "are in the round's own order, since first choices are all hidden when showing them "
        "would give a small number away.</caption>"
    ) in page
    assert HIDDEN_AT_10 in page


async def test_topics_level_on_the_dashboard_keep_the_rounds_order_in_table_and_chart(
    tmp_path: Path,
) -> None:
    # 22 took part: safe streets 11 chose, 9 first; healthy food 11 chose, 10 first; bus
    # routes 3 chose, 3 first. First among equals would put healthy food before safe streets.
    a, b, c = "Safe streets", "Healthy food", "Bus routes"
    people = [[a]] * 9 + [[c, a]] * 2 + [[b]] * 10 + [[c, b]]
    page, svg = await _round_page(tmp_path / "10", 10, people)
    assert _rows(page) == [
        ["1", a, "11", "[c]"],
        ["2", b, "11", "[c]"],
        ["3", c, "&lt;10", "[c]"],
    ]
    assert svg.index(f"<!-- {a} -->") < svg.index(f"<!-- {b} -->")
    # With small numbers off, the firsts are shown, and rank healthy food first (at 3 the 1
    # who put healthy food second would be small).
    page, svg = await _round_page(tmp_path / "1", 1, people)
    assert _rows(page) == [["1", b, "11", "10"], ["2", a, "11", "9"], ["3", c, "3", "3"]]
    assert "[c]" not in page and "the one more people put first comes first." in page
    assert svg.index(f"<!-- {b} -->") < svg.index(f"<!-- {a} -->")


async def _pages(
    tmp_path: Path, threshold: int, people: dict[str | None, list[list[str]]]
) -> dict[str, str]:
    """The overview and a round's page (in English, and in Welsh), and what 'areas' says,
    at SUPPRESS_BELOW=`threshold`, `people` of each area having taken part (see
    `took_part`)."""
    settings = web_settings(tmp_path, SUPPRESS_BELOW=str(threshold))
    async with open_core(settings, clock=Clock(), new_code=lambda: CODE) as core:
        topics = [{"en": "Safe streets"}, {"en": "Healthy food"}]
        round_id = await core.desk.open_round(STAFF, "2099-01-31", {"en": "What first?"}, topics)
        for area, chose in people.items():
            await core.db.write(took_part, round_id, chose, area)
        dashboard = Dashboard(core)
        made = await dashboard.door.link_for_operator(STAFF, "vera", Role.VIEWER)
        async with TestClient(TestServer(dashboard.application())) as client:
            await client.post(f"/login/{made.token}")
            welsh = {"Accept-Language": "cy"}
            return {
                "overview": await (await client.get("/")).text(),
                "round": await (await client.get(f"/rounds/{round_id}")).text(),
                "round cy": await (await client.get(f"/rounds/{round_id}", headers=welsh)).text(),
                "areas": await areas.listing(core.desk, STAFF, threshold=threshold),
            }


# 17 took part: 10 in Riverside put safe streets first, 7 in Hillside healthy food.
SEVENTEEN: dict[str | None, list[list[str]]] = {
    "Riverside": [["Safe streets"]] * 10,
    "Hillside": [["Healthy food", "Safe streets"]] * 7,
}
HIDDEN_AT_10 = (
    '<p class="note">[c]: hidden, so that a count under 10 cannot be worked out from the '
    "others.</p>"
)


async def test_a_rounds_page_says_how_many_must_take_part_before_its_chart(
    tmp_path: Path,
) -> None:
    pages = await _pages(tmp_path, 10, {None: [["Safe streets"]] * 7})
    assert "<strong>&lt;10</strong>" in pages["round"] and 'class="chart"' not in pages["round"]
    assert (
        "<p>No chart yet: fewer than 10 people took part, so no figures are shown.</p>"
        in pages["round"]
    )
    assert "fewer than 5" not in pages["round"]
    assert "<p>Dim siart eto: cymerodd llai na 10 o bobl ran," in pages["round cy"]


async def test_at_5_the_dashboards_chart_is_the_one_residents_get_and_nothing_is_c(
    tmp_path: Path,
) -> None:
    pages = await _pages(tmp_path, 5, SEVENTEEN)
    assert (
        "<figcaption>The chart residents get when the round closes. It updates as answers "
        "come in.</figcaption>"
    ) in pages["round"]
    # 10 and 7 put a topic first, Riverside 10 and Hillside 7: nothing hidden, nothing to say.
    for page in (pages["round"], pages["overview"]):
        assert "[c]" not in page and '<p class="note">' not in page
    assert '<th scope="row">Riverside</th><td class="num">10</td>' in pages["overview"]
    assert '<th scope="row">Hillside</th><td class="num">7</td>' in pages["overview"]
    assert pages["areas"].splitlines()[1:] == [
        "Residents' own words, in no area: Riverside (10); Hillside (7)",
        "Residents taking part: 17.",
    ]


async def test_at_10_the_chart_says_it_hides_more_and_the_pages_say_what_c_is(
    tmp_path: Path,
) -> None:
    pages = await _pages(tmp_path, 10, SEVENTEEN)
    round_page, overview = pages["round"], pages["overview"]
    assert (
        "<figcaption>Like the chart residents get when the round closes, but counts under 10 "
        "are hidden here (residents&#39; charts hide 1 to 4). It updates as answers come in."
        "</figcaption>"
    ) in round_page
    assert "The chart residents get" not in round_page
    # The 7 who put healthy food first are under 10, so every first choice is "[c]", and the
    # page says why, once, after the table.
    assert '<td class="num">[c]</td>' in round_page
    assert round_page.count(HIDDEN_AT_10) == 1
    assert round_page.index("</table>") < round_page.index(HIDDEN_AT_10)
    # The overview's areas add up to all 17: Riverside's 10 is "[c]" beside Hillside's "<10".
    assert '<th scope="row">Riverside</th><td class="num">[c]</td>' in overview
    assert '<th scope="row">Hillside</th><td class="num">&lt;10</td>' in overview
    assert overview.count(HIDDEN_AT_10) == 1
    # 'areas' (the command line and Telegram) hides the same 10: 17 - 10 would give the 7
    # away there too, the total being on the overview.
    assert pages["areas"].splitlines()[1:] == [
        "Residents' own words, in no area: Riverside ([c]); Hillside (<10)",
        "Residents taking part: 17.",
        "[c]: hidden, so that a count under 10 cannot be worked out from the others.",
    ]
    # In Welsh, with the numbers filled in.
    welsh = pages["round cy"]
    assert "ond mae cyfrifon o dan 10 wedi&#39;u cuddio yma" in welsh
    assert "[c]: wedi&#39;i guddio, fel na ellir gweithio allan gyfrif o dan 10" in welsh


def _voted_and_rated(
    conn: Tx, initiative_id: int, measure_id: int, ratings: list[tuple[str, int]]
) -> None:
    """One resident per (period, stars) in `ratings`: each voted for the measure, then rated
    it in that check-in period."""
    now = FIXED_NOW.isoformat()
    for n, (period, stars) in enumerate(ratings):
        who = participants.find_or_create(conn, "telegram", str(700 + n), str(700 + n), now)
        initiatives.save_votes(conn, who.id, initiatives.Votes(initiative_id, (measure_id,)), now)
        rated = initiatives.Evaluation(initiative_id, period, {measure_id: stars})
        initiatives.save_evaluation(conn, who.id, rated, f"{period}T10:00:00+00:00")


async def _initiative_pages(
    tmp_path: Path, threshold: int | None, ratings: list[tuple[str, int]]
) -> dict[str, str]:
    """An initiative's page in English and in Welsh, at SUPPRESS_BELOW=`threshold` (None: not
    set), with two measures: one voted for and rated as `ratings` says, one not at all."""
    extra = {} if threshold is None else {"SUPPRESS_BELOW": str(threshold)}
    async with open_core(web_settings(tmp_path, **extra), clock=Clock()) as core:
        round_id = await core.desk.open_round(STAFF, "2099-01-31", {"en": "What first?"})
        topics = await core.db.read(rounds.topics, round_id)
        lights = await core.desk.create_initiative(STAFF, {"en": "Street lights"}, [topics[0].id])
        measure = await core.desk.add_measure(STAFF, lights, {"en": "Fewer dark corners"})
        await core.desk.add_measure(STAFF, lights, {"en": "More people walk at night"})
        await core.db.write(_voted_and_rated, lights, measure, ratings)
        dashboard = Dashboard(core)
        made = await dashboard.door.link_for_operator(STAFF, "vera", Role.VIEWER)
        async with TestClient(TestServer(dashboard.application())) as client:
            await client.post(f"/login/{made.token}")
            pages = {}
            for language in ("en", "cy"):
                got = await client.get(
                    f"/initiatives/{lights}", headers={"Accept-Language": language}
                )
                assert got.status == 200, await got.text()
                pages[language] = await got.text()
            return pages


def _measures(page: str) -> list[list[str]]:
    """The measures table, row by row: votes, ratings, average, and the stars with the
    check-in periods, as text."""
    table = page.split('id="measures-h"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([" ".join(re.sub("<[^>]+>", " ", cell).split()) for cell in cells[2:6]])
    return rows


OCTOBER, NOVEMBER = "2026-10-01", "2026-11-01"
HIDDEN_AT_5 = (
    '<p class="note">[c]: hidden, so that a count under 5 cannot be worked out from the others.</p>'
)


async def test_an_initiatives_page_hides_counts_below_the_configured_threshold(
    tmp_path: Path,
) -> None:
    # 7 voted for the measure and rated it: under 10, so hidden, and no average.
    pages = await _initiative_pages(tmp_path, 10, [(OCTOBER, 4)] * 7)
    page = pages["en"]
    assert _measures(page) == [["&lt;10", "&lt;10", "-", ""], ["0", "0", "-", ""]]
    assert "Evaluations so far: <strong>&lt;10</strong>." in page
    assert (
        "Ratings are what residents tapped: 1 Very badly, 2 Badly, 3 OK, 4 Well, 5 Very well. "
        "Counts under 10 show as &lt;10, and an average is shown only where none of the "
        "counts of stars behind it would be hidden."
    ) in page
    assert "&lt;5" not in page and "5 ratings" not in page
    assert "[c]" not in page and '<p class="note">' not in page
    assert (
        "Y sgoriau yw&#39;r hyn a dapiodd preswylwyr: 1 Yn wael iawn, 2 Yn wael, 3 Go lew, "
        "4 Yn dda, 5 Yn dda iawn. Dangosir cyfrifon o dan 10 fel &lt;10, a dim ond lle na "
        "fyddai&#39;r un o&#39;r cyfrifon sêr y tu ôl iddo wedi&#39;i guddio y "
        "dangosir cyfartaledd."
    ) in pages["cy"]


async def test_at_5_an_initiatives_page_shows_5_ratings_and_more_as_before(
    tmp_path: Path,
) -> None:
    # 2 gave three stars, 2 four and 3 five: each star's count is small, the 7 are not; an
    # average (7 x 4.1 = 29) would narrow the hidden stars down, so it is not shown.
    pages = await _initiative_pages(
        tmp_path, None, [(OCTOBER, 3)] * 2 + [(OCTOBER, 4)] * 2 + [(OCTOBER, 5)] * 3
    )
    page = pages["en"]
    assert _measures(page) == [
        ["7", "7", "-", "★1 0 · ★2 0 · ★3 &lt;5 · ★4 &lt;5 · ★5 &lt;5"],
        ["0", "0", "-", ""],
    ]
    assert "Evaluations so far: <strong>7</strong>." in page
    assert (
        "Counts under 5 show as &lt;5, and an average is shown only where none of the counts "
        "of stars behind it would be hidden."
    ) in page
    assert "[c]" not in page and '<p class="note">' not in page


async def test_a_star_count_the_total_would_give_away_is_c_and_said_so(tmp_path: Path) -> None:
    # 7 ratings: 2 of four stars and 5 of five; 7 - 5 would give the 2 away, and so would
    # the average (7 x 4.7 = 33 = 4a + 5(7 - a): a = 2), so it is not shown.
    pages = await _initiative_pages(tmp_path, None, [(OCTOBER, 4)] * 2 + [(OCTOBER, 5)] * 5)
    page = pages["en"]
    assert _measures(page)[0] == ["7", "7", "-", "★1 0 · ★2 0 · ★3 0 · ★4 &lt;5 · ★5 [c]"]
    assert page.count(HIDDEN_AT_5) == 1
    assert page.index('id="measures-h"') < page.index("</table>") < page.index(HIDDEN_AT_5)


async def test_a_check_in_period_the_total_would_give_away_is_c_with_no_average(
    tmp_path: Path,
) -> None:
    # At 10: 12 rated five stars in October, 7 four in November. November's 7 is "<10";
    # 19 - 12 would give it away, and so would October's average beside the overall one, and
    # the overall average beside the stars (19 x 4.6 = 88 = 4a + 5(19 - a): a = 7).
    pages = await _initiative_pages(tmp_path, 10, [(OCTOBER, 5)] * 12 + [(NOVEMBER, 4)] * 7)
    [rated, _] = _measures(pages["en"])
    assert rated == [
        "19",
        "19",
        "-",
        f"★1 0 · ★2 0 · ★3 0 · ★4 &lt;10 · ★5 [c] from {OCTOBER}: [c] from {NOVEMBER}: &lt;10",
    ]
    assert "average 5.0" not in pages["en"] and "4.6" not in pages["en"]
    assert pages["en"].count(HIDDEN_AT_10) == 1
    assert "[c]: wedi&#39;i guddio, fel na ellir gweithio allan gyfrif o dan 10" in pages["cy"]


async def test_no_average_that_would_undo_a_hidden_star_is_on_an_initiatives_page(
    tmp_path: Path,
) -> None:
    # 2 four stars and 8 five: 10 x 4.8 = 48 = 4a + 5(10 - a) would give a = 2 away.
    pages = await _initiative_pages(tmp_path, 5, [(OCTOBER, 4)] * 2 + [(OCTOBER, 5)] * 8)
    assert _measures(pages["en"])[0] == [
        "10",
        "10",
        "-",
        "★1 0 · ★2 0 · ★3 0 · ★4 &lt;5 · ★5 [c]",
    ]
    assert "4.8" not in pages["en"] and "4.8" not in pages["cy"]


async def test_an_average_beside_stars_none_hidden_is_on_an_initiatives_page(
    tmp_path: Path,
) -> None:
    # 5 four stars and 6 five (October 5 of each, November one five): nothing small overall,
    # but November's 1 is "<5" (and October's 10 "[c]"), so no period has an average.
    ratings = [(OCTOBER, 4)] * 5 + [(OCTOBER, 5)] * 5 + [(NOVEMBER, 5)]
    pages = await _initiative_pages(tmp_path, 5, ratings)
    assert _measures(pages["en"])[0] == [
        "11",
        "11",
        "4.5",
        f"★1 0 · ★2 0 · ★3 0 · ★4 5 · ★5 6 from {OCTOBER}: [c] from {NOVEMBER}: &lt;5",
    ]


async def test_a_periods_average_that_would_give_its_stars_away_is_not_on_the_page(
    tmp_path: Path,
) -> None:
    # October: 1 four stars and 4 five, an average of 4.8: exactly one four that month.
    # November's 5 five stars would be safe alone, but periods have averages all or none.
    ratings = [(OCTOBER, 4)] + [(OCTOBER, 5)] * 4 + [(NOVEMBER, 5)] * 5
    pages = await _initiative_pages(tmp_path, 5, ratings)
    assert _measures(pages["en"])[0] == [
        "10",
        "10",
        "-",
        f"★1 0 · ★2 0 · ★3 0 · ★4 &lt;5 · ★5 [c] from {OCTOBER}: 5 from {NOVEMBER}: 5",
    ]
    # With every period safe, each has its average.
    ratings = [(OCTOBER, 4)] * 5 + [(NOVEMBER, 5)] * 5
    pages = await _initiative_pages(tmp_path / "safe", 5, ratings)
    assert _measures(pages["en"])[0] == [
        "10",
        "10",
        "4.5",
        f"★1 0 · ★2 0 · ★3 0 · ★4 5 · ★5 5 from {OCTOBER}: 5, average 4.0 from {NOVEMBER}: "
        "5, average 5.0",
    ]


async def test_with_small_numbers_switched_off_an_initiatives_page_hides_nothing(
    tmp_path: Path,
) -> None:
    # A measure nobody has rated has no average, rather than a page that fails.
    pages = await _initiative_pages(tmp_path, 0, [(OCTOBER, 4)] * 3)
    assert _measures(pages["en"]) == [
        ["3", "3", "4.0", "★1 0 · ★2 0 · ★3 0 · ★4 3 · ★5 0"],
        ["0", "0", "-", ""],
    ]
    assert (
        "Ratings are what residents tapped: 1 Very badly, 2 Badly, 3 OK, 4 Well, 5 Very well. "
        "No counts are hidden." in pages["en"]
    )
    # In the words Welsh residents tap ("😞 Yn wael iawn" ... "😀 Yn dda iawn").
    assert (
        "Y sgoriau yw&#39;r hyn a dapiodd preswylwyr: 1 Yn wael iawn, 2 Yn wael, 3 Go lew, "
        "4 Yn dda, 5 Yn dda iawn. Nid oes unrhyw gyfrifon wedi&#39;u cuddio." in pages["cy"]
    )


def _in_area(conn: Tx, area: str, count: int) -> None:
    """`count` residents taking part who gave `area`."""
    now = FIXED_NOW.isoformat()
    conn.executemany(
        "INSERT INTO participants (channel, channel_user_id, chat_id, area, consent_at, "
        "created_at) VALUES ('console', ?, ?, ?, ?, ?)",
        [(f"{area}-{n}", f"{area}-{n}", area, now, now) for n in range(count)],
    )


async def test_the_audit_log_keeps_no_count_of_the_residents_an_area_took_in(
    tmp_path: Path,
) -> None:
    """At SUPPRESS_BELOW=10 area-add says "<10" of the 7 in Splott; the audit log, on its
    page and exported, says nothing of how many."""
    settings = web_settings(tmp_path, SUPPRESS_BELOW="10")
    async with open_core(settings, clock=Clock(), new_code=lambda: CODE) as core:
        await core.db.write(_in_area, "Splott", 7)
        said = await areas.add(core.desk, STAFF, {"en": "Splott"}, threshold=10)
        assert said.endswith("Residents in it (as they gave their area, or now matched): <10.")
        dashboard = Dashboard(core)
        made = await dashboard.door.link_for_operator(STAFF, "vera", Role.VIEWER)
        async with TestClient(TestServer(dashboard.application())) as client:
            await client.post(f"/login/{made.token}")
            page = await (await client.get("/audit")).text()
            csrf = CSRF.search(await (await client.get("/exports")).text())
            assert csrf is not None
            response = await client.post(
                "/exports/download",
                data={"csrf": csrf.group(1), "what": "audit_log", "format": "csv"},
            )
            exported = list(csv.DictReader(io.StringIO(await response.text())))
    [row] = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "area.add" in r]
    assert "residents" not in row and "7" not in row.split("area 1")[1]
    [entry] = [e for e in exported if e["action"] == "area.add"]
    assert json.loads(entry["after"]) == {"name": {"en": "Splott"}, "aliases": [], "districts": []}


async def test_a_number_that_is_not_there_gets_a_page_not_bare_text(web: Web) -> None:
    await web.sign_in(Role.ADMIN, "amina")
    for path in ("/rounds/99", "/broadcasts/99", "/staff/99/remove"):
        response = await web.client.get(path)
        page = await response.text()
        assert response.status == 404, path
        assert "<h1>Not found</h1>" in page and "There is nothing at this address" in page
        assert '<a href="/">Back to the overview</a>' in page
