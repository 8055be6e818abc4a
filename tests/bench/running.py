"""Running a benchmark as its CI smoke run does: its own process, outside the test settings,
on the bench database where it needs one (BENCH_DATABASE_URL)."""

import os
import subprocess
import sys
from pathlib import Path

from bench import common

REPO = Path(__file__).resolve().parents[2]


def run_benchmark(
    script: str, *args: str, timeout: int, database: bool = False
) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "TALKLONDON_TESTING"}
    if database:
        env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", common.DEFAULT_DATABASE_URL)
    return subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def output_tail(result: subprocess.CompletedProcess) -> str:
    """The end of what a failed run printed, for the assertion message."""
    return result.stdout[-3000:] + result.stderr[-3000:]
