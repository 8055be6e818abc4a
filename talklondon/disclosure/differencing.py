"""Differencing: can comparing two versions of a table single out the people who changed it?

Between two versions of a published table the same people are counted, plus a few late
responses or minus a correction. An intruder who downloads both versions knows every published
figure of each (within rounding, at or above the threshold), the relations within each table
and, when every count went up, that the change is an addition. For every entry that really
changed, we work out the smallest possible change (for an addition) or the largest (for a
removal). If the intruder can be sure that between 1 and threshold − 1 people were added to (or
taken from) an entry, those few people's answers are revealed: the version must wait until
more changes have built up, or hide more.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

from talklondon.disclosure.audit import Intruder, Line
from talklondon.disclosure.engine import (
    RULES,
    ProtectedTable,
    Rules,
    protect_table,
    published_grid,
)

# Attempts at a revision that comparing with the versions before cannot single people out in;
# each hides more, and the last resort hides every figure of the tables still at fault.
REVISION_ROUNDS = 8


def differencing_problems(
    before: Mapping[Hashable, int | None],
    before_true: Mapping[Hashable, int],
    after: Mapping[Hashable, int | None],
    after_true: Mapping[Hashable, int],
    lines: Sequence[Line],
    *,
    rules: Rules = RULES,
) -> list[Hashable]:
    """Entries of a table whose change between two versions the intruder can pin to a small
    non-zero group of people. `before` and `after` are the published versions (None: hidden),
    `*_true` the true counts, `lines` the table's relations (the same in both versions)."""
    keys = [k for k in after if k in before]
    change = {k: after_true[k] - before_true[k] for k in keys}
    if not any(change.values()):
        return []
    published = {("before", k): before[k] for k in keys}
    published.update({("after", k): after[k] for k in keys})
    both_lines = [
        ([(side, p) for p in parts], (side, total))
        for side in ("before", "after")
        for parts, total in lines
        if total in before and total in after
    ]
    facts = []
    if all(c >= 0 for c in change.values()):
        facts = [({("after", k): 1, ("before", k): -1}, 0, float("inf")) for k in keys]
    elif all(c <= 0 for c in change.values()):
        facts = [({("after", k): 1, ("before", k): -1}, float("-inf"), 0) for k in keys]
    intruder = Intruder(published, lines=both_lines, facts=facts, rules=rules)
    problems = []
    for key in keys:
        if change[key] == 0:
            continue
        difference = {("after", key): 1, ("before", key): -1}
        if change[key] > 0:
            least, _ = intruder.extreme(difference, 1)
            if 0 < least < rules.threshold:
                problems.append(key)
        else:
            most, _ = intruder.extreme(difference, -1)
            if -rules.threshold < most < 0:
                problems.append(key)
    return problems


def differencing_repair(
    after: Mapping[Hashable, int | None], problems: Sequence[Hashable], lines: Sequence[Line]
) -> set[Hashable]:
    """What to hide in the next attempt at a version whose `problems` (differencing_problems)
    would single people out: each of them, and where one is hidden already (it is pinned
    through the sums it is in, against the earlier version's figures), every entry of those
    sums. Hiding only ever takes knowledge away, so repeating this ends: at worst with the
    whole table hidden."""
    more: set[Hashable] = set()
    for entry in problems:
        if after.get(entry) is None:
            for parts, total in lines:
                if entry in (*parts, total):
                    more.update((*parts, total))
        more.add(entry)
    return more


def protect_revision(
    specs: list[dict],
    earlier: Sequence[Sequence[tuple[Mapping, Mapping]]],
    *,
    protect: Callable[[list[dict]], list[ProtectedTable]] | None = None,
    rules: Rules = RULES,
) -> list[ProtectedTable]:
    """Protect a new version of published tables so that comparing it with each earlier
    version singles no one out.

    `specs` are protect_table's arguments (their `forced` should hold what earlier versions
    hid); `earlier[i]` lists the earlier versions of table i as (published figures, true
    counts including totals), keyed as the grid is; `protect` protects the specs together
    (protect_table each, by default). Where a version would pin a change to a few people,
    `differencing_repair` hides more and the tables are protected again; after
    REVISION_ROUNDS attempts a table still at fault is hidden whole.
    """
    protect = protect or (lambda found: [protect_table(**spec, rules=rules) for spec in found])
    specs = [{**spec, "forced": set(spec.get("forced", ()))} for spec in specs]
    for attempt in range(REVISION_ROUNDS + 1):
        results = protect(specs)
        at_fault = False
        for spec, result, versions in zip(specs, results, earlier, strict=True):
            grid = published_grid(spec)
            after = {key: result.cells[key].value for key in grid.values}
            for before, before_true in versions:
                problems = differencing_problems(
                    before, before_true, after, grid.values, grid.lines, rules=rules
                )
                if problems:
                    at_fault = True
                    spec["forced"] |= (
                        differencing_repair(after, problems, grid.lines)
                        if attempt < REVISION_ROUNDS - 1
                        else set(grid.values)
                    )
        if not at_fault:
            break
    return results
