"""How each exported column is shown: typed values, participants as pseudonyms, staff texts in
English with every language alongside, voice notes and exact places withheld, and counts of
people suppressed like everywhere else.

A shaper turns one row of a bot/store/exports query into the exported row. Times stay ISO
text here (CSV); the XLSX writer turns them into dates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.staff import listings, suppress
from bot.staff.pseudonym import Pseudonyms
from bot.store import rounds

Row = tuple[Any, ...]
COARSE = 2  # decimal places kept of a location without consent: about 1 km
TIME = "time"  # column type the XLSX writer turns into a date and time (UTC)
STAFF_TG = re.compile(r"\btg:(\d+)\b")
STATES = ("queued", "sending", "sent", "failed", "unreachable")


@dataclass(frozen=True, slots=True)
class Shape:
    """The exported columns (and which hold times) and how to make a row."""

    columns: tuple[str, ...]
    times: frozenset[int]
    row: Callable[[Row], list[Any]]


def resident_value(value: Any) -> Any:
    """A resident's answer as it may leave: voice notes and typed places withheld, shared
    locations rounded to about 1 km, lists and the rest as JSON text."""
    if isinstance(value, dict):
        if "voice" in value:
            return f"(voice note, {value.get('duration', '?')} s)"
        if "latitude" in value and "longitude" in value:
            return f"{round(value['latitude'], COARSE)},{round(value['longitude'], COARSE)}"
        if "place" in value:
            return "(place withheld: see the assets export)"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


def stored_value(stored: str | None) -> Any:
    """A stored JSON answer, shaped by `resident_value`."""
    return None if stored is None else resident_value(json.loads(stored))


def english(stored: str | None) -> str:
    """Staff texts (JSON locale -> text) in English, else the first language."""
    if not stored:
        return ""
    value = json.loads(stored)
    if isinstance(value, dict):
        if "voice" in value and len(value) == 1:
            return "(voice note)"
        return str(value.get("en") or next(iter(value.values()), ""))
    return str(value)


def languages(stored: str | None) -> str:
    """Every language of staff texts, as JSON (voice notes withheld)."""
    if not stored:
        return ""
    value = json.loads(stored)
    if isinstance(value, dict) and "voice" in value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class Shaper:
    """Shapes for every export, with the export's pseudonyms, threshold and staff names."""

    def __init__(self, pseudonyms: Pseudonyms, threshold: int, staff: dict[int, int]) -> None:
        self.pseudonym = pseudonyms
        self.threshold = threshold
        self.staff = staff

    def staff_name(self, text: str | None) -> str | None:
        """Text naming staff by Telegram id (older audit entries), with the id replaced by
        the staff member's number: no Telegram id leaves in an export."""
        if text is None:
            return None

        def named(match: re.Match[str]) -> str:
            member = self.staff.get(int(match.group(1)))
            return f"tg:staff#{member}" if member is not None else "tg:former-staff"

        return STAFF_TG.sub(named, text)

    def shape(self, name: str, columns: Sequence[str]) -> Shape:
        """How the export `name` (whose query gives `columns`) is shown."""
        at = {c: i for i, c in enumerate(columns)}
        special = getattr(self, f"_{name}", None)
        if special is not None:
            out, shaped_row = special(at)
            return Shape(tuple(out), _times(out), shaped_row)
        convert: list[Callable[[Any], Any]] = []
        out = []
        for column in columns:
            kind = KINDS.get(column, "")
            if kind == "texts":
                out += [column, f"{column}_all_languages"]
            else:
                out.append(column)
            convert.append(self._converter(kind))
        texts = [KINDS.get(c) == "texts" for c in columns]

        def row(values: Row) -> list[Any]:
            shaped: list[Any] = []
            for value, fn, is_texts in zip(values, convert, texts, strict=True):
                if is_texts:
                    shaped += [english(value), languages(value)]
                else:
                    shaped.append(fn(value))
            return shaped

        return Shape(tuple(out), _times(out), row)

    def _converter(self, kind: str) -> Callable[[Any], Any]:
        if kind == "pseudonym":
            return self.pseudonym
        if kind == "value":
            return stored_value
        if kind == "bool":
            return lambda v: None if v is None else bool(v)
        if kind == "staff":
            return self.staff_name
        if kind == "people":
            return lambda v: _people(v, self.threshold)
        return _same

    # -- exports needing more than one column at a time ----------------------------------

    def _assets(self, at: dict[str, int]) -> tuple[list[str], Callable[[Row], list[Any]]]:
        out = [
            "id",
            "participant",
            "category",
            "what",
            "latitude",
            "longitude",
            "place",
            "location_shown",
            "who_for",
            "may_contact",
            "status",
            "created_at",
            "reviewed_at",
        ]

        def row(v: Row) -> list[Any]:
            exact = bool(v[at["share_exact"]])
            lat, lon = v[at["latitude"]], v[at["longitude"]]
            if lat is not None and lon is not None and not exact:
                lat, lon = round(lat, COARSE), round(lon, COARSE)
            shown = "none" if lat is None else "exact" if exact else "about 1 km"
            place = v[at["place"]] if exact else None
            return [
                v[at["id"]],
                self.pseudonym(v[at["participant"]]),
                v[at["category"]],
                stored_value(v[at["what"]]),
                lat,
                lon,
                place,
                shown,
                stored_value(v[at["who_for"]]),
                bool(v[at["may_contact"]]),
                v[at["status"]],
                v[at["created_at"]],
                v[at["reviewed_at"]],
            ]

        return out, row

    def _broadcasts(self, at: dict[str, int]) -> tuple[list[str], Callable[[Row], list[Any]]]:
        plain = [
            "id",
            "kind",
            "audience",
            "content",
            "status",
            "send_at",
            "spread_hours",
            "round_id",
            "initiative_id",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

        def row(v: Row) -> list[Any]:
            values = {c: v[at[c]] for c in plain}
            values["audience"] = _audience(values["audience"])
            values["created_by"] = self.staff_name(values["created_by"])
            counts = suppress.breakdown([v[at[s]] for s in STATES], self.threshold)
            return [*values.values(), *(_shown(s) for s in counts.shown)]

        return [*plain, *STATES, "recipients"], row

    def _round_results(self, at: dict[str, int]) -> tuple[list[str], Callable[[Row], list[Any]]]:
        out = ["round_id", "topic_id", "key", "label", "position", "points", "people"]

        def row(v: Row) -> list[Any]:
            people = _people(v[at["people"]], self.threshold)
            # As staff's results show them: hidden unless nothing small can be worked out.
            topics = json.loads(v[at["round_topics"]])
            points = listings.shown_points(
                v[at["points"]],
                (v[at["firsts"]], v[at["seconds"]], v[at["thirds"]]),
                self.threshold,
                firsts_hidden=rounds.firsts_hidden(topics, self.threshold),
            )
            return [
                v[at["round_id"]],
                v[at["topic_id"]],
                v[at["key"]],
                english(v[at["label"]]),
                v[at["position"]],
                points,
                people,
            ]

        return out, row


# Column -> kind, wherever the column appears (columns not listed pass through as they are).
KINDS = {
    "participant": "pseudonym",
    "proposed_by": "pseudonym",
    "question": "texts",
    "title": "texts",
    "description": "texts",
    "text": "texts",
    "note": "texts",
    "label": "texts",
    "other": "value",
    "value": "value",
    "worked": "value",
    "better": "value",
    "skills": "value",
    "what": "value",
    "who_for": "value",
    "roles": "value",
    "languages": "value",
    "availability": "value",
    "stopped": "bool",
    "unreachable": "bool",
    "may_contact": "bool",
    "actor": "staff",
    "before": "staff",
    "after": "staff",
    "created_by": "staff",
    "votes": "people",
}
TIME_COLUMNS = frozenset(
    {
        "consent_at",
        "created_at",
        "opens_at",
        "closes_at",
        "closed_at",
        "submitted_at",
        "updated_at",
        "adopted_at",
        "approved_at",
        "first_approved_at",
        "reviewed_at",
        "send_at",
        "started_at",
        "finished_at",
        "at",
    }
)


def _times(columns: Sequence[str]) -> frozenset[int]:
    return frozenset(i for i, c in enumerate(columns) if c in TIME_COLUMNS)


def _same(value: Any) -> Any:
    return value


def _people(value: int, threshold: int) -> Any:
    shown = suppress.count(value, threshold)
    return value if shown == str(value) else shown


def _shown(text: str) -> Any:
    return int(text) if text.isdigit() else text


def _audience(stored: str) -> str:
    """An audience as JSON; a list of participants (reminders) becomes how many they are."""
    data = json.loads(stored)
    if isinstance(data.get("value"), list):
        data["value"] = f"{len(data['value'])} people"
    return json.dumps(data, ensure_ascii=False)
