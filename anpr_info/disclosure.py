"""Statistical disclosure control: pure functions, no database, no Django.

A table is a grid of non-negative integer counts: rows × columns, where a row (or column) key is a
tuple of dimension values. Protection returns, for every interior cell and every published total,
either a published value or a symbol:

- "x": suppressed (a small count, or a cell hidden so that a small count cannot be worked out);
- "c": a sensitive category (tier C), published only as an annual London-wide figure;
- "z": not applicable (for example the City of London in Metropolitan Police outcomes).

Tier A: exact, or three significant figures for reads.
Tier B: primary suppression of values under 10 (zeros included), rounding of the rest to the
nearest 5, secondary suppression so that every line (row or column with its total) holding a
suppressed entry holds at least two, and then an audit by linear programming: for every
suppressed entry we compute the smallest and largest values consistent with everything published
(each published value known only to ±2 because of rounding, totals included) and we suppress more
until every interval is at least one rounding base wide. Totals are rounded on their own, so a
table may not add up.

Cells suppressed in an earlier release of the same table and period stay suppressed (`forced`),
so that comparing releases cannot reveal them either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

TOTAL = "all"
THRESHOLD = 10
BASE = 5

Key = tuple[tuple[str, ...], tuple[str, ...]]  # (row key, column key)


@dataclass(frozen=True)
class Published:
    value: int | None
    flag: str = ""  # "", "x", "c" or "z"

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
        return frozenset(k for k, p in self.cells.items() if p.flag == "x")


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


def total_key(dims: int) -> tuple[str, ...]:
    return (TOTAL,) * max(dims, 1)


@dataclass
class _Grid:
    """The extended grid: interior cells plus the totals that will be published."""

    rows: list[tuple[str, ...]]
    cols: list[tuple[str, ...]]
    values: dict[Key, int]
    lines: list[tuple[list[Key], Key]]  # (parts, total)


def _grid(
    values: Mapping[Key, int],
    rows: list[tuple[str, ...]],
    cols: list[tuple[str, ...]],
    *,
    additive: bool,
) -> _Grid:
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
    return _Grid(rows=rows, cols=cols, values=grid_values, lines=lines)


def _close_lines(grid: _Grid, suppressed: set[Key]) -> None:
    """Secondary suppression: no line may hold exactly one suppressed entry."""
    changed = True
    while changed:
        changed = False
        for parts, total in grid.lines:
            members = [*parts, total]
            hidden = [k for k in members if k in suppressed]
            if len(hidden) != 1:
                continue
            candidates = [k for k in members if k not in suppressed]
            if not candidates:
                continue
            # Prefer interior cells, then the smallest value: least information lost.
            choice = min(candidates, key=lambda k: (k == total, grid.values[k], k))
            suppressed.add(choice)
            changed = True


class _Audit:
    """The outsider's linear program: published values to ±half_width, suppressed ones ≥ 0, and
    each line's parts adding up to its total."""

    def __init__(self, published: Mapping[Key, int | None], lines, half_width: int):
        self.keys = list(published)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.lines = list(lines)
        self.bounds = np.array(
            [
                (0.0, np.inf)
                if published[k] is None
                else (max(0, published[k] - half_width), published[k] + half_width)
                for k in self.keys
            ],
            dtype=float,
        )
        a_eq = lil_matrix((max(len(self.lines), 1), len(self.keys)))
        for row, (parts, total) in enumerate(self.lines):
            for part in parts:
                a_eq[row, self.index[part]] = 1
            a_eq[row, self.index[total]] = -1
        self.a_eq = a_eq.tocsr()
        self.b_eq = np.zeros(max(len(self.lines), 1))

    def solve(self, key: Key, sense: int):
        """Minimise (sense=1) or maximise (sense=-1) one entry; returns (value, point) or
        (inf, None) when unbounded."""
        c = np.zeros(len(self.keys))
        c[self.index[key]] = sense
        result = linprog(c, A_eq=self.a_eq, b_eq=self.b_eq, bounds=self.bounds, method="highs")
        if result.status == 0:
            return sense * result.fun, result.x
        if result.status == 3:  # unbounded
            return float("inf") * -sense, None
        raise RuntimeError(f"Disclosure audit failed: {result.message}")


def audit_intervals(
    published: Mapping[Key, int | None],
    lines: Iterable[tuple[list[Key], Key]],
    *,
    half_width: int = BASE // 2,
    targets: Iterable[Key] | None = None,
) -> dict[Key, tuple[float, float]]:
    """What an outsider can deduce: the exact [min, max] of each suppressed entry.

    `published` maps every entry to its published value, or None when suppressed. Published
    values are known to ±half_width (rounding); suppressed ones only to be non-negative. Each line
    says its parts add up to its total. Returns the interval of every suppressed entry (or of
    `targets`); float("inf") when unbounded.
    """
    audit = _Audit(published, lines, half_width)
    wanted = (
        list(targets) if targets is not None else [k for k in audit.keys if published[k] is None]
    )
    return {k: (audit.solve(k, 1)[0], audit.solve(k, -1)[0]) for k in wanted}


def weak_entries(
    published: Mapping[Key, int | None],
    lines: Iterable[tuple[list[Key], Key]],
    true_values: Mapping[Key, int],
    targets: Iterable[Key],
    *,
    base: int = BASE,
) -> list[Key]:
    """Suppressed entries whose interval is narrower than `base`.

    Faster than `audit_intervals`: every solution the solver returns is a table consistent with
    what is published, so it shows a spread for every entry at once; an entry needs its own
    programs only while the spread seen so far is narrower than `base`. The true table is the
    first such solution.
    """
    audit = _Audit(published, lines, base // 2)
    targets = list(targets)
    low = {k: float(true_values[k]) for k in targets}
    high = dict(low)

    def observe(point) -> None:
        for k in targets:
            value = point[audit.index[k]]
            low[k] = min(low[k], value)
            high[k] = max(high[k], value)

    weak = []
    for k in targets:
        for sense in (-1, 1):
            if high[k] - low[k] >= base - 1e-6:
                break
            value, point = audit.solve(k, sense)
            if point is None:
                high[k] = float("inf")
                break
            observe(point)
        if high[k] - low[k] < base - 1e-6:
            weak.append(k)
    return weak


def _needs_audit(grid: _Grid, suppressed: set[Key]) -> list[Key]:
    """Suppressed entries that sit in at least one line (others are trivially protected)."""
    in_lines = {k for parts, total in grid.lines for k in [*parts, total]}
    return [k for k in suppressed if k in in_lines]


def protect_table(
    values: Mapping[Key, int],
    rows: list[tuple[str, ...]],
    cols: list[tuple[str, ...]],
    *,
    tier: str,
    rounding: str,
    additive: bool = True,
    sensitive_rows: Iterable[tuple[str, ...]] = (),
    sensitive_cols: Iterable[tuple[str, ...]] = (),
    not_applicable_rows: Iterable[tuple[str, ...]] = (),
    forced: Iterable[Key] = (),
    threshold: int = THRESHOLD,
    base: int = BASE,
) -> ProtectedTable:
    """Apply the rules of the table's tier and return every published cell and total."""
    sensitive_rows = set(sensitive_rows)
    sensitive_cols = set(sensitive_cols)
    na_rows = set(not_applicable_rows)
    kept_rows = [r for r in rows if r not in sensitive_rows and r not in na_rows]
    kept_cols = [c for c in cols if c not in sensitive_cols]
    grid = _grid(values, kept_rows, kept_cols, additive=additive)
    notes: list[str] = []
    cells: dict[Key, Published] = {}

    if tier == "A":
        for key, value in grid.values.items():
            cells[key] = Published(apply_rounding(value, rounding))
        if rounding == "3sf":
            notes.append(
                "Reads are rounded to three significant figures; totals are rounded on their own."
            )
    else:
        suppressed = {k for k, v in grid.values.items() if v < threshold}
        suppressed |= {k for k in forced if k in grid.values}
        _close_lines(grid, suppressed)
        # Audit, and widen the pattern until every suppressed entry is protected.
        for _ in range(len(grid.values) + 1):
            pending = _needs_audit(grid, suppressed)
            if not pending:
                break
            published = {
                k: (None if k in suppressed else round_base(v, base))
                for k, v in grid.values.items()
            }
            weak = weak_entries(published, grid.lines, grid.values, pending, base=base)
            if not weak:
                break
            for k in weak:
                _widen(grid, suppressed, k)
            _close_lines(grid, suppressed)
        for key, value in grid.values.items():
            if key in suppressed:
                cells[key] = Published(None, "x")
            else:
                cells[key] = Published(round_base(value, base))
        if suppressed:
            notes.append(
                "[x] means the figure is under 10, or is hidden so that a figure under 10 cannot "
                "be worked out."
            )
        if grid.lines:
            notes.append(
                "Figures are rounded to the nearest 5 and totals on their own, so they may not add up."
            )
    for r in rows:
        for c in cols:
            if r in na_rows:
                cells[(r, c)] = Published(None, "z")
            elif r in sensitive_rows or c in sensitive_cols:
                cells[(r, c)] = Published(None, "c")
    if additive and len(cols) > 1:
        # Rows left out of the grid still get a row total, flagged like their cells.
        col_total = total_key(len(cols[0]))
        for r in rows:
            if r in na_rows:
                cells[(r, col_total)] = Published(None, "z")
            elif r in sensitive_rows:
                cells[(r, col_total)] = Published(None, "c")
    if sensitive_rows or sensitive_cols:
        notes.append(
            "[c] marks sensitive categories, published only as annual London-wide figures; totals leave them out."
        )
    if na_rows:
        notes.append(
            "[z] means not applicable: the City of London is policed by the City of London Police."
        )
    return ProtectedTable(cells=cells, notes=notes)


def _widen(grid: _Grid, suppressed: set[Key], weak: Key) -> None:
    """Suppress one more entry in a line through `weak`: the largest one, to add most cover."""
    for parts, total in grid.lines:
        members = [*parts, total]
        if weak not in members:
            continue
        candidates = [k for k in members if k not in suppressed]
        if candidates:
            suppressed.add(max(candidates, key=lambda k: (k != total, grid.values[k], k)))
            return


def protect_linked(
    tables: list[dict],
    *,
    shared: Iterable[Key] = (),
) -> list[ProtectedTable]:
    """Protect tables that publish the same totals (e.g. hits by area and by owner share the
    category totals): a shared total hidden in one is hidden in all, until nothing changes."""
    shared = set(shared)
    forced: set[Key] = set()
    for table in tables:
        forced |= set(table.get("forced", ()))
    for _ in range(10):
        results = [
            protect_table(**{**t, "forced": forced | set(t.get("forced", ()))}) for t in tables
        ]
        hidden_shared = {k for r in results for k in r.suppressed if k in shared}
        if hidden_shared <= forced:
            return results
        forced |= hidden_shared
    return results


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
