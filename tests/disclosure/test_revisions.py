"""A revised table against an intruder who downloads every version (issue 15: differencing).

Each version is protected by the engine; the intruder (intruder.py, written separately) reads
both, knows each version's sums and rounding and, when every count went up, that the revision
only added people. Comparing the versions must never show that between 1 and 9 people were
added to (or taken from) any figure, and no hidden figure of either version may be narrowed.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talklondon.disclosure import (
    TOTAL,
    Rules,
    protect_revision,
    protect_table,
    published_grid,
)
from tests.disclosure.intruder import Knowledge
from tests.disclosure.test_engine import counts

RULES = Rules()
T = (TOTAL,)


@st.composite
def revisions(draw):
    """A table, and the same table after a correction: a few cells moved by a few people."""
    rows = [(f"r{i}",) for i in range(draw(st.integers(1, 5)))]
    cols = [(f"c{j}",) for j in range(draw(st.integers(1, 4)))]
    before = {(r, c): draw(counts) for r in rows for c in cols}
    after = dict(before)
    only_up = draw(st.booleans())
    for key in draw(st.lists(st.sampled_from(sorted(before)), min_size=1, max_size=3)):
        step = draw(st.integers(1, 9) if only_up else st.integers(-9, 9))
        after[key] = max(0, after[key] + step)
    return rows, cols, before, after


def read(knowledge: Knowledge, name: str, protected, rows, cols) -> dict:
    figures = {key: published.value for key, published in protected.cells.items()}
    knowledge.add_grid(name, figures, rows, cols, T)
    return figures


def versions_compared(rows, cols, before, after):
    """Both versions as published, and what the intruder can tell about each change."""
    first = protect_table(before, rows, cols)
    spec = {"values": after, "rows": rows, "cols": cols, "forced": first.suppressed}
    true_before = published_grid({**spec, "values": before}).values
    figures_before = {key: p.value for key, p in first.cells.items()}
    [second] = protect_revision([spec], [[(figures_before, true_before)]])
    knowledge = Knowledge(threshold=RULES.threshold, base=RULES.base)
    read(knowledge, "before", first, rows, cols)
    read(knowledge, "after", second, rows, cols)
    true_after = published_grid(spec).values
    change = {key: true_after[key] - true_before[key] for key in true_after}
    if all(c >= 0 for c in change.values()):  # the intruder may know it only added people
        for key in change:
            knowledge.fact({("after", *key): 1, ("before", *key): -1}, 0, float("inf"))
    spans = knowledge.ranges(
        targets=list(change),
        objective=lambda key: {("after", *key): 1, ("before", *key): -1},
    )
    return first, second, change, spans, knowledge


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(revisions())
def test_comparing_a_revision_with_the_version_before_singles_no_one_out(revision):
    rows, cols, before, after = revision
    first, second, change, spans, knowledge = versions_compared(rows, cols, before, after)
    for key, (low, high) in spans.items():
        assert not 0 < low < RULES.threshold, (key, change[key], (low, high))
        assert not -RULES.threshold < high < 0, (key, change[key], (low, high))
    # What was hidden stays hidden, and no hidden figure of either version is narrowed.
    assert first.suppressed <= second.suppressed
    for name, version, values in (("before", first, before), ("after", second, after)):
        grid = published_grid({"values": values, "rows": rows, "cols": cols}).values
        for key, (low, high) in knowledge.ranges(
            targets=[(name, *key) for key, p in version.cells.items() if p.value is None]
        ).items():
            if grid[key[1:]] < RULES.threshold:
                assert high - low >= RULES.protection, (key, grid[key[1:]], (low, high))


def test_the_revision_check_can_fail():
    """Without the check, a correction of three people to a figure published as 20 is pinned
    by comparing the versions: the test above would catch an engine that did not look."""
    rows, cols = [("a",), ("b",)], [("x",), ("y",)]
    before = {
        (("a",), ("x",)): 20,
        (("a",), ("y",)): 40,
        (("b",), ("x",)): 35,
        (("b",), ("y",)): 50,
    }
    after = {**before, (("a",), ("x",)): 23}
    first = protect_table(before, rows, cols)
    unchecked = protect_table(after, rows, cols, forced=first.suppressed)
    knowledge = Knowledge(threshold=RULES.threshold, base=RULES.base)
    read(knowledge, "before", first, rows, cols)
    read(knowledge, "after", unchecked, rows, cols)
    target = (("a",), ("x",))
    [(low, high)] = knowledge.ranges(
        targets=[target], objective=lambda key: {("after", *key): 1, ("before", *key): -1}
    ).values()
    assert 0 < low < RULES.threshold
    _first, second, _change, spans, _knowledge = versions_compared(rows, cols, before, after)
    assert second.cells[target].value is None
    assert not 0 < spans[target][0] < RULES.threshold
