"""Run every benchmark in bench/ one after another: `python bench/run_all.py [--quick]`.

A benchmark is any bench/*.py with a `main(argv)` other than this file and the shared modules;
each runs in its own process with the same flags (--quick for the CI smoke), so the exports
and transparency benchmarks join simply by being added to bench/.
"""

from __future__ import annotations

import argparse
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

    outcomes = []
    for path in benchmarks():
        if args.only and path.stem not in args.only:
            continue
        command = [sys.executable, str(path), *(["--quick"] if args.quick else []), *passthrough]
        print(f"== {path.stem}: {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, cwd=BENCH.parent).returncode
        outcomes.append((path.stem, code, time.monotonic() - started))

    print("\n== summary")
    for name, code, seconds in outcomes:
        print(f"{name:24} {'ok' if code == 0 else f'FAILED ({code})':12} {seconds:6.1f} s")
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
