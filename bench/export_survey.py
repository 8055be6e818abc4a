"""Benchmark: the real survey-responses export vs PostgreSQL's COPY of the same join.

On PostgreSQL (DATABASE_URL, a migrated database), creates one bench survey of 20 questions
per size (6 single choice with "Other", 4 agreement, 3 multiple choice, 2 ranking, 1 matrix,
yes/no, number, borough and free text: 52 columns with the respondent, status, channel and
time) and fills it with raw `INSERT ... SELECT generate_series` (about 25 answer rows and 30 choice rows per response).
Then, each in its own process so that peak RSS (ru_maxrss) belongs to that export alone:

  - COPY: `COPY (<the dataset's pivoting join>) TO STDOUT WITH CSV`, the same rows as text,
    without pseudonyms or formula safety: the baseline;
  - engine CSV, fast path: what a large background CSV export does on PostgreSQL (the same join
    wrapped so that PostgreSQL pseudonymises and neutralises, streamed with COPY);
  - engine CSV, generic path: `SurveyResponsesDataset.rows()` (responses in chunks of 2,000 with
    their answers and choices per chunk) through the Python CSV writer;
  - XLSX: the same rows through openpyxl's write-only mode.

The bench surveys are deleted at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/export_survey.py
    ... bench/export_survey.py --quick --no-record     # 1,000 and 5,000 responses (CI smoke)
    ... bench/export_survey.py --rows 20000 --no-xlsx
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGET_RATIO = 2.0
# Memory is judged by growth over the worker's own footprint at the start, which depends on what
# the code base imports rather than on the export (it fell from 165 to 92 MB when the solvers
# stopped loading at start-up).
TARGET_GROWTH_MB = 100
SLUG_PREFIX = "bench-export-"
# (type, how many, options)
QUESTIONS = [
    ("single_choice", 6, ["Yes, always", "Sometimes", "Rarely", "Never", "Other, please specify"]),
    ("agreement", 4, []),
    ("multiple_choice", 3, ["News", "Social media", "Road signs", "Friends", "Work"]),
    ("ranking", 2, ["Serious crime", "Terrorism", "Missing people", "Uninsured vehicles"]),
    ("matrix", 1, ["Trust", "Oversight", "Audit", "Openness"]),
    ("yes_no", 1, []),
    ("number", 1, []),
    ("borough", 1, []),
    ("long_text", 1, []),
]


def survey_create(rows: int) -> int:
    """A bench survey with `rows` submitted responses; returns its id."""
    from django.db import connection, transaction
    from django.utils import timezone

    from consultation.models import Consultation
    from consultation.surveys.models import Option, Question, Section, Survey
    from talklondon.areas import borough_choices
    from talklondon.models import User

    now = timezone.now()
    with transaction.atomic():
        consultation, _ = Consultation.objects.get_or_create(
            slug=f"{SLUG_PREFIX}consultation",
            defaults={
                "title": "Bench consultation",
                "summary": "Benchmark only.",
                "opens_at": now - timezone.timedelta(days=60),
                "closes_at": now - timezone.timedelta(days=1),
                "published_at": now,
            },
        )
        entered_by, _ = User.objects.get_or_create(
            email="bench-entry@example.org", defaults={"display_name": "Bench entry"}
        )
        survey = Survey.objects.create(
            consultation=consultation, title=f"Bench survey {rows}", slug=f"{SLUG_PREFIX}{rows}"
        )
        section = Section.objects.create(survey=survey, title="Questions", position=1)
        position = 0
        questions = []
        for qtype, count, labels in QUESTIONS:
            for _ in range(count):
                position += 1
                question = Question.objects.create(
                    section=section, position=position, type=qtype, text=f"Question {position}?"
                )
                options = [
                    Option.objects.create(
                        question=question,
                        position=i,
                        label=label,
                        is_other=label.startswith("Other"),
                    )
                    for i, label in enumerate(labels, start=1)
                ]
                questions.append((question, [o.pk for o in options]))
    boroughs = "ARRAY[" + ",".join(f"'{code}'" for code, _ in borough_choices()) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO surveys_response (survey_id, respondent_id, respondent_name, status,
                reference, channel, channel_reference, scan, entered_by_id, current_section_id,
                submit_token, likely_duplicate_of_id, created_at, submitted_at, updated_at)
            SELECT %s, NULL, CASE WHEN g %% 10 = 0 THEN 'Paper respondent ' || g ELSE '' END,
                'submitted', 'B' || %s || '-' || g,
                CASE WHEN g %% 10 = 0 THEN 'paper' ELSE 'online' END,
                '', '', CASE WHEN g %% 10 = 0 THEN %s END, NULL, '', NULL,
                ts, ts, ts
            FROM (SELECT g, timestamptz '2026-02-11 09:00+00' + (g || ' seconds')::interval AS ts
                  FROM generate_series(1, %s) AS g) AS s
            """,
            [survey.pk, survey.pk, entered_by.pk, rows],
        )
        for index, (question, options) in enumerate(questions):
            qid, k = question.pk, index + 2
            t = question.type
            if t == "single_choice":
                values = (
                    f"(ARRAY{options})[(r.id * {k}) % {len(options)} + 1], "
                    f"CASE WHEN (r.id * {k}) % {len(options)} + 1 = {len(options)} "
                    "THEN 'Only while an investigation needs it' ELSE '' END, NULL, NULL, NULL"
                )
            elif t == "agreement":
                values = f"NULL, '', NULL, NULL, (r.id * {k}) % 6"
            elif t == "yes_no":
                values = "NULL, '', NULL, (r.id % 3 = 0), NULL"
            elif t == "number":
                values = "NULL, '', (r.id % 23), NULL, NULL"
            elif t == "borough":
                values = f"NULL, ({boroughs})[r.id % 34 + 1], NULL, NULL, NULL"
            elif t == "long_text":
                values = (
                    "NULL, CASE WHEN r.id % 97 = 0 THEN '=HYPERLINK(\"http://example.org\")' "
                    "ELSE 'I think ' || md5(r.id::text) || ' about the cameras, ' || "
                    "repeat('and privacy ', (r.id % 7)::int) END, NULL, NULL, NULL"
                )
            else:  # multiple choice, ranking, matrix: the choices carry the answer
                values = "NULL, '', NULL, NULL, NULL"
            cursor.execute(
                "INSERT INTO surveys_answer (response_id, question_id, option_id, text, number, "  # noqa: S608 - bench-only generated SQL
                f"boolean, scale_point, detail) SELECT r.id, {qid}, {values}, '' "
                f"FROM surveys_response r WHERE r.survey_id = {survey.pk}"
            )
            n = len(options)
            for position, option in enumerate(options):
                if t == "multiple_choice":
                    choice = f"{option}, NULL, NULL"
                    where = f" AND (a.response_id + {position * k}) % 3 <> 0"
                elif t == "ranking":
                    choice = f"{option}, ((a.response_id + {position}) % {n}) + 1, NULL"
                    where = ""
                elif t == "matrix":
                    choice = f"{option}, NULL, (a.response_id * {position + 3}) % 6"
                    where = ""
                else:
                    continue
                cursor.execute(
                    "INSERT INTO surveys_answerchoice (answer_id, option_id, rank, scale_point) "  # noqa: S608
                    f"SELECT a.id, {choice} FROM surveys_answer a "
                    f"WHERE a.question_id = {qid}{where}"
                )
        cursor.execute("ANALYZE surveys_response")
        cursor.execute("ANALYZE surveys_answer")
        cursor.execute("ANALYZE surveys_answerchoice")
    return survey.pk


def surveys_drop() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM surveys_survey WHERE slug LIKE %s", [f"{SLUG_PREFIX}%"])
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return
        cursor.execute(
            "DELETE FROM surveys_answerchoice WHERE answer_id IN (SELECT a.id FROM "
            "surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
            "WHERE r.survey_id = ANY(%s))",
            [ids],
        )
        cursor.execute(
            "DELETE FROM surveys_answer WHERE response_id IN "
            "(SELECT id FROM surveys_response WHERE survey_id = ANY(%s))",
            [ids],
        )
        cursor.execute("DELETE FROM surveys_response WHERE survey_id = ANY(%s)", [ids])
    from consultation.models import Consultation
    from consultation.surveys.models import Survey

    Survey.objects.filter(pk__in=ids).delete()
    Consultation.objects.filter(slug=f"{SLUG_PREFIX}consultation").delete()


def worker(mode: str, survey_id: int) -> dict:
    """One measurement, in its own process."""
    common.django_setup()
    from types import SimpleNamespace

    from django.db import connection
    from django.utils import timezone

    from consultation.analysis.exports import ExportFilters
    from consultation.analysis.exports.surveys import survey_dataset_key
    from consultation.analysis.services.exports.plan import ExportPlan

    connection.ensure_connection()
    baseline = common.peak_rss_mb()
    key = survey_dataset_key(survey_id)
    record = SimpleNamespace(
        pk=0,
        dataset_key=key,
        dataset_title="Bench survey (anonymised)",
        identified=False,
        kind_label="anonymised",
        filters={},
        file_format="xlsx" if mode == "xlsx" else "csv",
        file_name=f"bench.{mode}",
        purpose="",
        requested_by=SimpleNamespace(email="bench@example.org"),
        requested_at=timezone.now(),
    )
    with tempfile.NamedTemporaryFile(suffix=f".{mode}", delete=True) as handle:
        started = time.perf_counter()
        plan = ExportPlan(record)  # counted: it loads the survey's structure
        if mode in ("csv", "csv-generic"):
            for chunk in plan.csv_chunks(fast=mode == "csv"):
                handle.write(chunk)
            rows = plan.stats.rows_written
        elif mode == "copy":
            sql, params = plan.dataset.copy_select(ExportFilters())
            with connection.cursor() as wrapper:
                cursor = wrapper.cursor
                with cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV", params) as copy:
                    for data in copy:
                        handle.write(data)
                rows = cursor.rowcount
        elif mode == "xlsx":
            plan.write_xlsx(handle)
            rows = plan.stats.rows_written
        else:
            raise SystemExit(f"unknown mode {mode}")
        handle.flush()
        seconds = time.perf_counter() - started
        size = os.path.getsize(handle.name)
    return {
        "mode": mode,
        "rows": rows,
        "columns": len(plan.columns),
        "seconds": round(seconds, 3),
        "bytes": size,
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(common.peak_rss_mb(), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="*", default=None)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--no-xlsx", action="store_true")
    parser.add_argument("--worker", choices=["csv", "csv-generic", "copy", "xlsx"])
    parser.add_argument("--survey", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.survey)))
        return 0
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a migrated PostgreSQL database: this compares against COPY.")
        return 2
    sizes = args.rows or ([1000, 5000] if args.quick else [10_000, 100_000])
    common.django_setup()
    from django.core.management import call_command

    # The database may be fresh (CI's quick run points at a bench database of its own).
    call_command("migrate", interactive=False, verbosity=0)
    surveys_drop()
    results = []
    try:
        for rows in sizes:
            started = time.perf_counter()
            survey_id = survey_create(rows)
            created = time.perf_counter() - started
            best = {}
            for mode in ("copy", "csv", "csv-generic"):
                best[mode] = min(
                    (
                        common.worker_run(__file__, mode, "--survey", str(survey_id))
                        for _ in range(2)
                    ),
                    key=lambda r: r["seconds"],
                )
            best["xlsx"] = (
                None
                if args.no_xlsx
                else common.worker_run(__file__, "xlsx", "--survey", str(survey_id))
            )
            results.append((rows, created, best))
    finally:
        surveys_drop()

    lines = [
        f"### Survey export benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        f"{' (quick)' if args.quick else ''}",
        "",
        f"`bench/export_survey.py`: the real survey-responses dataset, 20 questions "
        f"({results[0][2]['csv']['columns']} columns), PostgreSQL, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, load "
        f"average {os.getloadavg()[0]:.1f}; best of 2 runs for COPY and CSV. Targets: engine "
        f"CSV ≤ {TARGET_RATIO:g}× COPY of the same join; peak RSS at most {TARGET_GROWTH_MB} MB over the start and flat.",
        "",
        "| Responses | created in s | COPY s | Engine CSV (fast path) s | ratio | Engine CSV "
        "(generic) s | ratio | CSV peak RSS MB (fast / generic) | XLSX s | XLSX peak RSS MB "
        "| CSV MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ok, within_target = True, True
    for rows, created, best in results:
        copy, fast, generic, xlsx = best["copy"], best["csv"], best["csv-generic"], best["xlsx"]
        within_target &= all(
            run["peak_rss_mb"] - run["baseline_rss_mb"] <= TARGET_GROWTH_MB
            for run in (fast, generic)
        )
        ok &= fast["rows"] == generic["rows"] == copy["rows"] == rows
        lines.append(
            f"| {rows:,} | {created:.1f} | {copy['seconds']:.2f} | {fast['seconds']:.2f} | "
            f"{fast['seconds'] / copy['seconds']:.2f}× | {generic['seconds']:.2f} | "
            f"{generic['seconds'] / copy['seconds']:.2f}× | "
            f"{fast['peak_rss_mb']:.0f} / {generic['peak_rss_mb']:.0f} "
            f"(at start {fast['baseline_rss_mb']:.0f}) | "
            + (f"{xlsx['seconds']:.2f} | {xlsx['peak_rss_mb']:.0f} | " if xlsx else "– | – | ")
            + f"{fast['bytes'] / 1e6:.1f} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_record:
        common.results_append_text("\n" + report)
    if not within_target:
        # Reported, not asserted (bench/run_all.py): only lost or wrong rows fail the run.
        print(f"Target missed: peak RSS grew more than {TARGET_GROWTH_MB} MB over the start.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
