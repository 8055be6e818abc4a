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
    # As in the spike: the worker "sends" receipts through the dummy backend.
    os.environ.setdefault("EMAIL_DELIVERY_BACKEND", "django.core.mail.backends.dummy.EmailBackend")


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
        "receipt_subject": bench.receipt_subject(),
    }


def receipts_run(subjects: list[str], profiler: cProfile.Profile | None) -> dict:
    """The worker's side of the receipts of the journeys above, as a Celery worker runs it.

    Receipts are a batched outbox kind: a burst of submissions asks for one drain, which
    delivers every receipt then waiting over one mail connection. This runs that drain once
    for all the journeys' receipts, through Celery's tracer (not eager: the task's signals fire
    as in a worker) with the Django fix-up a worker installs, and reports its CPU, queries and
    database connections opened (each a PostgreSQL backend forked on the server, a cost this
    process does not see) per receipt.
    """
    from celery.app.trace import build_tracer
    from celery.fixups.django import DjangoWorkerFixup
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from talklondon.celery import app
    from talklondon.mail import EMAIL_SEND_TASK
    from talklondon.models import OutboxTask, OutgoingEmail
    from talklondon.outbox import DRAIN_TASK

    app.loader.import_default_modules()
    # Kept referenced: the fix-up connects its methods as weak receivers.
    fixup = DjangoWorkerFixup(app).install()
    tracer = build_tracer(DRAIN_TASK, app.tasks[DRAIN_TASK], eager=False, app=app)
    wanted = Q()
    for subject in subjects:
        wanted |= Q(subject__contains=subject)
    emails = list(
        OutgoingEmail.objects.filter(wanted, sent_at__isnull=True).values_list("pk", flat=True)
    )
    tasks = list(
        OutboxTask.objects.filter(kwargs__email_id__in=emails).values_list("pk", flat=True)
    )
    opened = []
    connection_created.connect(lambda **_: opened.append(1), weak=False, dispatch_uid="bench")
    request = {"id": f"bench-drain-{time.time_ns()}", "ignore_result": True, "delivery_info": {}}
    with CaptureQueriesContext(connection) as captured:
        if profiler:
            profiler.enable()
        started = time.process_time()
        info = tracer(request["id"], (), {"task_name": EMAIL_SEND_TASK}, request)
        spent = time.process_time() - started
        if profiler:
            profiler.disable()
    connection_created.disconnect(dispatch_uid="bench")
    del fixup
    left = OutgoingEmail.objects.filter(pk__in=emails, sent_at__isnull=True).count()
    unmarked = OutboxTask.objects.filter(pk__in=tasks, completed_at__isnull=True).count()
    if left or unmarked:
        raise SystemExit(f"receipts: {left} not sent, {unmarked} outbox rows not completed")
    # The drain may also have taken receipts of earlier runs left waiting in this database.
    delivered = max(int(info.retval or 0), 1)
    return {
        "receipts": delivered,
        "ms": spent * 1000 / delivered,
        "queries": len(captured) / delivered,
        "connections": len(opened) / delivered,
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
    outbox._batch_ask = lambda task_name: None  # the receipts' drain is measured on its own
    results, calls = [], {}
    for layout in ("one_page", "pages"):
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        results.append(layout_run(layout, journeys, profiler))
        if profiler:
            stats = pstats.Stats(profiler)
            calls[layout] = stats.total_calls / journeys
            print(f"\n{layout}: heaviest functions (CPU, {journeys} submissions)")
            stats.sort_stats("tottime").print_stats(15)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    receipts = receipts_run([result["receipt_subject"] for result in results], profiler)
    if profiler:
        stats = pstats.Stats(profiler)
        calls["receipt"] = stats.total_calls / receipts["receipts"]
        print(f"\nreceipts: heaviest functions (CPU, {receipts['receipts']} receipts)")
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
    counted = f"{calls['receipt']:,.0f}" if "receipt" in calls else "–"
    lines += [
        "",
        "| Receipt, in the worker (Celery's tracer, as a worker runs it) | CPU ms | Queries "
        "| Database connections opened | Calls |",
        "|---|---:|---:|---:|---:|",
        f"| {receipts['receipts']} receipts of the journeys above, in one drain "
        f"| {receipts['ms']:.2f} | {receipts['queries']:.2f} "
        f"| {receipts['connections']:.2f} per receipt | {counted} |",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_record:
        common.results_append_text("\n" + report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
