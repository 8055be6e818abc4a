"""Benchmark: the disclosure audit of results tables, against its own baselines.

The audit bounds every hidden figure of a protected table with the intruder's programs. The
baseline solves each program afresh with scipy's `milp` (what the first version of the audit
did); the engine keeps one HiGHS model and re-solves it with warm starts, falling back to the
integer program only when the linear optimum is not a whole-number table. Both bound the same
entries of the same table in the same run; the result is their ratio.

The second measure is the joint audit of a survey's tables read together (four by-borough
tables of the same people and a follow-up, tied by the relations the questionnaire shows),
which only asks whether each hidden figure can be narrowed below the protection width. The
baseline works figure by figure (a program for a figure not yet shown wide enough, whose
solution also widens the others); the engine first lifts every figure not yet shown wide
enough at once, each capped (`Intruder._witness_above`), and gives only the rest their own
programs. Both must find the same figures weak.

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

from talklondon.disclosure import RULES, TOTAL, grid_of, protect_table  # noqa: E402
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


def linked(responses: int, seed: int = 3):
    """Four by-borough tables of the same people and a follow-up for those who answered "a0" to
    the first, each protected on its own: (published, lines, facts, true values)."""
    rng = random.Random(seed)
    rows = [(f"b{i}",) for i in range(34)]
    cols = [(f"a{j}",) for j in range(5)]
    people = [
        (rng.choice(rows[:20] + rows[:5]), [rng.choice(cols + cols[:2]) for _ in range(4)])
        for _ in range(responses)
    ]
    published, lines, true = {}, [], {}
    for t in range(5):
        values = {(r, c): 0 for r in rows for c in cols}
        for row, answers in people:
            if t < 4:
                values[(row, answers[t])] += 1
            elif answers[0] == cols[0]:
                values[(row, answers[3])] += 1
        grid = grid_of(values, rows, cols, additive=True)
        protected = protect_table(values, rows, cols)
        for key, value in grid.values.items():
            published[(t, key)] = protected.cells[key].value
            true[(t, key)] = value
        lines += [([(t, p) for p in parts], (t, total)) for parts, total in grid.lines]
    facts = []
    for row in [*rows, (TOTAL,)]:
        # The same people answered every question, borough by borough...
        for t in (1, 2, 3):
            facts.append(({(0, (row, (TOTAL,))): 1, (t, (row, (TOTAL,))): -1}, 0, 0))
        # ...and the follow-up only those who answered "a0" to the first.
        facts.append(({(4, (row, (TOTAL,))): 1, (0, (row, cols[0])): -1}, -float("inf"), 0))
    return published, lines, facts, true


def measure_linked(responses: int) -> tuple[int, int, float, int, float]:
    """(hidden figures, programs and seconds figure by figure, and lifting all at once)."""
    published, lines, facts, true = linked(responses)
    hidden = [k for k, v in published.items() if v is None]
    results = []
    for lift in (False, True):
        intruder = Intruder(published, lines=lines, facts=facts)
        solves = 0
        solve = intruder._solve

        def counted(c, _solve=solve):
            nonlocal solves
            solves += 1
            return _solve(c)

        intruder._solve = counted
        start = time.perf_counter()
        # Without the true figures the audit cannot lift: it goes figure by figure.
        found = intruder.ranges(hidden, known=true if lift else None, enough=RULES.protection)
        seconds = time.perf_counter() - start
        weak = {k for k, (low, high) in found.items() if high - low < RULES.protection}
        results.append((weak, solves, seconds))
    (weak_each, each, each_s), (weak_lift, lift_n, lift_s) = results
    assert weak_each == weak_lift, "the two audits disagree on which figures are weak"
    return len(hidden), each, each_s, lift_n, lift_s


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
        args.no_record = True  # a smoke run records nothing, like every other benchmark
    parts = []
    for responses in args.sizes:
        hidden, cold, warm = measure(responses)
        line = (
            f"{responses} responses: {hidden} hidden figures bounded, fresh milp {cold:.2f} s, "
            f"warm-started HiGHS {warm:.2f} s, ratio {cold / warm:.1f}x"
        )
        print(line)
        parts.append(line)
    for responses in [300] if args.quick else [300, 2000]:
        hidden, each, each_s, lifted, lift_s = measure_linked(responses)
        line = (
            f"joint audit of 5 linked tables, {responses} people: {hidden} hidden figures, "
            f"figure by figure {each} programs {each_s:.2f} s, lifting all at once {lifted} "
            f"programs {lift_s:.2f} s, ratio {each_s / max(lift_s, 1e-9):.1f}x"
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
