"""An intruder written independently of the engine: an integer program over what is published.

It sees every published table as a grid of figures (a number, or a marker for a hidden one) and
knows how the tables were made: each row and column of an additive table adds up to its total,
a published figure is the true count rounded half up to the nearest `base`, a published count
is never below `threshold` (smaller ones are always hidden), and two tables that publish the
same people share those figures. For each hidden figure it works out, with integer
programming, the smallest and largest whole number that fits everything at once.

It deliberately shares no code with talklondon.disclosure, so that a mistake in the engine's own
audit cannot hide itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

CEILING = 10**7  # no count on this site comes near it; reaching it means "unbounded"


@dataclass
class Knowledge:
    """Everything the intruder knows: unknowns, their bounds, and linear facts about them."""

    threshold: int
    base: int
    names: list = field(default_factory=list)
    low: list = field(default_factory=list)
    high: list = field(default_factory=list)
    hidden: list = field(default_factory=list)
    facts: list = field(default_factory=list)  # ({name: coefficient}, low, high)

    def unknown(self, name, published: int | None) -> None:
        if name in self.names:
            return
        self.names.append(name)
        if published is None:
            self.low.append(0)
            self.high.append(CEILING)
            self.hidden.append(name)
        else:
            # Rounded half up to a multiple of base: the true count lies in [v - b//2, v + (b-1)//2],
            # and it was published, so it is not below the threshold.
            self.low.append(max(0, self.threshold, published - self.base // 2))
            self.high.append(published + (self.base - 1) // 2)

    def fact(self, coefficients: dict, low: float, high: float) -> None:
        self.facts.append((coefficients, low, high))

    def add_grid(self, table_id, grid: dict, rows: list, cols: list, total="Total") -> None:
        """A rows × cols table with a total row and a total column: grid[(row, col)] is the
        published figure or None. Cells missing from the grid are not published at all."""
        for (row, col), value in grid.items():
            self.unknown((table_id, row, col), value)
        for row in [*rows, total]:
            if (row, total) in grid and len(cols) > 1:
                self.fact(
                    {
                        **{(table_id, row, c): 1 for c in cols},
                        (table_id, row, total): -1,
                    },
                    0,
                    0,
                )
        for col in [*cols, total]:
            if (total, col) in grid and len(rows) > 1:
                self.fact(
                    {
                        **{(table_id, r, col): 1 for r in rows},
                        (table_id, total, col): -1,
                    },
                    0,
                    0,
                )

    def same(self, a, b) -> None:
        """Two published figures count the same people."""
        self.fact({a: 1, b: -1}, 0, 0)

    def ranges(self, targets=None, objective=None) -> dict:
        """{target: (smallest, largest)} for each hidden figure (or each named target)."""
        index = {name: i for i, name in enumerate(self.names)}
        matrix = np.zeros((max(len(self.facts), 1), len(self.names)))
        lows, highs = [], []
        for row, (coefficients, low, high) in enumerate(self.facts):
            for name, coefficient in coefficients.items():
                matrix[row, index[name]] += coefficient
            lows.append(low)
            highs.append(high)
        if not self.facts:
            lows, highs = [0], [0]
        constraints = LinearConstraint(matrix, lows, highs)
        bounds = Bounds(np.array(self.low, float), np.array(self.high, float))
        integrality = np.ones(len(self.names))
        result = {}
        for target in targets if targets is not None else self.hidden:
            c = np.zeros(len(self.names))
            terms = objective(target) if objective else {target: 1}
            for name, coefficient in terms.items():
                c[index[name]] += coefficient
            ends = []
            for sense in (1, -1):
                solved = milp(
                    sense * c, constraints=constraints, bounds=bounds, integrality=integrality
                )
                if solved.status != 0:
                    raise AssertionError(f"The intruder's model has no solution: {solved.message}")
                ends.append(round(sense * solved.fun))
            result[target] = (ends[0], ends[1])
        return result
