"""The engine's intruder: what someone who knows the rules can work out about hidden figures.

The intruder knows every published figure and total, the rounding base, the suppression rule
(a published count is at least the threshold; a hidden one is below it or protects another),
and every linear relation between the figures: rows and columns adding up to their totals,
tables sharing totals, a later version counting the same people plus or minus a few. For each
hidden figure the audit solves two integer programs (smallest and largest value consistent with
all of that); a figure is protected when that range is at least `Rules.protection` wide.

Pure functions, no Django: scipy's HiGHS solver does the work.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# No published count comes near it; an entry that reaches it is unbounded.
UNBOUNDED = 10**8

Line = tuple[Sequence[Hashable], Hashable]  # (parts, total): the parts add up to the total
# A linear fact: ({entry: coefficient}, low, high) means low <= sum(coefficient * entry) <= high.
Fact = tuple[Mapping[Hashable, float], float, float]


@dataclass(frozen=True)
class Rules:
    """How a table is protected, and so what the intruder knows about it."""

    threshold: int = 10  # counts below this are never published
    base: int = 5  # published counts are rounded half up to a multiple of this (1: exact)
    protection: int = 5  # every hidden figure's possible range must be at least this wide

    def published_range(self, value: int) -> tuple[int, int]:
        """The true counts that publish as `value`."""
        low = value - self.base // 2
        high = value + (self.base - 1) // 2
        return max(0, self.threshold, low), high


DEFAULT_RULES = Rules()


class Intruder:
    """An integer program over every entry: published ones within their rounding range and
    at or above the threshold, hidden ones any whole number from 0, plus the linear facts."""

    def __init__(
        self,
        published: Mapping[Hashable, int | None],
        *,
        lines: Iterable[Line] = (),
        facts: Iterable[Fact] = (),
        rules: Rules | Mapping[Hashable, Rules] = DEFAULT_RULES,
    ):
        # The solvers load here, not at import: scipy and HiGHS cost every web worker about
        # 70 MB, and only the release and audit tasks ever solve.
        import highspy
        from scipy.optimize import Bounds, LinearConstraint
        from scipy.sparse import coo_matrix

        self.keys = list(published)
        self.index = {k: i for i, k in enumerate(self.keys)}
        low = np.zeros(len(self.keys))
        high = np.full(len(self.keys), float(UNBOUNDED))
        for i, key in enumerate(self.keys):
            value = published[key]
            if value is not None:
                rule = rules if isinstance(rules, Rules) else rules[key]
                low[i], high[i] = rule.published_range(value)
        self.bounds = Bounds(low, high)
        rows: list[Fact] = [
            ({**dict.fromkeys(parts, 1), total: -1}, 0, 0) for parts, total in lines
        ]
        rows += list(facts)
        # From (row, column, coefficient) triples at once (repeated entries add up), not
        # entry by entry: that cost more than the solves.
        at_row = [r for r, (coefficients, _lo, _hi) in enumerate(rows) for _ in coefficients]
        at_column = [self.index[key] for coefficients, _lo, _hi in rows for key in coefficients]
        values = [c for coefficients, _lo, _hi in rows for c in coefficients.values()]
        matrix = coo_matrix(
            (values, (at_row, at_column)), shape=(max(len(rows), 1), len(self.keys))
        ).tocsr()
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        lows, highs = np.zeros(max(len(rows), 1)), np.zeros(max(len(rows), 1))
        lows[: len(rows)] = [lo for _c, lo, _hi in rows]
        highs[: len(rows)] = [hi for _c, _lo, hi in rows]
        self.constraints = LinearConstraint(matrix, lows, highs)
        self.integrality = np.ones(len(self.keys))
        # The same model in HiGHS directly, kept between solves: each new objective starts
        # from the last optimal basis, which makes an audit of hundreds of programs quick.
        columns = matrix.tocsc()
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = len(self.keys), columns.shape[0]
        model.col_cost_ = np.zeros(len(self.keys))
        model.col_lower_, model.col_upper_ = low, high
        model.row_lower_, model.row_upper_ = lows, highs
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.start_ = columns.indptr
        model.a_matrix_.index_ = columns.indices
        model.a_matrix_.value_ = columns.data
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.passModel(model)
        # And once more with every entry a whole number, for the programs whose linear
        # optimum is fractional (tables joined by relations): kept too, so no solve pays for
        # building the model again.
        model.integrality_ = [highspy.HighsVarType.kInteger] * len(self.keys)
        self.mip = highspy.Highs()
        self.mip.setOptionValue("output_flag", False)
        self.mip.passModel(model)
        self.low, self.high = low, high
        self.all_columns = np.arange(len(self.keys), dtype=np.int32)

    def extreme(self, objective: Mapping[Hashable, float], sense: int):
        """Minimise (sense 1) or maximise (sense -1) a linear expression of the entries:
        (value, a whole-number table that attains it).

        The linear relaxation is solved first; when its optimum is already a whole-number
        table (always, for a single table of rows and columns with totals) it is the answer,
        otherwise the integer program is solved."""
        c = np.zeros(len(self.keys))
        for key, coefficient in objective.items():
            c[self.index[key]] += coefficient * sense
        point = self._solve(c)
        value = sense * float(c @ point)
        if abs(value) >= UNBOUNDED / 2:
            value = float("inf") * -sense
        return value, point

    def _solve(self, c) -> np.ndarray:
        """A whole-number table minimising c @ table."""
        import highspy

        self.highs.changeColsCost(len(self.keys), self.all_columns, c)
        self.highs.run()
        if self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            point = np.asarray(self.highs.getSolution().col_value)
            if np.abs(point - np.round(point)).max() <= 1e-6:
                return np.round(point)
        self.mip.changeColsCost(len(self.keys), self.all_columns, c)
        self.mip.run()
        status = self.mip.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"Disclosure audit failed: {self.mip.modelStatusToString(status)}")
        return np.round(np.asarray(self.mip.getSolution().col_value))

    def _witness_above(self, columns: np.ndarray, floors: np.ndarray) -> np.ndarray:
        """A whole-number table that fits what is published with as many of `columns` as it
        can at `floors` or above: the sum of those entries is maximised with each capped at
        its floor, so the slack goes to as many entries as possible instead of all to one."""
        highs = self.high[columns]
        caps = np.maximum(self.low[columns], np.minimum(highs, floors))
        for solver in (self.highs, self.mip):
            solver.changeColsBounds(len(columns), columns.astype(np.int32), self.low[columns], caps)
        try:
            c = np.zeros(len(self.keys))
            c[columns] = -1.0
            return self._solve(c)
        finally:
            for solver in (self.highs, self.mip):
                solver.changeColsBounds(
                    len(columns), columns.astype(np.int32), self.low[columns], highs
                )

    def ranges(
        self,
        targets: Iterable[Hashable],
        *,
        known: Mapping[Hashable, float] | None = None,
        enough: float | Mapping[Hashable, float] | None = None,
    ) -> dict[Hashable, tuple[float, float]]:
        """The [smallest, largest] value of each target.

        With `enough` (one width, or a width per target), stop working on a target once the
        tables seen so far (the true one in `known`, and every solution found) already show it
        spread at least that wide: the range is then only a lower bound on the true one, which
        is all a check needs.
        """
        targets = list(targets)
        need = None
        if isinstance(enough, Mapping):
            need = np.array([float(enough[k]) for k in targets])
        elif enough is not None:
            need = np.full(len(targets), float(enough))
        columns = np.array([self.index[k] for k in targets], dtype=np.int64)
        seen_low = np.full(len(targets), np.inf)
        seen_high = np.full(len(targets), -np.inf)
        if known:
            seen_low = np.array([float(known[k]) for k in targets])
            seen_high = seen_low.copy()
        position = {k: i for i, k in enumerate(targets)}

        def observe(point) -> None:
            # Every whole table that fits what is published widens each target's range at
            # once (vectorised: an audit observes thousands of targets per solution).
            values = np.round(np.asarray(point)[columns])
            np.minimum(seen_low, values, out=seen_low)
            np.maximum(seen_high, values, out=seen_high)

        def spread(k) -> float:
            i = position[k]
            return seen_high[i] - seen_low[i] if np.isfinite(seen_low[i]) else -1.0

        if need is not None and known:
            # Most hidden figures are small and can be as much as `enough` larger: a few
            # tables that lift every figure not yet shown wide enough, each capped at that
            # (`_witness_above`), show most of them in a handful of programs instead of one
            # or two each. The rest get their own two programs below.
            while True:
                narrow = np.flatnonzero(seen_high - seen_low < need)
                if not len(narrow):
                    break
                observe(self._witness_above(columns[narrow], seen_low[narrow] + need[narrow]))
                if np.count_nonzero(seen_high[narrow] - seen_low[narrow] < need[narrow]) == len(
                    narrow
                ):
                    break  # no figure moved: what is left needs its own programs
        for key in targets:
            i = position[key]
            for sense in (-1, 1):
                if need is not None and spread(key) >= need[i]:
                    break
                value, point = self.extreme({key: 1}, sense)
                if value == float("inf"):
                    seen_high[i] = value
                    continue
                observe(point)
                if sense == 1:
                    seen_low[i] = min(seen_low[i], value)
                else:
                    seen_high[i] = max(seen_high[i], value)
        return {k: (float(seen_low[position[k]]), float(seen_high[position[k]])) for k in targets}


def hidden_ranges(
    published: Mapping[Hashable, int | None],
    lines: Iterable[Line],
    *,
    rules: Rules = DEFAULT_RULES,
    facts: Iterable[Fact] = (),
    targets: Iterable[Hashable] | None = None,
) -> dict[Hashable, tuple[float, float]]:
    """Exactly what the intruder can work out: [smallest, largest] of each hidden entry."""
    intruder = Intruder(published, lines=lines, facts=facts, rules=rules)
    wanted = targets if targets is not None else [k for k, v in published.items() if v is None]
    return intruder.ranges(wanted)


def weak_entries(
    published: Mapping[Hashable, int | None],
    lines: Iterable[Line],
    true_values: Mapping[Hashable, int],
    *,
    rules: Rules = DEFAULT_RULES,
    facts: Iterable[Fact] = (),
    targets: Iterable[Hashable] | None = None,
    required: Mapping[Hashable, float] | None = None,
) -> list[Hashable]:
    """Hidden entries the intruder can narrow to a range less than `rules.protection` wide, or
    less than `required[entry]` wide where a width is given for each entry."""
    intruder = Intruder(published, lines=lines, facts=facts, rules=rules)
    wanted = (
        list(targets) if targets is not None else [k for k, v in published.items() if v is None]
    )
    widths = required if required is not None else dict.fromkeys(wanted, rules.protection)
    found = intruder.ranges(wanted, known=true_values, enough=widths)
    return [k for k, (low, high) in found.items() if high - low < widths[k]]
