"""Benchmark: CSV (and XLSX) export through the export engine vs PostgreSQL's COPY.

Creates a bench-only table `bench_export_wide` (20 columns) with raw SQL, then, in separate
processes so that peak memory is measured per run:
  - engine CSV: a Dataset over the table read by `sql_rows` (server-side cursor, 2,000 rows a
    fetch), respondent ids pseudonymised, cells formatted and formula-neutralised, written by
    `csv_stream` to a file;
  - COPY: `COPY (<the same SELECT>) TO STDOUT WITH CSV HEADER` through psycopg to a file;
  - engine XLSX: the same rows through `xlsx_write` (openpyxl write-only).
Peak RSS is the process's ru_maxrss. Drops the table at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_i5 .venv/bin/python bench/export_csv.py
    ... bench/export_csv.py --quick          # small sizes, for CI smoke runs
    ... bench/export_csv.py --rows 10000 100000 --no-record

The lead will swap the table for the real survey-responses join later.
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

TABLE = "bench_export_wide"
QUESTIONS = [f"q{i:02d}" for i in range(1, 15)]
COLUMNS = ["id", "respondent_id", "submitted_at", "borough", "channel", *QUESTIONS, "comment"]
BOOLEAN_QUESTIONS = {name for index, name in enumerate(QUESTIONS) if index % 3 == 2}
TARGET_RATIO = 2.0
# Memory is judged by growth over the worker's own footprint at the start, which depends on what
# the code base imports rather than on the export (it fell from 165 to 92 MB when the solvers
# stopped loading at start-up).
TARGET_GROWTH_MB = 100


def select_sql() -> str:
    """The typed SELECT the generic path fetches (Python objects, formatted by the writer)."""
    return f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id <= %s ORDER BY id"  # noqa: S608


def text_select_sql() -> str:
    """The same rows formatted as the CSV writer formats them: the COPY fast path's SELECT.

    COPY of this SELECT is also the baseline, so both sides produce the same text.
    """
    columns = []
    for name in COLUMNS:
        if name == "submitted_at":
            columns.append(
                "to_char(submitted_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD HH24:MI:SS')"
            )
        elif name in BOOLEAN_QUESTIONS:
            columns.append(f"CASE WHEN {name} THEN 'yes' ELSE 'no' END")
        else:
            columns.append(name)
    return f"SELECT {', '.join(columns)} FROM {TABLE} WHERE id <= %s ORDER BY id"  # noqa: S608


def create_table(rows: int) -> None:
    from django.db import connection

    boroughs = "ARRAY['E09000007','E09000012','E09000022','E09000028','E09000033','outside']"
    questions = []
    for index, name in enumerate(QUESTIONS):
        if index % 3 == 0:
            questions.append(f"(g * {index + 7}) %% 5 + 1 AS {name}")
        elif index % 3 == 1:
            questions.append(
                f"(ARRAY['Strongly agree','Agree','Neither','Disagree','Strongly disagree'])"
                f"[(g * {index + 3}) %% 5 + 1] AS {name}"
            )
        else:
            questions.append(f"((g + {index}) %% 2 = 0) AS {name}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"""
            CREATE TABLE {TABLE} AS
            SELECT g AS id,
                   (g %% 50000) + 1 AS respondent_id,
                   timestamptz '2026-02-11 09:00+00' + (g || ' seconds')::interval AS submitted_at,
                   ({boroughs})[g %% 6 + 1] AS borough,
                   (ARRAY['online','paper','email'])[g %% 3 + 1] AS channel,
                   {", ".join(questions)},
                   CASE WHEN g %% 97 = 0 THEN '=HYPERLINK("http://example.org")'
                        ELSE 'I think ' || md5(g::text) || ' about the cameras, ' ||
                             repeat('and privacy ', g %% 7) END AS comment
            FROM generate_series(1, %s) AS g
            """,  # noqa: S608 - fixed bench-only identifiers
            [rows],
        )
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)")
        cursor.execute(f"ANALYZE {TABLE}")


def drop_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def bench_dataset(rows: int):
    from consultation.analysis.exports import RESPONDENT, BaseDataset, Column, sql_rows

    class WideTable(BaseDataset):
        key = "bench-wide"
        title = "Benchmark table"

        def columns(self, filters):
            return [
                Column(name, name, kind=RESPONDENT if name == "respondent_id" else "value")
                for name in COLUMNS
            ]

        def rows(self, filters):
            return sql_rows(select_sql(), [rows], chunk_size=2000)

        def copy_select(self, filters):
            return text_select_sql(), [rows]

        def count(self, filters):
            return rows

    return WideTable


def worker(mode: str, rows: int) -> dict:
    """One measurement, run in its own process."""
    common.django_setup()
    from types import SimpleNamespace

    from django.db import connection
    from django.utils import timezone

    from consultation.analysis.exports import register_dataset
    from consultation.analysis.services.exports.plan import ExportPlan

    connection.ensure_connection()
    baseline = common.peak_rss_mb()
    register_dataset("bench-wide", bench_dataset(rows))
    # The engine's own export plan (what export_build_run uses), minus the ExportRecord.
    record = SimpleNamespace(
        pk=0,
        dataset_key="bench-wide",
        dataset_title="Benchmark table (anonymised)",
        identified=False,
        kind_label="anonymised",
        filters={},
        file_format=mode if mode == "xlsx" else "csv",
        file_name=f"bench.{mode}",
        purpose="",
        requested_by=SimpleNamespace(email="bench@example.org"),
        requested_at=timezone.now(),
    )
    plan = ExportPlan(record)

    with tempfile.NamedTemporaryFile(suffix=f".{mode}", delete=True) as handle:
        started = time.perf_counter()
        if mode in ("csv", "csv-cursor"):
            for chunk in plan.csv_chunks(fast=mode == "csv"):
                handle.write(chunk)
        elif mode == "copy":
            sql = text_select_sql().replace("%s", str(int(rows)))
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER") as copy,
            ):
                for data in copy:
                    handle.write(data)
            plan.stats.rows_written = rows
        elif mode == "xlsx":
            plan.write_xlsx(handle)
        else:
            raise SystemExit(f"unknown mode {mode}")
        handle.flush()
        seconds = time.perf_counter() - started
        size = os.path.getsize(handle.name)
    return {
        "mode": mode,
        "rows": plan.stats.rows_written,
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
    parser.add_argument(
        "--worker", choices=["csv", "csv-cursor", "copy", "xlsx"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.rows[0])))
        return 0

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database: this benchmark compares against COPY.")
        return 2
    sizes = args.rows or ([2000] if args.quick else [10_000, 100_000])
    common.django_setup()
    create_table(max(sizes))
    results = []
    try:
        for rows in sizes:
            best = {}
            for mode in ("copy", "csv", "csv-cursor"):
                best[mode] = min(
                    (
                        common.worker_run(__file__, mode, "--rows", str(rows))
                        for _ in range(1 if args.quick else 2)
                    ),
                    key=lambda r: r["seconds"],
                )
            best["xlsx"] = (
                None if args.no_xlsx else common.worker_run(__file__, "xlsx", "--rows", str(rows))
            )
            results.append((rows, best))
    finally:
        drop_table()

    lines = [
        f"### Export benchmark {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        f"{' (quick)' if args.quick else ''}",
        "",
        f"`bench/export_csv.py`: {len(COLUMNS)} columns, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; best of {1 if args.quick else 2} runs for COPY and CSV. "
        f"Targets: engine CSV ≤ "
        f"{TARGET_RATIO:g}× COPY; peak RSS at most {TARGET_GROWTH_MB} MB over the start and flat.",
        "",
        "| Rows | COPY s | Engine CSV (COPY fast path) s | ratio | Engine CSV (server-side "
        "cursor) s | ratio | CSV peak RSS MB (fast / cursor) | XLSX s | XLSX peak RSS MB "
        "| CSV MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ok, within_target = True, True
    for rows, best in results:
        copy, fast, cursor, xlsx = best["copy"], best["csv"], best["csv-cursor"], best["xlsx"]
        within_target &= all(
            run["peak_rss_mb"] - run["baseline_rss_mb"] <= TARGET_GROWTH_MB
            for run in (fast, cursor)
        )
        ok &= fast["rows"] == cursor["rows"] == rows
        lines.append(
            f"| {rows:,} | {copy['seconds']:.2f} | {fast['seconds']:.2f} | "
            f"{fast['seconds'] / copy['seconds']:.2f}× | {cursor['seconds']:.2f} | "
            f"{cursor['seconds'] / copy['seconds']:.2f}× | "
            f"{fast['peak_rss_mb']:.0f} / {cursor['peak_rss_mb']:.0f} "
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
