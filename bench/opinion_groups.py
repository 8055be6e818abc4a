"""Benchmark: opinion groups (consultation.statements.opinion) on 100,000 voters x 500 statements.

Synthetic votes from four latent opinion profiles; each voter votes on a random number of
statements (20 to 180, about 100 on average: 10 million votes at full size). Each measurement
runs in a fresh process so that its peak memory (ru_maxrss) is its own:

  - the computation: `compute_indexed` (matrix, PCA, two-stage k-means with k = 2..5 chosen by
    silhouette, representative statements, common ground), timed from the vote arrays;
  - the baseline: the bare scikit-learn steps on the same matrix (one randomized SVD of the
    mean-centred sparse matrix and one k-means with k = 3 on the projection), so the ratio says
    what the Pol.is-style extras cost on top.

It also checks the answer: the four profiles must come back as four groups (purity reported).
The target is the issue's: under 60 s at full size on this machine. Pure Python/NumPy, no
database, so run_all.py's PostgreSQL is not used.

    .venv/bin/python bench/opinion_groups.py            # 100,000 x 500, appends to RESULTS.md
    .venv/bin/python bench/opinion_groups.py --quick    # 2,000 x 50, for CI smoke runs
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGET_SECONDS = 60.0
PROFILES = 4


def synthetic(voters: int, statements: int, seed: int = 7):
    """(voter rows, statement columns, values, true profile of each voter)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    stance = rng.choice([1, -1, 0], size=(PROFILES, statements), p=[0.4, 0.4, 0.2])
    stance[:, : max(1, statements // 20)] = 1  # some common ground
    profile = rng.integers(0, PROFILES, size=voters)
    low, high = (20, 180) if statements >= 180 else (max(1, statements // 5), statements)
    per_voter = rng.integers(low, high + 1, size=voters)
    rows = np.repeat(np.arange(voters, dtype=np.int32), per_voter)
    # A random subset of statements per voter (random keys, sorted), a chunk of voters at a
    # time so that making the data does not dwarf the memory of computing with it.
    parts = []
    for first in range(0, voters, 5000):
        last = min(first + 5000, voters)
        order = np.argsort(rng.random((last - first, statements), dtype=np.float32), axis=1)
        mask = np.arange(statements)[None, :] < per_voter[first:last, None]
        parts.append(order[mask].astype(np.int32))
    columns = np.concatenate(parts)
    intended = stance[profile[rows], columns]
    # Most votes follow the profile; some are noise; "split" statements are a coin toss.
    noise = rng.random(len(rows))
    random_votes = rng.choice(
        np.array([1, -1, 0], dtype=np.int8), size=len(rows), p=[0.45, 0.45, 0.1]
    )
    values = np.where((intended == 0) | (noise < 0.15), random_votes, intended).astype(np.int8)
    del intended, noise, random_votes
    return rows, columns, values, profile


def worker(kind: str, voters: int, statements: int) -> dict:
    import numpy as np

    # Import scikit-learn before the clock starts: a worker has it loaded already.
    import sklearn.cluster  # noqa: F401
    import sklearn.metrics  # noqa: F401
    import sklearn.utils.extmath  # noqa: F401

    from consultation.statements import opinion

    rows, columns, values, profile = synthetic(voters, statements)
    before_rss = common.peak_rss_mb()
    started = time.perf_counter()
    if kind == "compute":
        outcome = opinion.compute_indexed(
            rows,
            columns,
            values,
            voter_ids=list(range(voters)),
            statement_ids=list(range(statements)),
        )
        seconds = time.perf_counter() - started
        labels = np.full(voters, -1)
        for voter, group in outcome.assignments.items():
            labels[voter] = group
        purity = 0
        for g in range(outcome.k):
            members = profile[labels == g]
            if len(members):
                purity += np.bincount(members).max()
        extra = {
            "groups": outcome.k,
            "group_sizes": [g.size for g in outcome.groups],
            "purity": round(purity / max(outcome.voters_included, 1), 4),
            "common_ground": len(outcome.common_ground),
            "silhouettes": outcome.silhouettes,
        }
    else:
        from sklearn.cluster import KMeans
        from sklearn.utils.extmath import randomized_svd

        matrix = opinion._matrix(rows, columns, values, voters, statements)
        seen = matrix.getnnz(axis=0)
        means = np.asarray(matrix.sum(axis=0)).ravel() / np.maximum(seen, 1)
        centred = matrix.tocoo(copy=True)
        centred.data = centred.data - means[centred.col]
        centred = centred.tocsr()
        _, _, vt = randomized_svd(centred, n_components=2, random_state=0)
        points = np.asarray(centred @ vt.T)
        KMeans(n_clusters=3, n_init=1, random_state=0).fit(points)
        seconds = time.perf_counter() - started
        extra = {}
    return {
        "kind": kind,
        "seconds": round(seconds, 3),
        "votes": int(len(values)),
        "low": int(np.bincount(rows).min()),
        "high": int(np.bincount(rows).max()),
        "rss_before_mb": round(before_rss, 1),
        "peak_rss_mb": round(common.peak_rss_mb(), 1),
        **extra,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 voters x 50 statements")
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--statements", type=int, default=500)
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "VOTERS", "STATEMENTS"))
    args = parser.parse_args(argv)
    if args.worker:
        kind, voters, statements = args.worker[0], int(args.worker[1]), int(args.worker[2])
        sys.path.insert(0, str(common.REPO))
        print(json.dumps(worker(kind, voters, statements)))
        return 0
    voters, statements = (2_000, 50) if args.quick else (args.voters, args.statements)
    common.log(f"opinion groups: {voters:,} voters x {statements} statements")
    load_start = common.load_average()
    baseline = common.worker_run(__file__, "baseline", str(voters), str(statements))
    common.log(f"baseline (bare SVD + k-means): {baseline['seconds']} s")
    result = common.worker_run(__file__, "compute", str(voters), str(statements))
    common.log(
        f"compute: {result['seconds']} s, peak {result['peak_rss_mb']} MB, "
        f"{result['groups']} groups, purity {result['purity']}"
    )
    broken = result["groups"] != PROFILES or result["purity"] < 0.95
    if broken:
        common.log(f"WRONG ANSWER: expected {PROFILES} pure groups, got {result}")
    ratio = result["seconds"] / max(baseline["seconds"], 1e-9)
    verdict = "PASS" if result["seconds"] < TARGET_SECONDS else "MISS"
    body = "\n".join(
        [
            f"Synthetic votes: {voters:,} voters x {statements} statements, {result['votes']:,} "
            f"votes (each voter votes on a random {result['low']}-{result['high']} statements), "
            f"{PROFILES} latent "
            "profiles. Each measurement in its own process. Baseline: the bare scikit-learn "
            "steps on the same matrix (randomized SVD of the centred sparse matrix, one k-means "
            "with k = 3).",
            "",
            "| measure | value | target | verdict |",
            "| --- | ---: | --- | --- |",
            f"| opinion groups computed (s) | {result['seconds']} | < {TARGET_SECONDS:.0f} | "
            f"{verdict} |",
            f"| baseline: bare SVD + one k-means (s) | {baseline['seconds']} | | |",
            f"| ratio to baseline | {ratio:.1f}x | | |",
            f"| peak memory of the computing process (MB) | {result['peak_rss_mb']} | | |",
            f"| of which the synthetic vote arrays before computing (MB) | "
            f"{result['rss_before_mb']} | | |",
            f"| baseline peak memory (MB) | {baseline['peak_rss_mb']} | | |",
            f"| groups found (silhouette by k) | {result['groups']} "
            f"({', '.join(f'{k}: {v:.3f}' for k, v in result['silhouettes'].items())}) | "
            f"{PROFILES} | {'PASS' if result['groups'] == PROFILES else 'FAIL'} |",
            f"| purity: voters in their profile's group | {result['purity']:.1%} | >= 95% | "
            f"{'PASS' if result['purity'] >= 0.95 else 'FAIL'} |",
            f"| common-ground statements | {result['common_ground']} | | |",
            "",
            f"Load average at start: {load_start}; at end: {common.load_average()}.",
        ]
    )
    print(body)
    if not args.no_record and not args.quick:
        machine = common.machine_description()
        common.results_append("Opinion groups (statements)", body, machine)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
