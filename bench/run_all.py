"""Run every benchmark in bench/ one after another: `python bench/run_all.py [--quick]`.

A benchmark is any bench/*.py with a `main(` other than this file and the shared modules; each
runs in its own process with the same flags, so the exports and transparency benchmarks join
simply by being added to bench/.

`--quick` is the CI smoke run (`make bench-quick`): small sizes, nothing appended to RESULTS.md,
and PostgreSQL at BENCH_DATABASE_URL (default: talklondon_bench on the standard port, created if
missing) for the benchmarks that read DATABASE_URL, unless DATABASE_URL is set. It exits
non-zero only when a benchmark is broken (it crashed, or lost or corrupted data), never because
a performance target was missed: targets are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"__init__.py", "common.py", "run_all.py"}


def benchmarks() -> list[Path]:
    found = []
    for path in sorted(BENCH.glob("*.py")):
        if path.name in NOT_BENCHMARKS or path.name.startswith("_"):
            continue
        if "def main(" in path.read_text():
            found.append(path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    parser.add_argument("--only", action="append", default=[], help="run only these (by name)")
    args, passthrough = parser.parse_known_args(argv)

    env = dict(os.environ)
    if args.quick:
        passthrough = ["--no-record", *passthrough]
    if not env.get("DATABASE_URL"):
        # The exports benchmark needs PostgreSQL (it compares with COPY); the others then
        # measure PostgreSQL too, which is what their figures are for.
        sys.path.insert(0, str(BENCH.parent))
        from bench import common

        url = env.get("BENCH_DATABASE_URL", common.DEFAULT_DATABASE_URL)
        common.ensure_services(url, env.get("BENCH_REDIS_URL", common.DEFAULT_REDIS_URL))
        common.database_create(url)
        env["DATABASE_URL"] = url

    outcomes = []
    started_all = time.monotonic()
    for path in benchmarks():
        if args.only and path.stem not in args.only:
            continue
        command = [sys.executable, str(path), *(["--quick"] if args.quick else []), *passthrough]
        print(f"== {path.stem}: {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, cwd=BENCH.parent, env=env).returncode
        outcomes.append((path.stem, code, time.monotonic() - started))

    print("\n== summary")
    for name, code, seconds in outcomes:
        print(f"{name:24} {'ok' if code == 0 else f'FAILED ({code})':12} {seconds:6.1f} s")
    print(f"{'total':24} {'':12} {time.monotonic() - started_all:6.1f} s")
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
