"""Golden transcripts: tests/transcripts/<flow>.<case>.yaml, discovered by file name.

Each file lists the lines a resident types into the terminal simulator and exactly what the
bot prints back, turn by turn, plus the rows that must be stored at the end. A line
`#restart` closes the database and opens it again, as a process restart would.
A line `#admin ARGS` runs `community-voice admin ARGS` as staff would (through the command
line's own parser), its answer shown as `staff>` lines, e.g. `#admin area-add Riverside
--districts CF10`.
Set UPDATE_TRANSCRIPTS=1 to rewrite the expected output after a deliberate wording change,
then read the diff before committing.
"""

from __future__ import annotations

import io
import os
import shlex
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.admin_cli import on_desk
from bot.cli import parser
from bot.console.simulator import Simulator
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from bot.host.steps import Who
from bot.i18n.catalogs import Catalogs
from bot.staff.actor import StaffError
from bot.staff.desk import StaffDesk
from bot.store import participants, sessions
from bot.store.db import Database
from tests.conftest import STAFF, fixed_clock, make_host

HERE = Path(__file__).parent / "transcripts"
CASES = sorted(HERE.glob("*.yaml"))


class _Literal(str):
    pass


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


yaml.SafeDumper.add_representer(_Literal, _literal)


async def _play(
    case: dict[str, Any], path: Path, flows: FlowLibrary, catalogs: Catalogs, hooks: Registry
) -> tuple[list[str], Database]:
    who = Who(
        "console", case.get("user", "resident"), case.get("user", "resident"), case.get("lang")
    )
    db = await Database.open(path)
    outputs: list[str] = []

    def simulator(database: Database) -> tuple[Simulator, io.StringIO]:
        buffer = io.StringIO()
        host = make_host(database, flows, catalogs, hooks)
        return Simulator(host, who, buffer, echo_input=False), buffer

    if case.get("setup") == "demo":
        await StaffDesk(db, fixed_clock).seed_demo(STAFF)
    sim, buffer = simulator(db)
    await sim.start(case.get("flow_start"))
    for turn in case["turns"]:
        typed = turn["input"]
        if typed == "#restart":
            await db.close()
            db = await Database.open(path)
            sim, buffer = simulator(db)
            await sim.start()
        elif typed.startswith("#approve-champion "):
            await StaffDesk(db, fixed_clock).set_champion(STAFF, int(typed.split()[1]))
        elif typed.startswith("#admin "):
            await _admin(StaffDesk(db, fixed_clock, catalogs.available()), typed, buffer)
        else:
            await sim.feed(typed)
        outputs.append(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    return outputs, db


async def _admin(desk: StaffDesk, typed: str, out: io.StringIO) -> None:
    args = parser().parse_args(["admin", *shlex.split(typed.removeprefix("#admin "))])
    try:
        said = await on_desk(desk, STAFF, args, threshold=5)
    except StaffError as exc:
        said = f"Not done: {exc}"
    out.write("".join(f"staff> {line}\n" for line in said.splitlines()))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_transcript(
    path: Path, tmp_path: Path, flows: FlowLibrary, catalogs: Catalogs, hooks: Registry
) -> None:
    case = yaml.safe_load(path.read_text("utf-8"))
    outputs, db = await _play(case, tmp_path / "t.sqlite3", flows, catalogs, hooks)
    try:
        stored = await db.read(_stored, case.get("user", "resident"))
    finally:
        await db.close()
    if os.environ.get("UPDATE_TRANSCRIPTS"):
        for turn, out in zip(case["turns"], outputs, strict=True):
            turn["output"] = _Literal(out)
        case["stored"] = stored
        path.write_text(
            yaml.safe_dump(case, allow_unicode=True, sort_keys=False, width=200), "utf-8"
        )
        return
    for number, (turn, out) in enumerate(zip(case["turns"], outputs, strict=True), start=1):
        assert out == turn["output"], f"turn {number} (input {turn['input']!r}) differs"
    assert stored == case["stored"]


def _stored(conn: sqlite3.Connection, user: str) -> dict[str, Any]:
    """The participant's row and answers, in a form stable enough to compare."""
    participant = participants.find(conn, "console", user)
    if participant is None:
        return {"participant": None}
    answers = sessions.answers_for(conn, participant.id)
    stored: dict[str, Any] = {
        "participant": {
            "locale": participant.locale,
            "area": participant.area,
            "consent_at": participant.consent_at,
        },
        "answers": [{a.key: a.value} for a in answers],
    }
    # Rows the flows wrote in the engagement tables, without ids and times.
    export = participants.export(conn, participant.id)
    for table, rows in export.items():
        if table in ("participants", "sessions", "answers") or not rows:
            continue
        stored[table] = [{k: v for k, v in row.items() if not _noise(k)} for row in rows]
    return stored


def _noise(column: str) -> bool:
    return column in ("id", "participant_id", "submission_id", "evaluation_id", "code") or (
        column.endswith("_at")
    )
