"""Golden transcripts: tests/transcripts/<flow>.<case>.yaml, discovered by file name.

Each file lists the lines a resident types into the terminal simulator and exactly what the
bot prints back, turn by turn, plus the rows that must be stored at the end. A line
`#restart` closes the database and opens it again, as a process restart would.
Set UPDATE_TRANSCRIPTS=1 to rewrite the expected output after a deliberate wording change,
then read the diff before committing.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.console.simulator import Simulator
from bot.conversation import Conversation, Who
from bot.engagement.hooks import Hooks
from bot.engagement.staff import Staff
from bot.flows.registry import FlowRegistry
from bot.i18n.catalogs import Catalogs
from bot.store.engagement import Engagement
from bot.store.repository import Store
from tests.conftest import fixed_clock

HERE = Path(__file__).parent / "transcripts"
CASES = sorted(HERE.glob("*.yaml"))


class _Literal(str):
    pass


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


yaml.SafeDumper.add_representer(_Literal, _literal)


async def _play(
    case: dict[str, Any], db: Path, flows: FlowRegistry, catalogs: Catalogs
) -> tuple[list[str], Store]:
    who = Who(
        "console", case.get("user", "resident"), case.get("user", "resident"), case.get("lang")
    )
    store = await Store.open(db)
    outputs: list[str] = []

    def simulator(s: Store) -> tuple[Simulator, io.StringIO]:
        buffer = io.StringIO()
        conv = Conversation(
            s,
            flows,
            catalogs,
            clock=fixed_clock,
            organisation="Riverside Health Team",
            hooks=Hooks(Engagement(s), new_code=lambda: "c-transcript-code"),
        )
        return Simulator(conv, who, buffer, echo_input=False), buffer

    staff = Staff(Engagement(store), fixed_clock)
    if case.get("setup") == "demo":
        await staff.seed_demo()
    sim, buffer = simulator(store)
    await sim.start(case.get("flow_start"))
    for turn in case["turns"]:
        typed = turn["input"]
        if typed == "#restart":
            await store.close()
            store = await Store.open(db)
            sim, buffer = simulator(store)
            await sim.start()
        elif typed.startswith("#approve-champion "):
            await Staff(Engagement(store), fixed_clock).set_champion(int(typed.split()[1]))
        else:
            await sim.feed(typed)
        outputs.append(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    return outputs, store


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_transcript(
    path: Path, tmp_path: Path, flows: FlowRegistry, catalogs: Catalogs
) -> None:
    case = yaml.safe_load(path.read_text("utf-8"))
    outputs, store = await _play(case, tmp_path / "t.sqlite3", flows, catalogs)
    try:
        stored = await _stored(store, case.get("user", "resident"))
    finally:
        await store.close()
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


async def _stored(store: Store, user: str) -> dict[str, Any]:
    """The participant's row and answers, in a form stable enough to compare."""
    participant = await store.find_participant("console", user)
    if participant is None:
        return {"participant": None}
    answers = await store.answers_for(participant.id)
    stored: dict[str, Any] = {
        "participant": {
            "locale": participant.locale,
            "area": participant.area,
            "consent_at": participant.consent_at,
        },
        "answers": [{a.key: a.value} for a in answers],
    }
    # Rows the flows wrote in the engagement tables, without ids and times.
    export = await store.export_participant(participant.id)
    for table, rows in export.items():
        if table in ("participants", "sessions", "answers") or not rows:
            continue
        stored[table] = [{k: v for k, v in row.items() if not _noise(k)} for row in rows]
    return stored


def _noise(column: str) -> bool:
    return column in ("id", "participant_id", "submission_id", "evaluation_id", "code") or (
        column.endswith("_at")
    )
