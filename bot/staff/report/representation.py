"""Who takes part, by area and by each optional question about residents, next to the
population (QS148 statement 1, outcome b: breadth of representation).

Every characteristic is one table of areas by groups, suppressed as a whole; the report for
all areas shows its totals and the report for an area shows that area's row. So no report,
for any area, shows a count another one lets a reader work out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from bot.staff import suppress
from bot.staff.report.common import Options, shown_cell, table
from bot.staff.report.model import Cell, Table
from bot.store import population, report
from bot.store.areas import all_areas
from bot.store.db import Tx

NOT_ANSWERED = "(not answered)"
NOT_GIVEN = "(not given)"
COLUMNS = (
    "taking part",
    "share of those taking part",
    "population",
    "share of population",
    "representation (1.00 = in proportion)",
)
NAMES = {
    "area": "Area",
    "age_band": "Age",
    "gender": "Gender",
    "disability": "Disability or long-term condition",
    "carer": "Unpaid carer",
    "ethnic_group": "Ethnic group",
}


def tables(conn: Tx, options: Options) -> tuple[tuple[Table, ...], str, Cell]:
    """The tables, a note on the population figures, and how many residents take part."""
    t, scope = options.threshold, options.scope
    people = report.participation(conn, None, scope)
    known = _population(conn)
    taking_part = {key: n for key, _, _, n in people}
    # Areas in the population figures that nobody takes part in are who we are not reaching,
    # so they are rows too, and population shares are then of everyone. Their 0 is shown (it
    # says nobody), and a row of 0s makes no other count easier to work out.
    areas = sorted(taking_part.keys() | {g for (_, k, g) in known if k == "area"})
    per_area = suppress.breakdown([taking_part.get(a, 0) for a in areas], t)
    found: list[Table] = []
    if scope.area is None:
        # The figures hold areas case-folded: a defined area's name reads better.
        defined = {report.area_key(a.english): a.english for a in all_areas(conn)}
        names = {key: name or NOT_GIVEN for key, name, _, _ in people}
        groups = [names.get(a) or defined.get(a, a) for a in areas]
        counts = [shown_cell(s) for s in per_area.shown[:-1]]
        pops = [known.get(("", "area", a)) for a in areas]
        found.append(_table("area", groups, counts, per_area.shown[-1], pops))
    for key in report.EQUALITY_KEYS:
        rows = report.participation(conn, key, scope)
        labels = options.labels.get(key, {})
        order = _groups(key, rows, labels, known)
        cells = [[0] * len(order) for _ in areas]
        for area, _, value, n in rows:
            cells[areas.index(area)][order.index(_group(value))] += n
        shown = suppress.grid(cells, t, row_totals=per_area, width=len(order))
        if scope.area is None:
            counts = [shown_cell(c) for c in shown.column_totals]
            total = shown.total
            pops = [_whole(known, key, g) for g in order]
        else:
            row = areas.index(scope.area) if scope.area in areas else None
            if row is None:
                counts, total = [0] * len(order), "0"
            else:
                counts, total = [shown_cell(c) for c in shown.cells[row]], shown.row_totals[row]
            pops = [known.get((scope.area, key, g)) for g in order]
        found.append(_table(key, [labels.get(g, g) for g in order], counts, total, pops))
    loaded = population.loaded(conn)
    note = (
        f"Population figures: {loaded[0]}, loaded {loaded[1][:10]}."
        if loaded
        else "No population figures are loaded, so there is nothing to compare with: "
        "'community-voice admin population-load FILE' (see README)."
    )
    everyone: Cell = shown_cell(per_area.shown[-1])
    if scope.area is not None:
        at = areas.index(scope.area) if scope.area in areas else None
        everyone = shown_cell(per_area.shown[at]) if at is not None else 0
    return tuple(found), note, everyone


def _group(value: object) -> str:
    if value is None or value == "":
        return NOT_ANSWERED
    return str(value)


def _groups(
    key: str,
    rows: list[tuple[str, str, object, int]],
    labels: Mapping[str, str],
    known: Mapping[tuple[str, str, str], int],
) -> list[str]:
    """The groups in the order the question asks them, then any others, then unanswered."""
    order = list(labels)
    extra = {_group(v) for _, _, v, _ in rows} | {g for (_, k, g) in known if k == key}
    order += sorted(g for g in extra if g not in order and g != NOT_ANSWERED)
    return [*order, NOT_ANSWERED]


def _population(conn: Tx) -> dict[tuple[str, str, str], int]:
    return {(c.area, c.characteristic, c.group): c.count for c in population.counts(conn)}


def _whole(known: Mapping[tuple[str, str, str], int], key: str, group: str) -> int | None:
    """The whole population of a group: its own row, else the sum over areas."""
    if ("", key, group) in known:
        return known[("", key, group)]
    per_area: defaultdict[str, int] = defaultdict(int)
    for (area, k, g), n in known.items():
        if k == key and g == group and area:
            per_area[area] += n
    return sum(per_area.values()) if per_area else None


def _table(
    key: str,
    groups: list[str],
    counts: list[Cell],
    total: str,
    pops: list[int | None],
) -> Table:
    everyone = int(total) if total.isdigit() else None
    population_total = sum(v for v in pops if v is not None)
    rows: list[tuple[Cell, ...]] = []
    for group, count, pop in zip(groups, counts, pops, strict=True):
        share = count / everyone if isinstance(count, int) and everyone else None
        pop_share = pop / population_total if pop is not None and population_total else None
        ratio = share / pop_share if share is not None and pop_share else None
        rows.append(
            (
                group,
                count,
                f"{share:.1%}" if share is not None else "",
                "" if pop is None else pop,
                f"{pop_share:.1%}" if pop_share is not None else "",
                f"{ratio:.2f}" if ratio is not None else "",
            )
        )
    rows.append(("all", shown_cell(total), "", population_total or "", "", ""))
    return table(NAMES[key], ("group", *COLUMNS), rows)
