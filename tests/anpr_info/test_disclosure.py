"""Disclosure control: property tests with hypothesis, and the linear-programming attacker."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talklondon import disclosure
from talklondon.disclosure import (
    Published,
    Rules,
    diff_cells,
    grid_of,
    hidden_ranges,
    protect_linked,
    protect_table,
    round_base,
    round_significant,
)

# Counts of human decisions: mostly moderate, with plenty of small cells and zeros.
counts = st.one_of(st.integers(0, 9), st.integers(10, 60), st.integers(60, 2000))


@st.composite
def tables(draw, max_rows=6, max_cols=5):
    n_rows = draw(st.integers(1, max_rows))
    n_cols = draw(st.integers(1, max_cols))
    rows = [(f"r{i}",) for i in range(n_rows)]
    cols = [(f"c{j}",) for j in range(n_cols)]
    values = {(r, c): draw(counts) for r in rows for c in cols}
    return values, rows, cols


def _published_view(protected, values, rows, cols):
    """What an outsider sees, and the additive relations they know."""
    grid = grid_of(values, rows, cols, additive=True)
    published = {k: protected.cells[k].value for k in grid.values}
    return published, grid.lines


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_published_tier_b_value_is_under_ten(table):
    values, rows, cols = table
    protected = protect_table(values, rows, cols, tier="B", rounding="base5")
    for published in protected.cells.values():
        if published.value is not None:
            assert published.value >= 10
            assert published.value % 5 == 0
        else:
            assert published.flag == "c"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_suppressed_cell_can_be_recovered_from_cells_and_totals(table):
    values, rows, cols = table
    protected = protect_table(values, rows, cols, tier="B", rounding="base5")
    published, lines = _published_view(protected, values, rows, cols)
    # The attacker: every published value to ±2 (rounding), hidden ones only ≥ 0, and every
    # row and column adding up to its published total. Bound each hidden entry exactly.
    intervals = hidden_ranges(published, lines, rules=Rules())
    for key, (low, high) in intervals.items():
        assert high - low >= disclosure.BASE, (key, low, high, values)
    # Every true primary-sensitive value is hidden.
    grid = grid_of(values, rows, cols, additive=True)
    for key, value in grid.values.items():
        if value < disclosure.THRESHOLD:
            assert protected.cells[key].value is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=5, max_cols=4), st.data())
def test_linked_tables_hide_shared_totals_together(table, data):
    values, rows, cols = table
    # A second table over the same columns (e.g. hits by owner as well as by area).
    other_rows = [(f"o{i}",) for i in range(2)]
    other = {}
    for c in cols:
        total = sum(values[(r, c)] for r in rows)
        first = data.draw(st.integers(0, total))
        other[(other_rows[0], c)] = first
        other[(other_rows[1], c)] = total - first
    shared = {(("all",), c) for c in cols} | {(("all",), ("all",))}
    a, b = protect_linked(
        [
            {"values": values, "rows": rows, "cols": cols, "tier": "B", "rounding": "base5"},
            {"values": other, "rows": other_rows, "cols": cols, "tier": "B", "rounding": "base5"},
        ],
        shared=shared,
    )
    for key in shared:
        if key in a.cells and key in b.cells:
            assert (a.cells[key].value is None) == (b.cells[key].value is None)
            assert a.cells[key].value == b.cells[key].value


def test_cells_hidden_before_stay_hidden_in_a_revision():
    rows, cols = [("a",), ("b",)], [("x",), ("y",)]
    values = {
        (("a",), ("x",)): 50,
        (("a",), ("y",)): 60,
        (("b",), ("x",)): 70,
        (("b",), ("y",)): 80,
    }
    first = protect_table(values, rows, cols, tier="B", rounding="base5")
    assert not first.suppressed
    forced = {(("a",), ("x",))}
    revised = protect_table(values, rows, cols, tier="B", rounding="base5", forced=forced)
    assert (("a",), ("x",)) in revised.suppressed
    assert len(revised.suppressed) >= 4  # a lone hidden cell would be recoverable


def test_tier_a_rounds_reads_to_three_significant_figures():
    assert round_significant(4_235_117) == 4_240_000
    assert round_significant(999) == 999
    assert round_significant(1_005) == 1_010
    assert round_base(12) == 10 and round_base(13) == 15 and round_base(10) == 10
    rows, cols = [("a",), ("b",)], [("x",)]
    protected = protect_table(
        {(("a",), ("x",)): 1_234_567, (("b",), ("x",)): 3}, rows, cols, tier="A", rounding="3sf"
    )
    assert protected.cells[(("a",), ("x",))].value == 1_230_000
    assert protected.cells[(("b",), ("x",))].value == 3  # volumes are never suppressed
    assert protected.cells[(("all",), ("x",))].value == 1_230_000


def test_tier_c_and_not_applicable_cells():
    rows = [("ct",), ("crime",), ("missing",), ("city",)]
    cols = [("x",), ("y",)]
    values = {(r, c): 100 for r in rows for c in cols}
    protected = protect_table(
        values,
        rows,
        cols,
        tier="B",
        rounding="base5",
        sensitive_rows={("ct",)},
        not_applicable_rows={("city",)},
    )
    assert protected.cells[(("ct",), ("x",))] == Published(None, "x")
    assert protected.cells[(("city",), ("y",))] == Published(None, "z")
    # Totals leave the sensitive row out, so it cannot be worked out by subtraction.
    assert protected.cells[(("all",), ("x",))].value == 200
    assert any("[x]" in note for note in protected.notes)


def test_non_additive_tables_publish_no_totals():
    rows, cols = [("audited",), ("non_compliant",), ("referred",)], [()]
    values = {(("audited",), ()): 600, (("non_compliant",), ()): 21, (("referred",), ()): 3}
    protected = protect_table(values, rows, cols, tier="B", rounding="base5", additive=False)
    assert set(protected.cells) == {(r, ()) for r in rows}
    assert protected.cells[(("referred",), ())].flag == "c"
    assert protected.cells[(("non_compliant",), ())].value == 20


def test_diff_lists_changed_cells_only():
    old = {(("a",), ()): Published(10), (("b",), ()): Published(None, "c")}
    new = {(("a",), ()): Published(15), (("b",), ()): Published(None, "c")}
    assert diff_cells(old, new) == [((("a",), ()), "10", "15")]


@pytest.mark.parametrize("value", [0, 1, 9])
def test_a_single_small_cell_in_a_row_forces_a_second_suppression(value):
    rows, cols = [("a",), ("b",)], [("x",), ("y",), ("z",)]
    values = {(r, c): 40 for r in rows for c in cols}
    values[(("a",), ("x",))] = value
    protected = protect_table(values, rows, cols, tier="B", rounding="base5")
    row_a = [k for k in protected.suppressed if k[0] == ("a",)]
    assert len(row_a) >= 2
