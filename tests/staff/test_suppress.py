"""Small-number suppression, tested with tables built to break naive suppression, and checked
by an attacker who solves the shown totals exactly (not by the module's own reasoning)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from bot.staff.suppress import HIDDEN, breakdown, count, grid, rule

# For the attacker: the parts of a sum and its total, as indexes into the counts.
Sum = tuple[Sequence[int], int]


def attack(shown: Sequence[str], sums: Sequence[Sum], threshold: int, cap: int) -> list[set[int]]:
    """Every value each count can take, given what is shown: "<t" is 1..t-1, a hidden count
    is t..cap (the attacker knows only counts of t or more are hidden to protect others)."""
    ranges: list[range] = []
    for text in shown:
        if text == f"<{threshold}":
            ranges.append(range(1, threshold))
        elif text == HIDDEN:
            ranges.append(range(threshold, cap + 1))
        else:
            ranges.append(range(int(text), int(text) + 1))
    possible: list[set[int]] = [set() for _ in shown]
    order = sorted(range(len(shown)), key=lambda i: len(ranges[i]))
    assigned: dict[int, int] = {}

    def consistent() -> bool:
        for parts, total in sums:
            members = list(parts)
            if total in assigned and all(p in assigned for p in members):
                if sum(assigned[p] for p in members) != assigned[total]:
                    return False
            elif total in assigned:
                known = sum(assigned[p] for p in members if p in assigned)
                if known > assigned[total]:
                    return False
        return True

    def search(depth: int) -> None:
        if depth == len(order):
            for i, v in assigned.items():
                possible[i].add(v)
            return
        index = order[depth]
        for value in ranges[index]:
            assigned[index] = value
            if consistent():
                search(depth + 1)
            del assigned[index]

    search(0)
    return possible


def assert_safe(shown: Sequence[str], sums: Sequence[Sum], threshold: int, cap: int) -> None:
    possible = attack(shown, sums, threshold, cap)
    for i, text in enumerate(shown):
        if text == f"<{threshold}":
            assert len(possible[i]) >= 2, f"count {i} can be worked out: {possible[i]} ({shown})"


def one_way(counts: list[int]) -> list[Sum]:
    return [(range(len(counts)), len(counts))]


# -- primary suppression -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (120, "120")]
)
def test_counts_of_one_to_four_are_shown_as_less_than_five(value: int, shown: str) -> None:
    assert count(value, 5) == shown


def test_the_threshold_is_a_setting() -> None:
    assert count(9, 10) == "<10" and count(10, 10) == "10"
    assert breakdown([1, 2, 50], 1).shown == ("1", "2", "50", "53")  # 1 or 0: no suppression


# -- cases that break naive suppression ----------------------------------------------------


def test_a_lone_small_count_cannot_be_taken_from_the_total() -> None:
    # Naive: "<5", 50, 51 -> 51 - 50 = 1.
    shown = breakdown([1, 50], 5).shown
    assert shown == ("<5", HIDDEN, "51")
    assert_safe(shown, one_way([1, 50]), 5, 60)


def test_two_small_counts_that_add_up_to_two_are_protected() -> None:
    # Naive (hide a second cell only when one is hidden): "<5", "<5", 50, 52 -> both are 1.
    shown = breakdown([1, 1, 50], 5).shown
    assert shown[:2] == ("<5", "<5") and shown[2] == HIDDEN
    assert_safe(shown, one_way([1, 1, 50]), 5, 60)


def test_two_fours_next_to_a_shown_total_are_protected() -> None:
    # Naive: "<5", "<5", 50, 58 -> 8 between two counts under 5: both are 4.
    shown = breakdown([4, 4, 50], 5).shown
    assert HIDDEN in shown
    assert_safe(shown, one_way([4, 4, 50]), 5, 60)


def test_the_smallest_complement_is_not_taken_when_it_gives_the_count_away() -> None:
    # Naive (hide the next smallest): "<5", [c], 7, 13 -> [c] is at least 5, so "<5" is 1.
    shown = breakdown([1, 5, 7], 5).shown
    assert shown == ("<5", "5", HIDDEN, "13")
    assert_safe(shown, one_way([1, 5, 7]), 5, 20)


def test_a_small_total_is_suppressed_too() -> None:
    assert breakdown([2, 0, 0], 5).shown == ("<5", "0", "0", "<5")


def test_a_table_that_cannot_be_made_safe_is_withheld() -> None:
    # With the total known (6), "<5" + a hidden count of at least 5 = 6 gives 1 away.
    done = breakdown([1, 5], 5)
    assert done.withheld and set(done.shown) == {HIDDEN}


def test_a_hidden_cell_in_its_row_does_not_protect_it_in_its_column() -> None:
    # Naive row by row: row 0 hides 10 next to the 1, but column 0 still gives 31 - 30 = 1.
    rows = [[1, 10, 10], [10, 10, 10], [20, 10, 10]]
    table = grid(rows, 5)
    assert table.cells[0][0] == "<5"
    hidden_rows = {r for r, _ in table.hidden_cells}
    hidden_columns = {c for _, c in table.hidden_cells}
    assert len(hidden_rows) >= 2 and len(hidden_columns) >= 2
    values, sums, shown = _flatten(rows, table)
    assert_safe(shown, sums, 5, 60)


def test_a_grid_shows_its_row_totals_as_the_breakdown_of_them_does() -> None:
    rows = [[1, 10], [3, 0], [10, 10]]
    areas = breakdown([sum(r) for r in rows], 5)
    table = grid(rows, 5, row_totals=areas)
    assert (*table.row_totals, table.total) == areas.shown


@pytest.mark.parametrize("seed", range(60))
def test_random_tables_never_give_a_small_count_away(seed: int) -> None:
    rng = random.Random(seed)
    threshold = rng.choice((3, 4, 5))
    if seed % 2:
        counts = [rng.choice((0, 1, 2, 3, 4, 5, 6, 9)) for _ in range(rng.randint(2, 4))]
        done = breakdown(counts, threshold)
        if not done.withheld:
            assert_safe(done.shown, one_way(counts), threshold, sum(counts))
        return
    rows = [[rng.choice((0, 1, 2, 5, 6)) for _ in range(2)] for _ in range(rng.randint(2, 3))]
    table = grid(rows, threshold)
    if not table.withheld:
        _, sums, shown = _flatten(rows, table)
        assert_safe(shown, sums, threshold, sum(map(sum, rows)))


def test_a_total_known_elsewhere_is_never_hidden_to_protect_a_group() -> None:
    assert breakdown([1, 5], 5, total_known=False).shown == ("<5", "5", HIDDEN)
    assert breakdown([1, 5], 5).withheld  # with the total public, nothing can protect the 1


def _flatten(rows: list[list[int]], table: object) -> tuple[list[int], list[Sum], list[str]]:
    from bot.staff.suppress import Grid

    assert isinstance(table, Grid)
    height, width = len(rows), len(rows[0])
    values = [v for row in rows for v in row]
    shown = [s for row in table.cells for s in row]
    row_at = len(values)
    values += [sum(r) for r in rows]
    shown += table.row_totals
    column_at = len(values)
    values += [sum(r[c] for r in rows) for c in range(width)]
    shown += table.column_totals
    total_at = len(values)
    values.append(sum(values[row_at:column_at]))
    shown.append(table.total)
    sums: list[Sum] = [([r * width + c for c in range(width)], row_at + r) for r in range(height)]
    sums += [([r * width + c for r in range(height)], column_at + c) for c in range(width)]
    sums += [(range(row_at, column_at), total_at), (range(column_at, total_at), total_at)]
    return values, sums, shown


@pytest.mark.parametrize(
    ("threshold", "said"),
    [
        (0, "Small-number suppression is switched off (SUPPRESS_BELOW)."),
        (1, "Small-number suppression is switched off (SUPPRESS_BELOW)."),
        (5, "Counts from 1 to 4 are shown as <5."),
        (10, "Counts from 1 to 9 are shown as <10."),
    ],
)
def test_the_rule_is_said_as_set(threshold: int, said: str) -> None:
    # Never 'counts below 0 show as "<0"' when suppression is off.
    assert rule(threshold) == said
