"""Run every benchmark in bench/ one after another: `python bench/run_all.py [--quick]`.

A benchmark is any bench/*.py with a `main(` other than this file and the shared modules; each
runs in its own process with the same flags, so the exports and transparency benchmarks join
simply by being added to bench/.

`--quick` is the CI smoke run (`make bench-quick`): small sizes, nothing appended to RESULTS.md,
two benchmarks at a time. The benchmarks that read DATABASE_URL get PostgreSQL at DATABASE_URL
or else BENCH_DATABASE_URL (default: talklondon_bench on the standard port), a database of their
own (`<name>_<benchmark>`, created if missing) when they run side by side. It exits
non-zero only when a benchmark is broken (it crashed, or lost or corrupted data), never because
a performance target was missed: targets are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"__init__.py", "common.py", "run_all.py"}
LONGEST_FIRST = ("read_spike", "submission_spike")


def benchmarks() -> list[Path]:
    found = []
    for path in sorted(BENCH.glob("*.py")):
        if path.name in NOT_BENCHMARKS or path.name.startswith("_"):
            continue
        if "def main(" in path.read_text():
            found.append(path)
    return found


def _database_url_for(base: str, name: str, jobs: int) -> str:
    """Benchmarks running side by side each get a database of their own (their test
    databases are named after it), so that two never create the same one at once."""
    if jobs <= 1:
        return base
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{name}"))


def _run(path: Path, command: list[str], env: dict, capture: bool) -> tuple[int, float, str]:
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=BENCH.parent,
        env=env,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
    )
    return result.returncode, time.monotonic() - started, result.stdout or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    parser.add_argument("--only", action="append", default=[], help="run only these (by name)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="benchmarks run side by side (default: 2 with --quick, where timings do not "
        "matter; 1 otherwise, so that each one has the machine to itself)",
    )
    args, passthrough = parser.parse_known_args(argv)
    jobs = args.jobs or (2 if args.quick else 1)

    env = dict(os.environ)
    if args.quick:
        passthrough = ["--no-record", *passthrough]
    sys.path.insert(0, str(BENCH.parent))
    from bench import common

    base_url = env.get("DATABASE_URL") or env.get("BENCH_DATABASE_URL", common.DEFAULT_DATABASE_URL)
    # The exports benchmark needs PostgreSQL (it compares with COPY); the others then measure
    # PostgreSQL too, which is what their figures are for.
    if base_url.startswith("postgres"):
        common.ensure_services(base_url, env.get("BENCH_REDIS_URL", common.DEFAULT_REDIS_URL))

    chosen = [path for path in benchmarks() if not args.only or path.stem in args.only]
    # The two spikes take longest: start them first when running side by side.
    chosen.sort(key=lambda path: (path.stem not in LONGEST_FIRST, path.stem))
    commands = {}
    for path in chosen:
        command = [sys.executable, str(path), *(["--quick"] if args.quick else []), *passthrough]
        child_env = dict(env)
        if base_url.startswith("postgres"):
            child_env["DATABASE_URL"] = _database_url_for(base_url, path.stem, jobs)
            common.database_create(child_env["DATABASE_URL"])
        commands[path] = (command, child_env)

    outcomes = []
    started_all = time.monotonic()
    if jobs <= 1:
        for path in chosen:
            command, child_env = commands[path]
            print(f"== {path.stem}: {' '.join(command[1:])}", flush=True)
            code, seconds, _ = _run(path, command, child_env, capture=False)
            outcomes.append((path.stem, code, seconds))
    else:
        # Side by side, each one's output is printed in one piece when it ends.
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {
                pool.submit(_run, path, *commands[path], capture=True): path for path in chosen
            }
            for future in as_completed(futures):
                path = futures[future]
                code, seconds, output = future.result()
                print(f"== {path.stem}: {' '.join(commands[path][0][1:])}\n{output}", flush=True)
                outcomes.append((path.stem, code, seconds))

    print("\n== summary")
    for name, code, seconds in outcomes:
        print(f"{name:24} {'ok' if code == 0 else f'FAILED ({code})':12} {seconds:6.1f} s")
    print(f"{'total':24} {'':12} {time.monotonic() - started_all:6.1f} s")
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
