"""Benchmark: the scans of untrusted text cost the same per MB whatever the length (linear time).

Each scanner is run on hostile and ordinary inputs from 1 KB to 5 MB, and the cost per MB is
reported beside a baseline measured in the same run (`str.count`, a plain linear pass over the
same text). The scans are linear when the cost per MB at 5 MB is no more than twice the cost per
MB at 100 KB (1 KB and 10 KB are dominated by fixed costs and shown for completeness). The
patterns they replaced (Python's backtracking `re`) are timed beside them up to 10 KB (at 100 KB
they take minutes).

Scanners: the ANPR ingestion tripwire over one value (email-like, registration marks, dateless
marks), the comment hold rules (plates, emails, phones, links, blocklist), and each pattern of
talklondon.text_scan on its own.

    .venv/bin/python bench/text_scan.py            # 1 KB to 5 MB, appends to RESULTS.md
    .venv/bin/python bench/text_scan.py --quick    # up to 100 KB, nothing recorded
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

KB = 1024
MB = 1024 * KB
SIZES = [1 * KB, 10 * KB, 100 * KB, 1 * MB, 5 * MB]
QUICK_SIZES = [1 * KB, 10 * KB, 100 * KB]
OLD_UP_TO = 10 * KB
FLAT_RATIO = 2.0

PROSE = (
    "I support the proposal if the cameras only look for stolen cars; the M25 and the A406 are "
    "busy enough. Write to the council at the town hall, or see the consultation page. "
)
INPUTS = {
    "letters (no spaces)": "a",
    "a@ repeated": "a@",
    "dots": "a.",
    "plate starts": "AB12",
    "digits and spaces": "0 ",
    "ordinary prose": PROSE,
}

# The patterns replaced in issue 13 (Python's backtracking engine).
OLD = {
    "email (ingestion)": re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}"),
    "email (comments)": re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
}


def _text(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _time(func, text: str, size: int, runs: int = 7) -> float:
    """CPU seconds per MB, the best of `runs`. CPU time of this thread, not wall time: on a
    shared machine a long run is preempted many times and a short one seldom, which would
    make wall time per MB grow with the length for reasons that have nothing to do with it."""
    best = float("inf")
    for _ in range(runs):
        started = time.thread_time()
        func(text)
        best = min(best, time.thread_time() - started)
    return best / (size / MB)


def scanners() -> dict:
    from anpr_info import returns
    from consultation.services.rules import text_hold_reasons
    from talklondon import text_scan
    from talklondon.registration_marks import contains_registration_mark

    def tripwire(text: str):
        batch = returns.Batch(
            dataset="hits", period="2025-03", reason="", rows=[{"note": text}], body_sha256=""
        )
        return returns.tripwire(batch)

    return {
        "baseline: str.count": lambda text: text.count("@"),
        "ANPR tripwire (one value)": tripwire,
        "comment hold rules": text_hold_reasons,
        "registration marks": contains_registration_mark,
        "email": text_scan.contains_email,
        "email-like (ingestion)": text_scan.contains_email_like,
        "phone number": text_scan.contains_phone_number,
        "link": text_scan.contains_link,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="up to 100 KB, nothing recorded")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    common.django_setup()
    sizes = QUICK_SIZES if args.quick else SIZES
    machine = common.machine_description()
    started_load = common.load_average()

    rows = []
    worst = 0.0
    for input_name, unit in INPUTS.items():
        texts = {size: _text(unit, size) for size in sizes}
        for name, func in scanners().items():
            per_mb = {size: _time(func, texts[size], size) for size in sizes}
            reference = per_mb.get(100 * KB, per_mb[sizes[-1]])
            ratio = per_mb[sizes[-1]] / reference if reference else 1.0
            if not name.startswith("baseline"):
                worst = max(worst, ratio)
            rows.append((input_name, name, per_mb, ratio))
            common.log(
                f"{input_name:22} {name:28} "
                + " ".join(f"{per_mb[s] * 1000:9.2f}" for s in sizes)
                + f"  ×{ratio:.2f}"
            )
        for name, pattern in OLD.items():
            per_mb = {
                size: _time(pattern.search, texts[size], size, runs=1)
                for size in sizes
                if size <= OLD_UP_TO
            }
            rows.append((input_name, f"old `re` {name}", per_mb, None))
            common.log(
                f"{input_name:22} old re {name:21} "
                + " ".join(f"{per_mb[s] * 1000:9.2f}" for s in per_mb)
            )

    verdict = "PASS" if worst <= FLAT_RATIO else "MISS"
    header = "| input | scanner | " + " | ".join(_size(s) for s in sizes) + " | 5 MB ÷ 100 KB |"
    lines = [
        f"Cost per MB (CPU ms per MB of text, best of 7 runs) for every scan of "
        f"untrusted text, {_size(sizes[0])} to {_size(sizes[-1])}. Linear means the cost per MB "
        f"does not grow: the largest input's cost per MB divided by 100 KB's, target ≤ "
        f"{FLAT_RATIO}. The replaced patterns (Python `re`) are timed up to 10 KB only, once.",
        "",
        header,
        "| --- | --- | " + " | ".join("---:" for _ in sizes) + " | ---: |",
    ]
    for input_name, name, per_mb, ratio in rows:
        cells = [f"{per_mb[s] * 1000:.2f}" if s in per_mb else "—" for s in sizes]
        shown = f"{ratio:.2f}" if ratio is not None else "—"
        lines.append(f"| {input_name} | {name} | " + " | ".join(cells) + f" | {shown} |")
    lines += [
        "",
        f"Worst ratio of the linear scanners: {worst:.2f} (target ≤ {FLAT_RATIO}): {verdict}. "
        f"Load average at start {started_load}, at end {common.load_average()}.",
    ]
    body = "\n".join(lines)
    print(body)
    if not (args.quick or args.no_record):
        common.results_append("Scans of untrusted text, cost per MB", body, machine)
    return 0


def _size(size: int) -> str:
    return f"{size // MB} MB" if size >= MB else f"{size // KB} KB"


if __name__ == "__main__":
    sys.exit(main())
