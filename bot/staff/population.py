"""Loading the population table (e.g. census counts per area and group) from a CSV file.

    area,characteristic,group,count
    ,area,Riverside,5200          <- an area's population (the area column stays empty)
    ,age_band,18-24,900           <- a group in the whole population
    Riverside,age_band,18-24,500  <- a group in one area

characteristic is `area` or an onboarding answer (age_band, gender, disability, carer,
ethnic_group); group is the answer's id as the flow saves it (18-24, woman, yes, ...) or, for
`area`, the area's name as residents type it (compared ignoring case and spaces at the ends).
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from bot.staff.actor import Actor, Role, StaffError
from bot.staff.auditing import Audit
from bot.staff.desk import StaffDesk
from bot.staff.said import Said, joined
from bot.store import population
from bot.store.db import Tx
from bot.store.population import Count
from bot.store.report import EQUALITY_KEYS

CHARACTERISTICS = ("area", *EQUALITY_KEYS)
HEADER = ["area", "characteristic", "group", "count"]


def parse(text: str) -> list[Count]:
    """The rows of a population CSV; a StaffError names every line that is wrong."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if header != HEADER:
        raise StaffError("The first line must be: {header}", header=",".join(HEADER))
    found: list[Count] = []
    seen: dict[tuple[str, str, str], int] = {}
    problems: list[Said] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 4:
            problems.append(
                Said("line {line}: {columns} columns, expected 4", line=line, columns=len(row))
            )
            continue
        area, characteristic, group, number = (cell.strip() for cell in row)
        characteristic = characteristic.lower()
        if characteristic not in CHARACTERISTICS:
            problems.append(
                Said(
                    "line {line}: characteristic {characteristic!r} is not one of {known}",
                    line=line,
                    characteristic=characteristic,
                    known=", ".join(CHARACTERISTICS),
                )
            )
            continue
        if characteristic == "area" and area:
            problems.append(
                Said("line {line}: leave the area column empty on 'area' lines", line=line)
            )
            continue
        if not group:
            problems.append(Said("line {line}: the group is empty", line=line))
            continue
        if not (number.isascii() and number.isdigit()):
            problems.append(
                Said(
                    "line {line}: count must be a whole number, not {number!r}",
                    line=line,
                    number=number,
                )
            )
            continue
        key = (area.lower(), characteristic, group.lower() if characteristic == "area" else group)
        if key in seen:
            problems.append(
                Said(
                    "line {line}: the same area and group as line {earlier}",
                    line=line,
                    earlier=seen[key],
                )
            )
            continue
        seen[key] = line
        found.append(Count(key[0], characteristic, key[2], int(number)))
    if problems:
        # TRANSLATORS: {problems} is a line each, "line 3: the group is empty".
        raise StaffError(
            "The population file has problems:\n{problems}",
            problems=joined(problems[:20]),
        )
    if not found:
        raise StaffError("The population file has no rows after the header.")
    return found


async def load(desk: StaffDesk, actor: Actor, path: Path) -> str:
    """Replace the population table with the file's rows (all or nothing)."""
    actor.require(Role.STAFF, Said("load population figures"))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        # TRANSLATORS: {reason} is the system's words, in English ("No such file or directory").
        raise StaffError(
            "Cannot read {path}: {reason}.",
            path=path,
            reason=exc.strerror or exc,
        ) from None
    try:
        counts = parse(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise StaffError("{path} is not UTF-8 text. Save it as CSV UTF-8.", path=path) from None
    digest = hashlib.sha256(raw).hexdigest()

    def work(conn: Tx, log: Audit) -> int:
        loaded = population.replace_all(conn, counts, path.name, log.stamp)
        after = {"file": path.name, "rows": loaded, "sha256": digest}
        log("population.load", "population", None, after=after)
        return loaded

    loaded = int(await desk.act(actor, Role.STAFF, Said("load population figures"), work))
    areas = {c.area for c in counts if c.area} | {
        c.group for c in counts if c.characteristic == "area"
    }
    return Said(
        "Loaded {rows} population rows from {file} ({areas} areas).",
        rows=loaded,
        file=path.name,
        areas=len(areas),
    )
