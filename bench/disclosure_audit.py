"""Benchmark: the disclosure audit of a by-borough results table, against its own baseline.

The audit bounds every hidden figure of a protected table with the intruder's programs. The
baseline solves each program afresh with scipy's `milp` (what the first version of the audit
did); the engine keeps one HiGHS model and re-solves it with warm starts, falling back to the
integer program only when the linear optimum is not a whole-number table. Both bound the same
entries of the same table in the same run; the result is their ratio.

    .venv/bin/python bench/disclosure_audit.py              # 34 boroughs x 5 answers, 3 sizes
    .venv/bin/python bench/disclosure_audit.py --no-record  # print only
    .venv/bin/python bench/disclosure_audit.py --quick      # CI smoke: one size (run_all.py)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.optimize import milp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from talklondon.disclosure import grid_of, protect_table  # noqa: E402
from talklondon.disclosure.audit import Intruder  # noqa: E402


def table(responses: int, seed: int = 2):
    rng = random.Random(seed)
    rows = [(f"b{i}",) for i in range(34)]
    cols = [(f"a{j}",) for j in range(5)]
    values = {(r, c): 0 for r in rows for c in cols}
    for _ in range(responses):
        values[(rng.choice(rows[:20] + rows[:5]), rng.choice(cols + cols[:2]))] += 1
    return values, rows, cols


def measure(responses: int) -> tuple[int, float, float]:
    values, rows, cols = table(responses)
    protected = protect_table(values, rows, cols)
    grid = grid_of(values, rows, cols, additive=True)
    published = {k: protected.cells[k].value for k in grid.values}
    hidden = [k for k, v in published.items() if v is None]
    intruder = Intruder(published, lines=grid.lines)
    start = time.perf_counter()
    engine = {k: (intruder.extreme({k: 1}, 1)[0], intruder.extreme({k: 1}, -1)[0]) for k in hidden}
    warm = time.perf_counter() - start
    start = time.perf_counter()
    baseline = {}
    for k in hidden:
        c = np.zeros(len(intruder.keys))
        c[intruder.index[k]] = 1
        ends = []
        for sense in (1, -1):
            result = milp(
                sense * c,
                constraints=intruder.constraints,
                bounds=intruder.bounds,
                integrality=intruder.integrality,
            )
            ends.append(round(sense * result.fun))
        baseline[k] = tuple(ends)
    cold = time.perf_counter() - start
    assert {k: tuple(map(round, v)) for k, v in engine.items()} == baseline
    return len(hidden), cold, warm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[60, 600, 3000])
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="one size only (the CI smoke of run_all.py --quick)"
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes = args.sizes[-1:]
    parts = []
    for responses in args.sizes:
        hidden, cold, warm = measure(responses)
        line = (
            f"{responses} responses: {hidden} hidden figures bounded, fresh milp {cold:.2f} s, "
            f"warm-started HiGHS {warm:.2f} s, ratio {cold / warm:.1f}x"
        )
        print(line)
        parts.append(line)
    if not args.no_record:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as handle:
            handle.write(
                f"\n- {stamp} · disclosure_audit · 34 boroughs x 5 answers · "
                + "; ".join(parts)
                + "\n"
            )


if __name__ == "__main__":
    main()
