"""Small-number suppression for every count of people that leaves the database.

Primary suppression: a count from 1 to `threshold - 1` is shown as "<5" (0 is shown: it says
nobody). Secondary suppression: where counts add up to totals that are shown, more counts are
hidden ("[c]") until no "<5" can be worked out from the totals.

The reader we guard against knows how this works: a "<5" is 1 to 4, a "[c]" is 5 or more
(only counts of 5 or more are hidden to protect others), and every number shown is exact.
(A round's first choices are the exception: when any is small they are all "[c]", whatever
their size; see bot/staff/listings.py.)
A "<5" is safe when some other table, different in that count, matches everything shown.

Tables of counts with their totals are networks: each count is an edge between the sums it
is in (a two-way table's row and column; a total is an edge too). A change that keeps every
sum is a cycle of +1 and -1 along edges, so a "<5" is safe exactly when a cycle through it
stays within what the reader knows of every count on it. Choosing what else to hide is a
cheapest-path search over counts not yet hidden (cost: the count, so little is lost).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.staff.said import Said

HIDDEN = "[c]"
# An edge: (row-side node, column-side node, sign). The sign says how the count enters its
# sums (a total counts -1 against its parts), so that every node's signed edges add to 0.
Edge = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Protected:
    """What may be shown of some counts: `shown[i]` is the text for count i."""

    shown: tuple[str, ...]
    hidden: frozenset[int]  # suppressed, primary or secondary
    withheld: bool = False

    def visible(self, index: int) -> bool:
        """Whether count `index` is shown as a number (so a share of it may be shown too)."""
        return index not in self.hidden


def small(threshold: int) -> str:
    """How a small count is shown, e.g. "<5"."""
    return f"<{threshold}"


def rule(threshold: int) -> str:
    """How small counts of people are shown, in one sentence, for staff in English."""
    if threshold <= 1:
        return "Small-number suppression is switched off (SUPPRESS_BELOW)."
    return f"Counts from 1 to {threshold - 1} are shown as {small(threshold)}."


def count(value: int, threshold: int) -> str:
    """A count standing alone (no total it adds up to)."""
    return small(threshold) if 0 < value < threshold else str(value)


def hidden_note(shown: Iterable[str], threshold: int) -> str:
    """The line that says what "[c]" means, for staff in English, when some count in `shown`
    is one (else nothing). The dashboard says it in the page's language (bot/web/i18n.py)."""
    if HIDDEN not in shown:
        return ""
    # "[c]" is HIDDEN, written out: a template must be a plain string to be translated.
    return Said(
        "[c]: hidden, so that a count under {threshold} cannot be worked out from the others.",
        threshold=threshold,
    )


def breakdown(counts: Sequence[int], threshold: int, *, total_known: bool = True) -> Protected:
    """Counts of groups and, last, their total. The total is taken to be known (it is shown
    here unless small, and usually elsewhere too), so it is never hidden to protect a group.
    The groups are taken to be known only through their total: counts the reader can bound
    otherwise (a round's first choices, each at most its "chose it") need a rule of their
    own (bot/staff/listings.py hides them all)."""
    # One sum (node 0); node 1 stands for "no other sum", where a count's change is free.
    edges: list[Edge] = [(0, 1, 1) for _ in counts] + [(0, 1, -1)]
    values = [*counts, sum(counts)]
    return protect(values, edges, threshold, keep_shown=[len(counts)] if total_known else ())


@dataclass(frozen=True, slots=True)
class Grid:
    """A table of counts with its row totals, column totals and grand total, as shown."""

    cells: tuple[tuple[str, ...], ...]
    row_totals: tuple[str, ...]
    column_totals: tuple[str, ...]
    total: str
    withheld: bool
    hidden_cells: frozenset[tuple[int, int]]


def grid(
    rows: Sequence[Sequence[int]],
    threshold: int,
    *,
    row_totals: Protected | None = None,
    width: int | None = None,
) -> Grid:
    """A two-way table (rows by columns) with totals both ways. `row_totals`, when given, is
    how the row totals and grand total are shown elsewhere (a `breakdown` of them): they are
    shown the same way here, and nothing else is hidden among them. `width` is needed only
    when there are no rows."""
    height = len(rows)
    width = len(rows[0]) if rows else (width or 0)
    # Row nodes 0..height (the last is the row of column totals), column nodes after them.
    col = height + 1
    edges: list[Edge] = [(r, col + c, 1) for r in range(height) for c in range(width)]
    values = [v for row in rows for v in row]
    edges += [(r, col + width, -1) for r in range(height)]
    values += [sum(row) for row in rows]
    edges += [(height, col + c, -1) for c in range(width)]
    values += [sum(row[c] for row in rows) for c in range(width)]
    edges.append((height, col + width, 1))
    values.append(sum(values[height * width : height * width + height]))
    margin = [*range(height * width, height * width + height), len(values) - 1]
    if row_totals is None:
        done = protect(values, edges, threshold, keep_shown=[len(values) - 1])
    else:
        done = protect(
            values,
            edges,
            threshold,
            keep_shown=[i for n, i in enumerate(margin) if row_totals.visible(n)],
            keep_hidden=[i for n, i in enumerate(margin) if not row_totals.visible(n)],
        )
    shown, at = done.shown, height * width
    return Grid(
        cells=tuple(tuple(shown[r * width : (r + 1) * width]) for r in range(height)),
        row_totals=tuple(shown[at : at + height]),
        column_totals=tuple(shown[at + height : at + height + width]),
        total=shown[-1],
        withheld=done.withheld,
        hidden_cells=frozenset(
            (r, c) for r in range(height) for c in range(width) if r * width + c in done.hidden
        ),
    )


def protect(
    values: Sequence[int],
    edges: Sequence[Edge],
    threshold: int,
    *,
    keep_shown: Collection[int] = (),
    keep_hidden: Collection[int] = (),
) -> Protected:
    """Suppress the small counts, then for each one hide the cheapest set of other counts
    that lets it change without changing anything shown. Counts in `keep_shown` are public
    elsewhere and never hidden; those in `keep_hidden` are hidden elsewhere, so here too."""
    if threshold <= 1:
        return Protected(tuple(str(v) for v in values), frozenset())
    primary = {i for i, v in enumerate(values) if 0 < v < threshold}
    secondary = {i for i in keep_hidden if values[i] >= threshold}
    blocked = set(keep_shown)
    for target in sorted(primary):
        found = _cheapest_cycle(values, edges, threshold, primary, secondary, blocked, target)
        if found is None:
            everything = frozenset(range(len(values)))
            return Protected(tuple(HIDDEN for _ in values), everything, True)
        secondary.update(found)
    shown = tuple(
        small(threshold) if i in primary else HIDDEN if i in secondary else str(v)
        for i, v in enumerate(values)
    )
    return Protected(shown, frozenset(primary | secondary))


def _limits(value: int, threshold: int, hidden_as: str) -> tuple[float, float]:
    """What the reader knows of a count: exact if shown, 1..t-1 if small, t.. if hidden."""
    if hidden_as == "primary":
        return 1, threshold - 1
    if hidden_as == "secondary":
        return threshold, float("inf")
    return value, value


def _cheapest_cycle(
    values: Sequence[int],
    edges: Sequence[Edge],
    threshold: int,
    primary: set[int],
    secondary: set[int],
    blocked: set[int],
    target: int,
) -> set[int] | None:
    """The counts to hide (beyond those hidden) so that `target` can change: None if none."""
    arcs: dict[int, list[tuple[int, int, int]]] = {}  # node -> (next node, cost, edge)
    for index, (row, column, sign) in enumerate(edges):
        if index == target:
            continue
        if index in primary:
            status, cost = "primary", 0
        elif index in secondary:
            status, cost = "secondary", 0
        elif index in blocked or values[index] < threshold:
            continue  # shown: it cannot change
        else:
            status, cost = "secondary", values[index]  # it could be hidden, at this cost
        low, high = _limits(values[index], threshold, status)
        if low <= values[index] + sign <= high:  # counted up: row node -> column node
            arcs.setdefault(row, []).append((column, cost, index))
        if low <= values[index] - sign <= high:  # counted down: column node -> row node
            arcs.setdefault(column, []).append((row, cost, index))
    row, column, sign = edges[target]
    low, high = _limits(values[target], threshold, "primary")
    best: tuple[float, list[int]] | None = None
    # The target counted up (row -> column) closes the cycle from its column back to its
    # row; counted down, from its row back to its column.
    for step, start, goal in ((sign, column, row), (-sign, row, column)):
        if not low <= values[target] + step <= high:
            continue
        path = _path(arcs, start, goal)
        if path is not None and (best is None or path[0] < best[0]):
            best = path
    if best is None:
        return None
    return {i for i in best[1] if i not in primary and i not in secondary}


def _path(
    arcs: dict[int, list[tuple[int, int, int]]], start: int, goal: int
) -> tuple[float, list[int]] | None:
    """The cheapest path from `start` to `goal` (Dijkstra): its cost and the edges on it."""
    queue: list[tuple[float, int]] = [(0, start)]
    came: dict[int, tuple[int, int]] = {}
    cost_to = {start: 0.0}
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            used, at = [], goal
            while at != start:
                at, edge = came[at]
                used.append(edge)
            return cost, used
        if cost > cost_to[node]:
            continue
        for nxt, step, edge in arcs.get(node, ()):
            new = cost + step
            if new < cost_to.get(nxt, float("inf")):
                cost_to[nxt] = new
                came[nxt] = (node, edge)
                heapq.heappush(queue, (new, nxt))
    return None
