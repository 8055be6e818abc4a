"""The disclosure-control engine against an intruder written separately (intruder.py).

The intruder knows every published figure and total, the rounding base, the suppression rule
(published counts are never under 10) and which tables count the same people. Whatever the
table, no hidden figure may be narrowed to a range less than 5 wide.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talklondon.disclosure import (
    TOTAL,
    Published,
    Rules,
    grid_of,
    protect_counts,
    protect_linked,
    protect_related,
    protect_table,
)
from tests.disclosure.intruder import Knowledge

PROTECTION = Rules().protection
T = (TOTAL,)

# Counts of people: plenty of zeros and small cells, some just over the threshold, some large.
counts = st.one_of(
    st.integers(0, 9), st.integers(10, 14), st.integers(10, 60), st.integers(60, 900)
)


@st.composite
def tables(draw, max_rows=6, max_cols=5):
    rows = [(f"r{i}",) for i in range(draw(st.integers(1, max_rows)))]
    cols = [(f"c{j}",) for j in range(draw(st.integers(1, max_cols)))]
    return {(r, c): draw(counts) for r in rows for c in cols}, rows, cols


def attack(protected, rows, cols, knowledge=None, table_id="t"):
    knowledge = knowledge or Knowledge(threshold=10, base=5)
    knowledge.add_grid(table_id, {k: p.value for k, p in protected.cells.items()}, rows, cols, T)
    return knowledge


def narrowed(knowledge):
    return {k: r for k, r in knowledge.ranges().items() if r[1] - r[0] < PROTECTION}


def test_an_intruder_who_knows_published_counts_are_at_least_ten_pins_nothing():
    """Regression: the old ANPR audit took a published 10 to mean 8 to 12. The intruder knows
    it means 10 to 12 (smaller counts are always hidden), and with that the old engine's
    protection of this table left two hidden cells pinned to 0-4."""
    values = {
        (("r0",), ("c0",)): 2,
        (("r0",), ("c1",)): 49,
        (("r1",), ("c0",)): 0,
        (("r1",), ("c1",)): 21,
        (("r2",), ("c0",)): 10,
        (("r2",), ("c1",)): 20,
        (("r3",), ("c0",)): 58,
        (("r3",), ("c1",)): 55,
    }
    rows, cols = [(f"r{i}",) for i in range(4)], [("c0",), ("c1",)]
    protected = protect_table(values, rows, cols)
    assert protected.cells[(("r0",), ("c0",))] == Published(None, "c")
    assert narrowed(attack(protected, rows, cols)) == {}


def test_the_intruder_cracks_a_table_protected_by_primary_suppression_only():
    """The intruder can fail a table: hiding only the small cells of exact counts leaves them
    recoverable by subtraction."""
    values = {(("a",), ("yes",)): 40, (("a",), ("no",)): 3, (("b",), ("yes",)): 25}
    values[(("b",), ("no",))] = 30
    rows, cols = [("a",), ("b",)], [("yes",), ("no",)]
    grid = {}
    for r in rows:
        for c in cols:
            v = values[(r, c)]
            grid[(r, c)] = None if v < 10 else v
        grid[(r, T)] = sum(values[(r, c)] for c in cols)
    for c in cols:
        grid[(T, c)] = sum(values[(r, c)] for r in rows)
    grid[(T, T)] = sum(values.values())
    knowledge = Knowledge(threshold=10, base=1)
    knowledge.add_grid("t", grid, rows, cols, T)
    low, high = knowledge.ranges()[("t", ("a",), ("no",))]
    assert (low, high) == (3, 3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_hidden_figure_in_a_random_table_is_narrowed(table):
    values, rows, cols = table
    protected = protect_table(values, rows, cols)
    for published in protected.cells.values():
        if published.value is None:
            assert published.flag == "c"
        else:
            assert published.value >= 10 and published.value % 5 == 0
    for (r, c), v in values.items():
        if v < 10:
            assert protected.cells[(r, c)].value is None
    assert narrowed(attack(protected, rows, cols)) == {}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=5, max_cols=4), st.data())
def test_no_hidden_figure_in_linked_tables_is_narrowed(table, data):
    """Two tables of the same people over the same columns (by borough and by channel, or hits
    by area and by camera owner) share their column totals: the intruder uses both at once."""
    values, rows, cols = table
    other_rows = [("o0",), ("o1",)]
    other = {}
    for c in cols:
        column_total = sum(values[(r, c)] for r in rows)
        first = data.draw(st.integers(0, column_total))
        other[(other_rows[0], c)] = first
        other[(other_rows[1], c)] = column_total - first
    shared = {(T, c) for c in cols} | {(T, T)}
    a, b = protect_linked(
        [
            {"values": values, "rows": rows, "cols": cols},
            {"values": other, "rows": other_rows, "cols": cols},
        ],
        shared=shared,
    )
    knowledge = attack(a, rows, cols, table_id="a")
    attack(b, other_rows, cols, knowledge, table_id="b")
    for key in shared:
        if key in a.cells and key in b.cells:
            assert a.cells[key] == b.cells[key]
            knowledge.same(("a", *key), ("b", *key))
    assert narrowed(knowledge) == {}


def test_protect_counts_for_a_one_way_and_a_two_way_table():
    one_way = protect_counts({"Yes": 120, "No": 45, "Not sure": 7})
    assert one_way[("Yes", "count")] == Published(120)
    assert one_way[("Not sure", "count")] == Published(None, "c")
    assert one_way[("No", "count")].value is None  # else 7 = total - 120 - 45
    assert one_way[(TOTAL, "count")] == Published(170)
    two_way = protect_counts({"Camden": {"Yes": 30, "No": 12}, "Hackney": {"Yes": 25, "No": 4}})
    assert two_way[("Hackney", "No")].flag == "c"
    assert {k for k, v in two_way.items() if v.value is None} >= {
        ("Hackney", "No"),
        ("Hackney", "Yes"),
    }


def test_cells_hidden_in_an_earlier_version_stay_hidden():
    counts = {"a": {"x": 50, "y": 60}, "b": {"x": 70, "y": 80}}
    revised = protect_counts(counts, forced=[("a", "x")])
    assert revised[("a", "x")].flag == "c"
    assert sum(v.value is None for v in revised.values()) >= 4


def test_the_worked_examples_in_the_methodology_are_what_the_engine_does():
    from talklondon.disclosure import grid_of, hidden_ranges

    data = {
        "Camden": {"Arrest": 42, "Stop": 23, "No action": 61},
        "Hackney": {"Arrest": 4, "Stop": 18, "No action": 37},
        "Islington": {"Arrest": 15, "Stop": 9, "No action": 50},
    }
    published = protect_counts(data)
    shown = {k: v.display for k, v in published.items()}
    assert [shown[("Hackney", c)] for c in ("Arrest", "Stop", "No action", TOTAL)] == [
        "[c]",
        "[c]",
        "35",
        "60",
    ]
    assert shown[(TOTAL, TOTAL)] == "260"
    values = {((r,), (c,)): n for r, row in data.items() for c, n in row.items()}
    grid = grid_of(values, [(r,) for r in data], [(c,) for c in data["Camden"]], additive=True)
    ranges = hidden_ranges(
        {k: published[(k[0][0], k[1][0])].value for k in grid.values}, grid.lines
    )
    assert ranges[(("Hackney",), ("Arrest",))] == (0, 24)
    assert ranges[(("Islington",), ("Stop",))] == (0, 28)


def test_protect_counts_gives_every_total_even_for_a_table_of_one_row_or_one_column():
    # One row: its column totals are the row itself, published (or hidden) exactly as it is.
    one_row = protect_counts({"Not in a group": {"Agree": 30, "Disagree": 4, "Pass": 12}})
    for column in ("Agree", "Disagree", "Pass", TOTAL):
        assert one_row[(TOTAL, column)] == one_row[("Not in a group", column)]
    assert one_row[(TOTAL, "Agree")] == Published(30)
    assert one_row[(TOTAL, "Disagree")].flag == "c"
    one_label = protect_counts({"Group A": 7})
    assert one_label[(TOTAL, "count")] == one_label[("Group A", "count")] == Published(None, "c")
    one_column = protect_counts({"a": {"x": 40}, "b": {"x": 55}}, columns=["x"])
    assert one_column[("a", TOTAL)] == Published(40)
    assert one_column[(TOTAL, TOTAL)] == one_column[(TOTAL, "x")] == Published(95)


# --- Tables that count the same people, read together -------------------------------------------

B = [("b0",), ("b1",)]


def _same_people():
    """Two questions by borough, answered by the same people: equal borough totals."""
    a = {
        (("b0",), ("a0",)): 1,
        (("b0",), ("a1",)): 0,
        (("b1",), ("a0",)): 16,
        (("b1",), ("a1",)): 20,
    }
    b = {
        (("b0",), ("x0",)): 1,
        (("b0",), ("x1",)): 0,
        (("b0",), ("x2",)): 0,
        (("b1",), ("x0",)): 15,
        (("b1",), ("x1",)): 1,
        (("b1",), ("x2",)): 20,
    }
    return a, [("a0",), ("a1",)], b, [("x0",), ("x1",), ("x2",)]


def _read_together(pa, ca, pb, cb, rows, relate):
    knowledge = Knowledge(threshold=10, base=5)
    knowledge.add_grid("a", {k: p.value for k, p in pa.cells.items()}, rows, ca, T)
    knowledge.add_grid("b", {k: p.value for k, p in pb.cells.items()}, rows, cb, T)
    relate(knowledge)
    return narrowed(knowledge)


def _equal_totals(knowledge):
    for row in [*B, T]:
        knowledge.same(("a", row, T), ("b", row, T))


def test_two_questions_by_borough_are_protected_as_the_same_people():
    """Regression: each results table was protected on its own. The borough totals of two
    questions answered by the same people are the same figures, so an intruder reading both
    tables pinned hidden figures that each table alone protected."""
    a, ca, b, cb = _same_people()
    alone = _read_together(
        protect_table(a, B, ca), ca, protect_table(b, B, cb), cb, B, _equal_totals
    )
    assert alone, "the example no longer shows the weakness of protecting tables one by one"
    relations = [({(0, (r, T)): 1, (1, (r, T)): -1}, 0, 0) for r in [*B, T]]
    pa, pb = protect_related(
        [{"values": a, "rows": B, "cols": ca}, {"values": b, "rows": B, "cols": cb}], relations
    )
    assert _read_together(pa, ca, pb, cb, B, _equal_totals) == {}


def test_a_follow_up_question_is_protected_with_the_answer_that_opens_it():
    """Regression: a question asked only of those who said yes was answered, in each borough,
    by at most the people who said yes there; its published totals pinned hidden yes counts."""
    rows = [("b0",), ("b1",), ("b2",)]
    yes_no, follow_cols = [("yes",), ("no",)], [("f0",), ("f1",)]
    parent = {
        (("b0",), ("yes",)): 30,
        (("b0",), ("no",)): 2,
        (("b1",), ("yes",)): 25,
        (("b1",), ("no",)): 9,
        (("b2",), ("yes",)): 4,
        (("b2",), ("no",)): 26,
    }
    follow = {
        (("b0",), ("f0",)): 7,
        (("b0",), ("f1",)): 22,
        (("b1",), ("f0",)): 17,
        (("b1",), ("f1",)): 5,
        (("b2",), ("f0",)): 2,
        (("b2",), ("f1",)): 0,
    }

    def at_most_the_yeses(knowledge):
        for row in [*rows, T]:
            knowledge.fact({("b", row, T): 1, ("a", row, ("yes",)): -1}, -(10**9), 0)

    alone = _read_together(
        protect_table(parent, rows, yes_no),
        yes_no,
        protect_table(follow, rows, follow_cols),
        follow_cols,
        rows,
        at_most_the_yeses,
    )
    assert alone, "the example no longer shows the weakness of protecting tables one by one"
    relations = [
        ({(1, (row, T)): 1, (0, (row, ("yes",))): -1}, -float("inf"), 0) for row in [*rows, T]
    ]
    pa, pb = protect_related(
        [
            {"values": parent, "rows": rows, "cols": yes_no},
            {"values": follow, "rows": rows, "cols": follow_cols},
        ],
        relations,
    )
    assert _read_together(pa, yes_no, pb, follow_cols, rows, at_most_the_yeses) == {}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=4, max_cols=3), st.data())
def test_no_hidden_figure_in_related_tables_is_narrowed(table, data):
    """A question by borough, a second one answered by the same people, and a follow-up asked
    of those who gave the first answer: protected with protect_related, read together."""
    values, rows, cols = table
    second_cols = [("s0",), ("s1",)]
    second, follow = {}, {}
    for r in rows:
        total = sum(values[(r, c)] for c in cols)
        first = data.draw(st.integers(0, total))
        second[(r, second_cols[0])], second[(r, second_cols[1])] = first, total - first
        opened = data.draw(st.integers(0, values[(r, cols[0])]))
        some = data.draw(st.integers(0, opened))
        follow[(r, second_cols[0])], follow[(r, second_cols[1])] = some, opened - some
    specs = [
        {"values": values, "rows": rows, "cols": cols},
        {"values": second, "rows": rows, "cols": second_cols},
        {"values": follow, "rows": rows, "cols": second_cols},
    ]
    figures = [set(grid_of(s["values"], s["rows"], s["cols"], additive=True).values) for s in specs]
    relations = []
    for r in [*rows, T]:
        relations.append(({(0, (r, T)): 1, (1, (r, T)): -1}, 0, 0))
        relations.append(({(2, (r, T)): 1, (0, (r, cols[0])): -1}, -float("inf"), 0))
    # Only relations between figures the tables publish (a one-row table has no total row).
    relations = [rel for rel in relations if all(key in figures[i] for i, key in rel[0])]
    protected = protect_related(specs, relations)
    knowledge = Knowledge(threshold=10, base=5)
    for name, spec, result in zip("abc", specs, protected, strict=True):
        grid = {k: p.value for k, p in result.cells.items()}
        knowledge.add_grid(name, grid, spec["rows"], spec["cols"], T)
    for coefficients, low, high in relations:
        knowledge.fact(
            {("abc"[i], *key): c for (i, key), c in coefficients.items()},
            -(10**9) if low == -float("inf") else low,
            high,
        )
    assert narrowed(knowledge) == {}


def test_a_figure_narrowed_from_further_away_hides_the_nearest_published_one_only():
    """Regression: where every figure sharing a sum or a relation with a weak one was hidden
    already, protect_related hid every figure of every table, unrelated ones included. Here
    the small x (3) is pinned through two relations although y and its total are hidden
    (x = total - y = total' - y'), with figures published exactly: hiding y' (the smaller of
    the two published figures that pin it) is enough, and the unrelated fourth table and the
    table of total' are left alone."""
    n = [("n",)]
    exact = Rules(threshold=10, base=1, protection=5)

    def cell(row):
        return ((row,), ("n",))

    specs = [
        {
            "values": {cell("x"): 3, cell("y"): 50},
            "rows": [("x",), ("y",)],
            "cols": n,
            "forced": [cell("y"), (T, ("n",))],  # hidden in an earlier version
        },
        {"values": {cell("a"): 40, cell("b"): 13}, "rows": [("a",), ("b",)], "cols": n},
        {"values": {cell("y2"): 50, cell("z"): 30}, "rows": [("y2",), ("z",)], "cols": n},
        {"values": {cell("p"): 30, cell("q"): 40}, "rows": [("p",), ("q",)], "cols": n},
    ]
    relations = [
        ({(0, (T, ("n",))): 1, (1, (T, ("n",))): -1}, 0, 0),
        ({(0, cell("y")): 1, (2, cell("y2")): -1}, 0, 0),
    ]
    alone = [protect_table(**spec, rules=exact) for spec in specs]
    assert alone[2].cells[cell("y2")].value == 50  # read together, x = 53 - 50
    protected = protect_related(specs, relations, rules=exact)
    assert protected[2].cells[cell("y2")].value is None
    for untouched in (1, 3):
        assert {k: p.value for k, p in protected[untouched].cells.items()} == {
            k: p.value for k, p in alone[untouched].cells.items()
        }
    assert all(p.value is not None for p in protected[3].cells.values())
    knowledge = Knowledge(threshold=10, base=1)
    for name, spec, result in zip("abcd", specs, protected, strict=True):
        grid = {k: p.value for k, p in result.cells.items()}
        knowledge.add_grid(name, grid, spec["rows"], spec["cols"], T)
    knowledge.same(("a", T, ("n",)), ("b", T, ("n",)))
    knowledge.same(("a", ("y",), ("n",)), ("c", ("y2",), ("n",)))
    assert ("a", ("x",), ("n",)) in knowledge.ranges()
    low, high = knowledge.ranges()[("a", ("x",), ("n",))]
    assert high - low >= PROTECTION
