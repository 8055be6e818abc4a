"""Benchmark: the Python time of each survey POST, measured inside one process.

The submission spike (bench/submission_spike.py) measures the whole machine under load, which
a busy or shared machine blurs. This one drives the same journeys (bench/survey_adapter.py:
the demo survey, signed-in respondents, both layouts) through Django's request handler in this
process, with production settings, and reports for each step of a submission:

  - the CPU time of the request (`time.process_time`), median over the journeys after three
    warm-up ones; the receipt's outbox row is written and claimed, but not handed to Celery
    (a Redis call, which the spike measures);
  - its queries;
  - and, as the same-run baseline, the CPU time this process spends writing the same rows with
    raw psycopg (`SurveyBench.raw_insert`), so the ratio compares like with like on any machine.

With `--profile` it also counts the function calls per submission (a figure that does not move
with the machine's load) and prints the heaviest functions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/submission_cpu.py
    ... bench/submission_cpu.py --quick --no-record      # 8 journeys per layout (CI smoke)
    ... bench/submission_cpu.py --journeys 200 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

WARM_UP = 3


def _production_settings() -> None:
    """As gunicorn runs the site: DEBUG off, so no query log and no debug context."""
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-submission-cpu")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,testserver")
    os.environ.setdefault("DEMO", "1")


def layout_run(layout: str, journeys: int, profiler: cProfile.Profile | None) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.submission_spike import CSRF_SECRET, respondents_create
    from bench.survey_adapter import SurveyBench

    bench = SurveyBench()
    bench.prepare(layout)
    people = respondents_create(journeys + WARM_UP, prefix=f"cpu-{layout}-{time.time_ns()}")
    cpu: dict[int, list[float]] = {}
    queries: dict[int, int] = {}
    paths: dict[int, str] = {}
    for n, (user_id, session_key) in enumerate(people):
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies["sessionid"] = session_key
        client.cookies["csrftoken"] = CSRF_SECRET
        warm = n >= WARM_UP
        for index, step in enumerate(bench.steps(user_id, f"cpu{user_id}-{time.time_ns()}")):
            body = urlencode([("csrfmiddlewaretoken", CSRF_SECRET), *step.fields])
            with CaptureQueriesContext(connection) as captured:
                if warm and profiler:
                    profiler.enable()
                started = time.process_time()
                answer = client.generic(
                    "POST",
                    step.path,
                    body,
                    content_type="application/x-www-form-urlencoded",
                    secure=True,
                )
                spent = time.process_time() - started
                if warm and profiler:
                    profiler.disable()
            location = answer.get("Location", "")
            if answer.status_code not in (302, 303) or step.expect not in location:
                raise SystemExit(
                    f"{layout} step {index} ({step.path}) answered {answer.status_code} {location}"
                )
            if warm:
                cpu.setdefault(index, []).append(spent)
                queries[index] = max(queries.get(index, 0), len(captured))
                paths[index] = step.path.replace(bench.survey.slug, "<slug>")
    kept = bench.stored_counts([user_id for user_id, _ in people])
    if sorted(set(kept.values())) != [1] or len(kept) != len(people):
        raise SystemExit(f"{layout}: responses not kept exactly once: {kept}")
    # The baseline: the same rows in plain SQL, timed the same way, in this process.
    raw_people = respondents_create(journeys, prefix=f"cpu-raw-{layout}-{time.time_ns()}")
    raw = []
    with connection.cursor() as wrapper:
        for respondent, (user_id, _key) in enumerate(raw_people):
            started = time.process_time()
            bench.raw_insert(wrapper.cursor, user_id=user_id, respondent=respondent)
            raw.append(time.process_time() - started)
        bench.raw_cleanup(wrapper.cursor)
    steps = [
        (index, paths[index], statistics.median(cpu[index]) * 1000, queries[index])
        for index in sorted(cpu)
    ]
    return {
        "layout": layout,
        "steps": steps,
        "submission_ms": sum(ms for _i, _p, ms, _q in steps),
        "raw_ms": statistics.median(raw) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="8 journeys per layout (CI smoke)")
    parser.add_argument("--journeys", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="count calls, list the heaviest")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database: the site's production database.")
        return 2
    journeys = args.journeys or (8 if args.quick else 100)
    _production_settings()
    common.django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    # Handing the receipt to Celery is a Redis call the spike measures; here the outbox row is
    # written and claimed as in production, and the publish itself does nothing (without
    # REDIS_URL Celery would otherwise run the email task eagerly inside the request).
    from talklondon import outbox

    outbox._publish = lambda task: False
    results, calls = [], {}
    for layout in ("one_page", "pages"):
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        results.append(layout_run(layout, journeys, profiler))
        if profiler:
            stats = pstats.Stats(profiler)
            calls[layout] = stats.total_calls / journeys
            print(f"\n{layout}: heaviest functions (CPU, {journeys} submissions)")
            stats.sort_stats("tottime").print_stats(15)
    lines = [
        f"### Survey submission CPU {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC"
        f"{' (quick)' if args.quick else ''}",
        "",
        f"`bench/submission_cpu.py`: {journeys} journeys per layout after {WARM_UP} warm-up "
        f"ones, in one process with production settings (Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}). CPU is the request's "
        "own process time, median per step (with `--profile`, under the profiler); the baseline "
        "is this process writing the same rows with raw psycopg. Calls: function calls per "
        "submission, which do not move with the machine's load.",
        "",
        "| Layout | Step | POST | CPU ms | Queries |",
        "|---|---:|---|---:|---:|",
    ]
    for result in results:
        for index, path, ms, count in result["steps"]:
            lines.append(f"| {result['layout']} | {index} | `{path}` | {ms:.1f} | {count} |")
    lines += [
        "",
        "| Layout | CPU per submission ms | Raw psycopg ms | Ratio | Calls |",
        "|---|---:|---:|---:|---:|",
    ]
    for result in results:
        ratio = result["submission_ms"] / result["raw_ms"] if result["raw_ms"] else float("nan")
        counted = f"{calls[result['layout']]:,.0f}" if result["layout"] in calls else "–"
        lines.append(
            f"| {result['layout']} | {result['submission_ms']:.1f} | {result['raw_ms']:.2f} | "
            f"{ratio:.0f}× | {counted} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_record:
        common.results_append_text("\n" + report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
