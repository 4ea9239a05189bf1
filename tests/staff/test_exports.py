"""Exports as an analyst and the JSNA team get them: pseudonyms stable across exports, no
Telegram id anywhere in any file, typed XLSX columns, and a map layer that respects consent."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.staff.actor import StaffError
from bot.staff.desk import StaffDesk
from bot.staff.exports import TABLES, export
from bot.store.db import Database, Tx
from tests.conftest import STAFF
from tests.staff.test_report_measures import T0, insert, person, texts

# Telegram-looking ids, chosen so that they cannot turn up by chance in any other value.
USERS = (7301234567, 7307654321)
CHATS = (-1009876543210, -1001234509876)


def _world(conn: Tx) -> None:
    people = []
    for user, chat in zip(USERS, CHATS, strict=True):
        people.append(
            insert(
                conn,
                "participants",
                channel="telegram",
                channel_user_id=str(user),
                chat_id=str(chat),
                area="Riverside",
                consent_at=T0,
                created_at=T0,
            )
        )
    for p in people:
        insert(
            conn,
            "answers",
            participant_id=p,
            flow_id="onboarding",
            node_id="age",
            key="age_band",
            value_json='"18-24"',
            created_at=T0,
        )
    insert(
        conn,
        "answers",
        participant_id=people[0],
        flow_id="assets",
        node_id="where",
        key="where",
        value_json='{"latitude": 51.481634, "longitude": -3.179121}',
        created_at=T0,
    )
    insert(
        conn,
        "answers",
        participant_id=people[1],
        flow_id="priorities",
        node_id="other",
        key="other",
        value_json='{"voice": "AwACAgQAAxkBAAIB-secret-file", "duration": 9}',
        created_at=T0,
    )
    insert(
        conn,
        "answers",
        participant_id=people[1],
        flow_id="priorities",
        node_id="other2",
        key="other",
        value_json='"=HYPERLINK(\\"http://x\\")"',
        created_at=T0,
    )
    for n, (exact, contact, status) in enumerate(
        (
            (True, True, "verified"),
            (False, True, "verified"),
            (False, False, "verified"),
            (False, True, "new"),
        )
    ):
        insert(
            conn,
            "assets",
            participant_id=people[n % 2],
            category="facilities",
            what=json.dumps(f"Hall {n}"),
            latitude=51.481634,
            longitude=-3.179121,
            place="12 Elm Street" if n == 1 else None,
            share_exact=int(exact),
            may_contact=int(contact),
            status=status,
            created_at=T0,
            reviewed_at=T0,
        )
    champion = insert(
        conn,
        "champions",
        participant_id=people[0],
        code="c-secretcode1",
        status="active",
        created_at=T0,
    )
    insert(
        conn,
        "referrals",
        participant_id=people[1],
        champion_id=champion,
        code="c-secretcode1",
        created_at=T0,
    )
    broadcast = insert(
        conn,
        "broadcasts",
        kind="reminder",
        audience=json.dumps({"type": "participants", "value": people}),
        content="{}",
        status="done",
        created_at=T0,
        created_by=f"tg:{USERS[0]}",
        status_chat_id=str(CHATS[0]),
        status_message_id=4242,
    )
    for p in people:
        insert(conn, "deliveries", broadcast_id=broadcast, participant_id=p, state="sent")
    insert(
        conn,
        "audit_log",
        at=T0,
        actor=f"tg:{USERS[0]}",
        role="admin",
        channel="telegram",
        action="round.open",
    )


def _all_text(path: Path) -> str:
    """Everything in an export file, as text (every sheet, every zipped file)."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        try:
            return "\n".join(
                repr(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
            )
        finally:
            book.close()  # read-only keeps the file open until closed
    return path.read_text("utf-8")


async def _export(desk: StaffDesk, tmp_path: Path, what: str, fmt: str, name: str) -> Path:
    path = tmp_path / name
    await export(desk, STAFF, what, fmt, path, threshold=5)
    return path


async def test_no_telegram_id_chat_id_or_code_in_any_export(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    await db.write(_world)
    files = [
        await _export(desk, tmp_path, "all", f, f"all.{s}")
        for f, s in (("csv", "zip"), ("xlsx", "xlsx"))
    ]
    files += [await _export(desk, tmp_path, t, "csv", f"{t}.csv") for t in TABLES]
    files.append(await _export(desk, tmp_path, "assets", "geojson", "assets.geojson"))
    for path in files:
        text = _all_text(path)
        for secret in (*map(str, USERS + CHATS), "secret-file", "c-secretcode1", "4242"):
            assert secret not in text, (path.name, secret)
    everything = _all_text(files[0])
    assert "(voice note, 9 s)" in everything
    assert "51.48,-3.18" in everything  # a location answer, rounded
    assert "tg:former-staff" in everything or "tg:staff#" in everything


async def test_pseudonyms_are_stable_across_exports_and_join_the_tables(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    await db.write(_world)
    first = await _export(desk, tmp_path, "participants", "csv", "a.csv")
    second = await _export(desk, tmp_path, "participants", "csv", "b.csv")
    answers = await _export(desk, tmp_path, "answers", "csv", "answers.csv")
    ids = [r["participant"] for r in csv.DictReader(io.StringIO(first.read_text()))]
    assert len(ids) == 2 and all(i.startswith("p-") and len(i) == 18 for i in ids)
    assert ids == [r["participant"] for r in csv.DictReader(io.StringIO(second.read_text()))]
    assert {r["participant"] for r in csv.DictReader(io.StringIO(answers.read_text()))} == set(ids)
    # Another secret, other pseudonyms: they are keyed, not a plain hash of the id.
    other = tmp_path / "c.csv"
    await export(desk, STAFF, "participants", "csv", other, secret="x" * 32)
    assert not set(ids) & {r["participant"] for r in csv.DictReader(io.StringIO(other.read_text()))}


async def test_xlsx_has_a_typed_sheet_per_table_with_a_frozen_header(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    await db.write(_world)
    book = load_workbook(await _export(desk, tmp_path, "all", "xlsx", "all.xlsx"))
    assert book.sheetnames == list(TABLES)
    answers = book["answers"]
    assert answers.freeze_panes == "A2"
    header = [c.value for c in answers[1]]
    first = dict(zip(header, [c.value for c in answers[2]], strict=True))
    assert isinstance(first["id"], int) and isinstance(first["created_at"], datetime)
    formula = next(r for r in answers.iter_rows(values_only=True) if str(r[6]).startswith("="))
    assert answers.cell(row=answers.max_row, column=7).data_type == "s", formula
    broadcasts = book["broadcasts"]
    row = dict(zip([c.value for c in broadcasts[1]], [c.value for c in broadcasts[2]], strict=True))
    assert json.loads(row["audience"]) == {"type": "participants", "value": "2 people"}
    assert (row["sent"], row["recipients"]) == ("<5", "<5")  # 2 people: suppressed


async def test_geojson_has_verified_consenting_assets_at_about_a_kilometre(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    await db.write(_world)
    layer = json.loads(
        (await _export(desk, tmp_path, "assets", "geojson", "a.geojson")).read_text()
    )
    features = {f["properties"]["what"]: f for f in layer["features"]}
    assert set(features) == {"Hall 0", "Hall 1"}  # verified, and the nominator may be contacted
    assert features["Hall 0"]["geometry"]["coordinates"] == [-3.179121, 51.481634]
    assert features["Hall 0"]["properties"]["location"] == "exact"
    assert features["Hall 1"]["geometry"]["coordinates"] == [-3.18, 51.48]
    assert features["Hall 1"]["properties"]["place"] is None  # the typed address is withheld


async def test_exports_are_audited_and_checked(
    db: Database, desk: StaffDesk, tmp_path: Path
) -> None:
    await _export(desk, tmp_path, "answers", "xlsx", "a.xlsx")
    rows = await db.read(
        lambda c: c.execute("SELECT action, object_id, after FROM audit_log").fetchall()
    )
    assert [tuple(r) for r in rows] == [("export.make", "answers", '{"format": "xlsx"}')]
    with pytest.raises(StaffError, match="GeoJSON is for assets only"):
        await export(desk, STAFF, "answers", "geojson", tmp_path / "x")


# -- the language residents' words were written in ------------------------------------


def _languages_world(conn: Tx) -> None:
    """Ana answered in Polish and has since switched to English; Bryn's rows are from before
    the language was kept (migration 0014), so they have none and he reads Welsh now; Cai's
    rows have none and neither does he."""
    ana = person(conn, 1)
    bryn = person(conn, 2)
    cai = person(conn, 3)
    conn.execute("UPDATE participants SET locale = 'en' WHERE id = ?", (ana,))
    conn.execute("UPDATE participants SET locale = 'cy' WHERE id = ?", (bryn,))
    round_id = insert(
        conn,
        "rounds",
        question=texts("Q"),
        opens_at=T0,
        closes_at=T0,
        status="closed",
        created_at=T0,
    )
    topic = insert(conn, "topics", round_id=round_id, key="k", label=texts("K"), position=1)
    initiative = insert(
        conn, "initiatives", title=texts("I"), status="active", created_at=T0, updated_at=T0
    )
    measure = insert(
        conn,
        "measures",
        initiative_id=initiative,
        text=texts("m"),
        status="adopted",
        created_at=T0,
    )
    for who, locale, words in ((ana, "pl", "Więcej ławek"), (bryn, None, "Mwy o feinciau")):
        insert(
            conn,
            "answers",
            participant_id=who,
            flow_id="priorities",
            node_id="other",
            key="other",
            value_json=json.dumps(words, ensure_ascii=False),
            locale=locale,
            created_at=T0,
        )
        submission = insert(
            conn,
            "priority_submissions",
            participant_id=who,
            round_id=round_id,
            other=json.dumps(words, ensure_ascii=False),
            locale=locale,
            submitted_at=T0,
            updated_at=T0,
        )
        insert(
            conn,
            "priority_choices",
            submission_id=submission,
            participant_id=who,
            round_id=round_id,
            topic_id=topic,
            rank=1,
        )
        evaluation = insert(
            conn,
            "evaluations",
            participant_id=who,
            initiative_id=initiative,
            period="2026-06-01",
            worked=json.dumps(words, ensure_ascii=False),
            locale=locale,
            created_at=T0,
        )
        insert(
            conn,
            "evaluation_ratings",
            evaluation_id=evaluation,
            participant_id=who,
            measure_id=measure,
            rating=4,
        )
    insert(
        conn,
        "answers",
        participant_id=cai,
        flow_id="onboarding",
        node_id="age",
        key="age_band",
        value_json='"18-24"',
        created_at=T0,
    )


def _sheets(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table of an `all` export (a zip of CSV files or a workbook) as rows by header."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return {
                name.removesuffix(".csv"): list(
                    csv.DictReader(io.StringIO(archive.read(name).decode("utf-8")))
                )
                for name in archive.namelist()
            }
    book = load_workbook(path)  # not read-only: that would cut rows' empty last cells
    tables = {}
    for sheet in book.worksheets:
        header, *rows = sheet.iter_rows(values_only=True)
        tables[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows]
    return tables


# Table -> the column the language follows: the words it describes (a choice or a rating
# takes its submission's or evaluation's language, after its last column).
WORDS = {
    "answers": "value",
    "priority_submissions": "other",
    "priority_choices": "rank",
    "evaluations": "better",
    "evaluation_ratings": "rating",
}


@pytest.mark.parametrize(("fmt", "name"), [("csv", "all.zip"), ("xlsx", "all.xlsx")])
async def test_residents_words_are_exported_with_the_language_they_were_written_in(
    db: Database, desk: StaffDesk, tmp_path: Path, fmt: str, name: str
) -> None:
    await db.write(_languages_world)
    tables = _sheets(await _export(desk, tmp_path, "all", fmt, name))
    now = {r["participant"]: r["locale"] for r in tables["participants"]}
    ana, bryn, cai = now  # in id order, as pseudonyms
    assert all(p.startswith("p-") for p in now)
    assert (now[ana], now[bryn], now[cai] or None) == ("en", "cy", None)  # CSV: ""
    for table, words in WORDS.items():
        header = list(tables[table][0])
        assert header.index("language") == header.index(words) + 1, table
        written = {r["participant"]: r["language"] for r in tables[table]}
        # Ana's words are Polish though she reads English now; Bryn's, from before the
        # language was kept, are read in his language now, as staff see them; Cai's in English.
        expected = {ana: "pl", bryn: "cy"} | ({cai: "en"} if table == "answers" else {})
        assert written == expected, table
    assert {r["value"] for r in tables["answers"]} == {"Więcej ławek", "Mwy o feinciau", "18-24"}
