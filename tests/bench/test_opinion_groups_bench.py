"""The opinion-groups benchmark: joins run_all, and its synthetic data and answer check work."""

import numpy as np

from bench import opinion_groups, run_all


def test_the_benchmark_is_found_by_run_all():
    assert "opinion_groups" in {path.stem for path in run_all.benchmarks()}


def test_synthetic_votes_have_the_asked_shape():
    rows, columns, values, profile = opinion_groups.synthetic(300, 40)
    assert len(rows) == len(columns) == len(values)
    assert rows.max() < 300 and columns.max() < 40
    assert set(np.unique(values)) <= {-1, 0, 1}
    # No voter votes twice on one statement.
    assert len(set(zip(rows.tolist(), columns.tolist(), strict=True))) == len(rows)
    assert set(np.unique(profile)) == set(range(opinion_groups.PROFILES))


def test_a_small_run_finds_the_profiles():
    result = opinion_groups.worker("compute", 2000, 50)  # the --quick size
    assert result["groups"] == opinion_groups.PROFILES
    assert result["purity"] > 0.95
