"""The survey export benchmark at a tiny size (BENCH_SMOKE=1 and a migrated PostgreSQL database
in BENCH_DATABASE_URL): checks that every path exports every row; it times nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.mark.skipif(os.environ.get("BENCH_SMOKE") != "1", reason="set BENCH_SMOKE=1 to run")
def test_survey_export_benchmark_runs_at_a_small_size():
    env = {key: value for key, value in os.environ.items() if key != "TALKLONDON_TESTING"}
    env["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/talklondon_bench"
    )
    result = subprocess.run(
        [sys.executable, "bench/export_survey.py", "--rows", "300", "--no-record"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "| 300 |" in result.stdout
