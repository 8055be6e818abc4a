"""The survey export benchmark at a tiny size (BENCH_SMOKE=1 and a migrated PostgreSQL database
in BENCH_DATABASE_URL): checks that every path exports every row; it times nothing."""

import os

import pytest

from tests.bench.running import output_tail, run_benchmark


@pytest.mark.skipif(os.environ.get("BENCH_SMOKE") != "1", reason="set BENCH_SMOKE=1 to run")
def test_survey_export_benchmark_runs_at_a_small_size():
    result = run_benchmark(
        "export_survey.py", "--rows", "300", "--no-record", timeout=600, database=True
    )
    assert result.returncode == 0, output_tail(result)
    assert "| 300 |" in result.stdout
