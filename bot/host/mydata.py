"""/mydata: a copy of everything kept about a resident that a person can read: their rows
table by table with the values as they are, what the numbers point to in their language,
and a few lines saying what the file is."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.store import participants
from bot.store.db import Tx

ABOUT = N_(
    "This file holds everything we keep about you, table by table. “id” and “participant_id” "
    "are your number in our records: they are not your phone number or your name. Other "
    "numbers ending in “_id” point to a question, a topic, a project or a measure: “names” at "
    "the end says what each one is. Times are in UTC."
)


def readable(conn: Tx, participant_id: int, tr: Translator) -> dict[str, Any]:
    """The resident's rows, what their numbers stand for, and what the file is."""
    tables = {
        table: [_decoded(row) for row in rows]
        for table, rows in participants.export(conn, participant_id).items()
    }
    names: dict[str, dict[int, str]] = {}
    for column in participants.NAMED:
        ids = {
            int(row[column])
            for rows in tables.values()
            for row in rows
            if isinstance(row.get(column), int)
        }
        if ids:
            found = participants.texts_of(conn, column, ids)
            names[column] = {i: tr.pick(found[i]) for i in sorted(found)}
    return {"about": tr.gettext(ABOUT), "tables": tables, "names": names}


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {
        column: _value(value) if column in participants.JSON_COLUMNS else value
        for column, value in row.items()
    }


def _value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # not JSON after all: show it as it is
