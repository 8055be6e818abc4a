"""Protecting a table of counts: primary suppression, secondary suppression, rounding.

A table is a set of entries (interior cells and the totals that will be published) and lines:
lists of entries that add up to another entry (a row and its total, a column and its total).
Linked tables are one such system whose shared entries (the same people counted twice) are the
same entry. Protection decides which entries to hide and rounds the rest:

1. Primary suppression: every count under `Rules.threshold` (zeros included) is hidden.
2. Secondary suppression, solved as an optimisation: choose the cheapest further entries to hide
   (cost grows with the count, and totals cost more than cells) so that no line has exactly one
   hidden entry and every hidden entry has, in each of its lines, at least `Rules.protection` of
   room from the other hidden entries. This is a mixed-integer program (scipy's HiGHS).
3. Audit by the intruder (audit.py), who knows the rules: every hidden entry must keep a range
   at least `Rules.protection` wide. Where one does not, a cut ("hide at least one more entry
   next to it") is added to the program and it is solved again, until the audit passes.
4. Rounding: every published count is rounded half up to a multiple of `Rules.base`; totals are
   rounded on their own, so a table may not add up.

Markers follow the Government Statistical Service convention, the same in every table:
"c" confidential (hidden by disclosure control), "x" not available (not published at this
level), "z" not applicable.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from talklondon.disclosure.audit import Fact, Line, Rules, weak_entries

TOTAL = "all"
CONFIDENTIAL = "c"
NOT_AVAILABLE = "x"
NOT_APPLICABLE = "z"
MARKERS = {
    CONFIDENTIAL: "confidential: hidden so that no one can be identified",
    NOT_AVAILABLE: "not available: not published at this level",
    NOT_APPLICABLE: "not applicable",
}
RULES = Rules()
THRESHOLD = RULES.threshold
BASE = RULES.base

Key = tuple[tuple[str, ...], tuple[str, ...]]  # (row key, column key) within one table


@dataclass(frozen=True)
class Published:
    value: int | None
    flag: str = ""  # "", "c", "x" or "z"

    @property
    def display(self) -> str:
        if self.value is None:
            return f"[{self.flag}]"
        return f"{self.value:,}"


@dataclass
class ProtectedTable:
    cells: dict[Key, Published]
    notes: list[str] = field(default_factory=list)

    @property
    def suppressed(self) -> frozenset[Key]:
        return frozenset(k for k, p in self.cells.items() if p.flag == CONFIDENTIAL)


def round_significant(value: int, digits: int = 3) -> int:
    """Round half up to `digits` significant figures (exact below 10**digits)."""
    if value < 10**digits:
        return value
    scale = 10 ** (len(str(value)) - digits)
    return (value + scale // 2) // scale * scale


def round_base(value: int, base: int = BASE) -> int:
    """Round half up to the nearest multiple of `base`."""
    return (value + base // 2) // base * base


def apply_rounding(value: int, rounding: str) -> int:
    if rounding == "3sf":
        return round_significant(value)
    if rounding == "base5":
        return round_base(value)
    return value


# --- Systems of entries and lines -------------------------------------------------------------


def _secondary(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    primary: set,
    rules: Rules,
    cuts: list[set],
) -> set:
    """The cheapest set of entries to hide, containing `primary`, such that no line hides
    exactly one entry, each hidden entry has `rules.protection` of room in each of its lines,
    and every cut (a set of entries at least one of which must be hidden) is met."""
    # Loaded here rather than at import, like the audit's solvers (see audit.Intruder).
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    keys = list(values)
    index = {k: i for i, k in enumerate(keys)}
    totals = {total for _parts, total in lines}
    cost = np.array(
        [(values[k] + 1) * (2 if k in totals else 1) for k in keys],
        dtype=float,
    )
    rows: list[tuple[dict[int, float], float]] = []  # ({column: coefficient}, lower bound)
    for parts, total in lines:
        members = [*parts, total]
        line_sum = sum(values[m] for m in members)
        need = min(rules.protection, line_sum)
        for p in members:
            others = [m for m in members if m != p]
            # No lone hidden entry: sum(others hidden) - y_p >= 0.
            row = {index[m]: 1.0 for m in others}
            row[index[p]] = row.get(index[p], 0) - 1
            rows.append((row, 0.0))
            # Room: the counts of the other hidden entries can move p by at least `need`.
            room = {index[m]: float(values[m]) for m in others if values[m]}
            room[index[p]] = room.get(index[p], 0) + values[p] - need
            rows.append((room, 0.0))
    for cut in cuts:
        rows.append(({index[k]: 1.0 for k in cut}, 1.0))
    # Built from (row, column, coefficient) triples at once: setting a sparse matrix entry
    # by entry cost more than solving the program.
    at_row = [r for r, (row, _bound) in enumerate(rows) for _ in row]
    at_column = [column for row, _bound in rows for column in row]
    coefficients = [coefficient for row, _bound in rows for coefficient in row.values()]
    matrix = coo_matrix(
        (coefficients, (at_row, at_column)), shape=(max(len(rows), 1), len(keys))
    ).tocsr()
    matrix.eliminate_zeros()
    lower = np.zeros(max(len(rows), 1))
    lower[: len(rows)] = [bound for _row, bound in rows]
    low = np.array([1.0 if k in primary else 0.0 for k in keys])
    result = milp(
        cost,
        constraints=LinearConstraint(matrix, lower, np.inf),
        bounds=Bounds(low, np.ones(len(keys))),
        integrality=np.ones(len(keys)),
    )
    if result.status != 0:  # cannot happen (hiding everything is feasible), but never guess
        return set(keys)
    return {k for k in keys if result.x[index[k]] > 0.5}


def protect_system(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    *,
    rules: Rules = RULES,
    forced: Iterable[Hashable] = (),
    max_rounds: int = 60,
) -> dict[Hashable, int | None]:
    """Decide what to publish: {entry: rounded count, or None when hidden}.

    `forced` entries are hidden whatever their count (hidden in an earlier version).
    """
    values = {k: int(v) for k, v in values.items()}
    primary = {k for k, v in values.items() if v < rules.threshold}
    primary |= {k for k in forced if k in values}
    in_lines = {k for parts, total in lines for k in [*parts, total]}
    cuts: list[set] = []
    hidden = set(primary)
    for _ in range(max_rounds):
        hidden = _secondary(values, lines, primary, rules, cuts) if lines else set(primary)
        published = {
            k: None if k in hidden else round_base(v, rules.base) for k, v in values.items()
        }
        weak = weak_entries(
            published, lines, values, rules=rules, targets=[k for k in hidden if k in in_lines]
        )
        if not weak:
            return published
        for key in weak:
            neighbours = {
                m for parts, total in lines if key in [*parts, total] for m in [*parts, total]
            }
            cut = neighbours - hidden or set(values) - hidden
            if not cut:
                return published  # everything is hidden already
            cuts.append(cut)
    return dict.fromkeys(values)  # never reached in practice: hide everything rather than guess


# --- Grids: rows × columns with their totals -----------------------------------------------------


def total_key(dims: int) -> tuple[str, ...]:
    return (TOTAL,) * max(dims, 1)


@dataclass
class Grid:
    """The extended grid: interior cells plus the totals that will be published."""

    rows: list[tuple[str, ...]]
    cols: list[tuple[str, ...]]
    values: dict[Key, int]
    lines: list[tuple[list[Key], Key]]  # (parts, total)


def grid_of(
    values: Mapping[Key, int],
    rows: list[tuple[str, ...]],
    cols: list[tuple[str, ...]],
    *,
    additive: bool,
) -> Grid:
    row_total = total_key(len(rows[0]) if rows else 1)
    col_total = total_key(len(cols[0]) if cols else 1)
    grid_values: dict[Key, int] = {(r, c): int(values.get((r, c), 0)) for r in rows for c in cols}
    lines: list[tuple[list[Key], Key]] = []
    if additive and rows and cols:
        row_totals = len(cols) > 1
        col_totals = len(rows) > 1
        if row_totals:
            for r in rows:
                key = (r, col_total)
                grid_values[key] = sum(grid_values[(r, c)] for c in cols)
                lines.append(([(r, c) for c in cols], key))
        if col_totals:
            for c in cols:
                key = (row_total, c)
                grid_values[key] = sum(grid_values[(r, c)] for r in rows)
                lines.append(([(r, c) for r in rows], key))
        if row_totals and col_totals:
            grand = (row_total, col_total)
            grid_values[grand] = sum(grid_values[(r, c)] for r in rows for c in cols)
            lines.append(([(row_total, c) for c in cols], grand))
            lines.append(([(r, col_total) for r in rows], grand))
    return Grid(rows=rows, cols=cols, values=grid_values, lines=lines)


def published_grid(spec: dict) -> Grid:
    """The figures of a table (a dict of protect_table's arguments) that are published as
    counts, with their sums: rows and columns left out as [x] or [z] are in no total."""
    left_out = set(spec.get("sensitive_rows", ())) | set(spec.get("not_applicable_rows", ()))
    sensitive_cols = set(spec.get("sensitive_cols", ()))
    return grid_of(
        spec["values"],
        [r for r in spec["rows"] if r not in left_out],
        [c for c in spec["cols"] if c not in sensitive_cols],
        additive=spec.get("additive", True),
    )


CONFIDENTIAL_NOTE = (
    "[c] means confidential: the figure is under 10, or is hidden so that a figure under 10 "
    "cannot be worked out."
)
ROUNDING_NOTE = (
    "Figures are rounded to the nearest 5 and totals on their own, so they may not add up."
)


def protect_table(
    values: Mapping[Key, int],
    rows: list[tuple[str, ...]],
    cols: list[tuple[str, ...]],
    *,
    tier: str = "B",
    rounding: str = "base5",
    additive: bool = True,
    sensitive_rows: Iterable[tuple[str, ...]] = (),
    sensitive_cols: Iterable[tuple[str, ...]] = (),
    not_applicable_rows: Iterable[tuple[str, ...]] = (),
    forced: Iterable[Key] = (),
    rules: Rules = RULES,
) -> ProtectedTable:
    """Apply the rules of the table's tier and return every published cell and total.

    Tier A (volumes of machines, not people) is exact or rounded, never suppressed. Tier B
    (counts of people or of decisions about them) is protected by `protect_system`.
    Sensitive rows or columns are left out ("x": published only at another level) and
    not-applicable rows are marked "z"; totals leave both out.
    """
    return protect_linked(
        [
            {
                "values": values,
                "rows": rows,
                "cols": cols,
                "tier": tier,
                "rounding": rounding,
                "additive": additive,
                "sensitive_rows": sensitive_rows,
                "sensitive_cols": sensitive_cols,
                "not_applicable_rows": not_applicable_rows,
                "forced": forced,
            }
        ],
        rules=rules,
    )[0]


def protect_linked(
    tables: list[dict],
    *,
    shared: Iterable[Key] = (),
    rules: Rules = RULES,
) -> list[ProtectedTable]:
    """Protect tables together. Each is a dict of `protect_table`'s arguments. Entries in
    `shared` that hold the same count in several tables (the same people, such as the column
    totals of hits by area and by camera owner) are one entry of one system, so the intruder's
    knowledge that they are equal is part of the audit."""
    shared = set(shared)
    grids = [published_grid(spec) for spec in tables]

    def shared_name(key: Key):
        if all(v == TOTAL for v in key[0]):
            return ("shared", (), key[1])
        return ("shared", key[0], key[1])

    # Which shared entries really hold the same count in every table that has them.
    seen: dict = {}
    for grid in grids:
        for key in shared & set(grid.values):
            seen.setdefault(shared_name(key), set()).add(grid.values[key])
    merged = {name for name, counts in seen.items() if len(counts) == 1}

    def name(i: int, key: Key):
        if key in shared and shared_name(key) in merged:
            return shared_name(key)
        return (i, key)

    values: dict = {}
    lines: list[Line] = []
    forced: set = set()
    for i, (spec, grid) in enumerate(zip(tables, grids, strict=True)):
        if spec.get("tier", "B") != "B":
            continue
        for key, value in grid.values.items():
            values[name(i, key)] = value
        lines += [([name(i, p) for p in parts], name(i, total)) for parts, total in grid.lines]
        forced |= {name(i, k) for k in spec.get("forced", ()) if k in grid.values}
    decided = protect_system(values, lines, rules=rules, forced=forced) if values else {}

    results = []
    for i, (spec, grid) in enumerate(zip(tables, grids, strict=True)):
        results.append(_finish(spec, grid, {k: decided.get(name(i, k)) for k in grid.values}))
    return results


Entry = tuple[int, Key]  # a figure of one of several tables: (table index, key)
Relation = tuple[Mapping[Entry, float], float, float]  # low <= sum(coefficient * entry) <= high


def protect_related(
    tables: list[dict],
    relations: Iterable[Relation],
    *,
    rules: Rules = RULES,
    max_rounds: int = 40,
) -> list[ProtectedTable]:
    """Protect many tier B tables that count the same people, against an intruder who reads
    them together.

    Each table is a dict of `protect_table`'s arguments and is protected on its own (quick, as
    every table's own optimisation is small); then the intruder audits all of them at once,
    knowing each table's sums and the `relations` between tables (two figures count the same
    people; a follow-up question was answered by at most the people who gave the answer that
    opens it). Where the intruder narrows a hidden figure under the threshold to a range less
    than `rules.protection` wide (figures at or above it, hidden only to protect others, need
    no such range), the smallest published figure that shares a sum or a relation with it is
    hidden too (or, where all of those are hidden already, the nearest published one further
    out), and the tables are protected again, until the joint audit passes. Solving every
    table as one system (`protect_linked`) is exact but grows too fast for a survey's dozens
    of tables by borough.

    Relations must be ones the intruder can know from the published questionnaire (questions
    everyone is shown, follow-ups and what opens them), never coincidences of the counts: an
    audit that assumed coincidences would find hidden figures pinned that nothing published
    reveals. The consultation's results tables use it for each survey's tables
    (consultation/analysis/results_tables.py, which says which relations).
    """
    relations = list(relations)
    grids = [published_grid(spec) for spec in tables]
    forced = [set(spec.get("forced", ())) for spec in tables]
    true = {(i, key): value for i, grid in enumerate(grids) for key, value in grid.values.items()}
    lines: list[Line] = [
        ([(i, p) for p in parts], (i, total))
        for i, grid in enumerate(grids)
        for parts, total in grid.lines
    ]
    # A relation the true figures break is not one the intruder can rely on (a paper form
    # answers a question its reader was not meant to see, or skips a required one), and an
    # audit that assumed it would rule out the truth itself: only relations that hold count.
    facts: list[Fact] = []
    for coefficients, low, high in relations:
        if all(entry in true for entry in coefficients):
            value = sum(c * true[entry] for entry, c in coefficients.items())
            if low <= value <= high:
                facts.append((dict(coefficients), low, high))
    groups = [[*parts, total] for parts, total in lines] + [list(c) for c, _lo, _hi in facts]
    groups_of: dict[Entry, list[list[Entry]]] = {}
    for group in groups:
        for entry in group:
            groups_of.setdefault(entry, []).append(group)

    def required(entry: Entry) -> int:
        # The protection interval is for the small counts, the ones hidden because they could
        # single people out. A count at or above the threshold hidden only to protect them may
        # be worked out as closely as a published count can (the same people counted in a
        # table that publishes it, rounded, pin it to the same five values): demanding more
        # of it would hide every figure of every table that shares those people.
        return rules.protection if true[entry] < rules.threshold else 0

    protected: list[ProtectedTable | None] = [None] * len(tables)
    audited: set[Entry] | None = None
    weak: set[Entry] = set()
    for _ in range(max_rounds):
        for i, spec in enumerate(tables):
            if protected[i] is None:  # new, or given a figure more to hide in the last round
                protected[i] = protect_table(**{**spec, "forced": forced[i]}, rules=rules)
        published = {
            (i, key): protected[i].cells[key].value
            for i, grid in enumerate(grids)
            for key in grid.values
        }
        hidden = {entry for entry, value in published.items() if value is None}
        # Hiding more only takes knowledge away from the intruder, and every table keeps what
        # it hid before (below), so a figure found safe stays safe: after the first audit only
        # the figures hidden since and the weak ones need auditing again.
        targets = hidden if audited is None else (hidden - audited) | weak
        weak = set(
            weak_entries(
                published,
                lines,
                true,
                rules=rules,
                facts=facts,
                targets=targets,
                required={entry: required(entry) for entry in targets},
            )
        )
        audited = hidden
        if not weak:
            return protected
        candidates = {
            found
            for entry in weak
            if (found := _nearest_published(entry, groups_of, published, true)) is not None
        }
        if not candidates:
            return protected  # everything is hidden already: nothing more can be done
        for table in {table for table, _key in candidates}:
            forced[table] |= protected[table].suppressed
            protected[table] = None
        for table, key in candidates:
            forced[table].add(key)
    # Never reached in practice: hide every figure rather than publish a weak one.
    return [
        protect_table(**{**spec, "forced": set(grids[i].values)}, rules=rules)
        for i, spec in enumerate(tables)
    ]


def _nearest_published(
    entry: Entry,
    groups_of: Mapping[Entry, list[list[Entry]]],
    published: Mapping[Entry, int | None],
    true: Mapping[Entry, int],
) -> Entry | None:
    """The smallest published figure nearest to a weak hidden one: in a sum or relation with
    it, else with a figure that is, and so on outwards.

    Where every figure next to the weak one is hidden already, what narrows it comes from
    further away (a hidden total equal, through a relation, to a published one): hiding the
    nearest published figures is what widens it, not hiding every figure of every table.
    """
    seen, frontier = {entry}, [entry]
    while frontier:
        near = {m for e in frontier for group in groups_of.get(e, ()) for m in group} - seen
        found = [m for m in near if published[m] is not None]
        if found:
            return min(found, key=lambda m: (true[m], m[0], m[1]))
        seen |= near
        frontier = list(near)
    return None


def _finish(spec: dict, grid: Grid, decided: dict) -> ProtectedTable:
    rows, cols = spec["rows"], spec["cols"]
    tier, rounding = spec.get("tier", "B"), spec.get("rounding", "base5")
    sensitive_rows = set(spec.get("sensitive_rows", ()))
    sensitive_cols = set(spec.get("sensitive_cols", ()))
    na_rows = set(spec.get("not_applicable_rows", ()))
    additive = spec.get("additive", True)
    cells: dict[Key, Published] = {}
    notes: list[str] = []
    if tier == "A":
        for key, value in grid.values.items():
            cells[key] = Published(apply_rounding(value, rounding))
        if rounding == "3sf":
            notes.append(
                "Reads are rounded to three significant figures; totals are rounded on their own."
            )
    else:
        for key in grid.values:
            value = decided[key]
            cells[key] = Published(None, CONFIDENTIAL) if value is None else Published(value)
        if any(v is None for v in decided.values()):
            notes.append(CONFIDENTIAL_NOTE)
        if grid.lines:
            notes.append(ROUNDING_NOTE)
    for r in rows:
        for c in cols:
            if r in na_rows:
                cells[(r, c)] = Published(None, NOT_APPLICABLE)
            elif r in sensitive_rows or c in sensitive_cols:
                cells[(r, c)] = Published(None, NOT_AVAILABLE)
    if additive and len(cols) > 1:
        # Rows left out of the grid still get a row total, flagged like their cells.
        col_total = total_key(len(cols[0]))
        for r in rows:
            if r in na_rows:
                cells[(r, col_total)] = Published(None, NOT_APPLICABLE)
            elif r in sensitive_rows:
                cells[(r, col_total)] = Published(None, NOT_AVAILABLE)
    if sensitive_rows or sensitive_cols:
        notes.append(
            "[x] means not available: sensitive categories are published only as annual "
            "London-wide figures; totals leave them out."
        )
    if na_rows:
        notes.append(
            "[z] means not applicable: the City of London is policed by the City of London Police."
        )
    return ProtectedTable(cells=cells, notes=notes)


def diff_cells(
    old: Mapping[Key, Published], new: Mapping[Key, Published]
) -> list[tuple[Key, str, str]]:
    """Cells whose published figure changed between two releases of the same table."""
    changes = []
    for key in sorted(set(old) | set(new)):
        before = old[key].display if key in old else "—"
        after = new[key].display if key in new else "—"
        if before != after:
            changes.append((key, before, after))
    return changes


# --- The simple public function -------------------------------------------------------------------


def protect_counts(
    counts: Mapping[str, int] | Mapping[str, Mapping[str, int]],
    *,
    columns: Sequence[str] | None = None,
    forced: Iterable[tuple[str, str]] = (),
    rules: Rules = RULES,
) -> dict[tuple[str, str], Published]:
    """Suppress a one-way ({label: count}) or two-way ({row: {column: count}}) table of counts.

    Returns {(row, column): Published} for every cell and every total, with TOTAL ("all") as
    the row or column name of totals; a one-way table has the single column "count". Hidden
    figures carry the "c" marker; the rest are rounded to `rules.base`. `forced` cells are
    hidden whatever their count (for example because an earlier version hid them).
    """
    two_way = any(isinstance(v, Mapping) for v in counts.values())
    if not two_way:
        counts = {label: {"count": value} for label, value in counts.items()}
        columns = ["count"]
    if columns is None:
        columns = list(dict.fromkeys(c for row in counts.values() for c in row))
    rows = [(str(r),) for r in counts]
    cols = [(str(c),) for c in columns]
    values = {((str(r),), (str(c),)): int(counts[r].get(c, 0)) for r in counts for c in columns}
    protected = protect_table(
        values,
        rows,
        cols,
        forced=[((r,), (c,)) for r, c in forced],
        rules=rules,
    )
    cells = {(row[0], col[0]): published for (row, col), published in protected.cells.items()}
    # The grid adds no line for a single row (or column): its total is the same count. Give that
    # total anyway, published exactly as the row (or column) is, so every table has its totals.
    if len(rows) == 1:
        for column in [*columns, *([TOTAL] if two_way and len(columns) > 1 else [])]:
            cells[(TOTAL, str(column))] = cells[(rows[0][0], str(column))]
    if two_way and len(columns) == 1:
        for row in [r[0] for r in rows] + ([TOTAL] if rows else []):
            cells[(row, TOTAL)] = cells[(row, str(columns[0]))]
    return cells
