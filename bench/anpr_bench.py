#!/usr/bin/env python
"""Benchmarks for the ANPR transparency module (not timed tests).

1. ingest: one month of site-level daily reads (about 2,540 sites × 31 days) POSTed, signed,
   through the real ingestion API (Django test client): parse, tripwire, validate, aggregate,
   store. Target: well under 10 s.
2. disclosure: building the protected tables of every measure for two years of releases
   (24 monthly releases, with their quarterly and annual tables). Target: seconds.
3. cached reads: dashboard, chart pages and API responses once cached: median and p99.
4. measure pages, cold: every measure page's default view with every cache empty (the chart
   renderer already started, as in a warm worker): HTML size and time, and the time as a ratio
   to the methodology page (no chart, no figures) rendered the same way in the same run.
   Targets: under 100 KB and under 300 ms each.

Creates and drops its own test database (PostgreSQL when DATABASE_URL is set, SQLite
otherwise) and appends one line per benchmark to bench/RESULTS.md.

    .venv/bin/python bench/anpr_bench.py            # full
    .venv/bin/python bench/anpr_bench.py --quick    # CI: 3 months, fewer requests
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talklondon.settings")
os.environ.setdefault("TALKLONDON_TESTING", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def bench_ingest(pusher, simulator, months):
    from demo.anpr_simulator import return_body

    timings, cpu = [], []
    for month in months:
        rows = simulator.month(month)["site_reads"]
        request = return_body("site_reads", month, rows)
        start, start_cpu = time.perf_counter(), time.process_time()
        status, body = pusher.send(*request)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert status == 201, body
    return timings, cpu, len(rows)


def bench_disclosure(months, publishers):
    from anpr_info.models import Release
    from anpr_info.services import releases as svc
    from demo.anpr import announced_time

    timings = []
    for month in months:
        release = svc.release_announce(
            period=month, announced_at=announced_time(month), actor=publishers[0]
        )
        start = time.perf_counter()
        svc.release_prepare(release=release, actor=publishers[0])
        timings.append(time.perf_counter() - start)
        release.refresh_from_db()
        svc.release_approve(
            release=release, actor=publishers[1], content_sha256=release.content_sha256
        )
        svc.release_embargo(release=release, actor=publishers[1])
        svc.release_publish(release=release, now=max(release.announced_at, datetime.now(UTC)))
    return timings, Release.objects.filter(status="published").count()


def bench_cached(client, runs):
    from anpr_info.selectors import PUBLISHED_NAMESPACE
    from talklondon.cache import namespace_bump

    namespace_bump([PUBLISHED_NAMESPACE])
    urls = [
        "/anpr/",
        "/anpr/measures/hits/?breakdown=category",
        "/anpr/measures/outcomes/?breakdown=area",
        "/anpr/measures/hits/chart.svg?breakdown=category",
        "/api/v1/releases/",
        "/api/v1/observations/?measure=hits&table=by_area_category",
        "/api/v1/measures/",
    ]
    for url in urls:  # warm the cache
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(runs):
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
    return timings, len(urls)


def bench_measure_pages(client, runs):
    """Per measure: (code, KB, median cold ms); and the baseline's median cold ms."""
    from django.core.cache import cache

    from anpr_info import registry
    from talklondon.page_cache import page_cache_local_clear

    def cold(url):
        timings = []
        for _ in range(runs):
            cache.clear()
            page_cache_local_clear()
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200, url
        return len(response.content), statistics.median(timings)

    client.get("/anpr/measures/audit/chart.svg")  # start the chart renderer (once per process)
    _size, baseline = cold("/anpr/methodology/")
    pages = []
    for code in registry.MEASURES:
        size, median = cold(f"/anpr/measures/{code}/")
        pages.append((code, size / 1024, median))
    return pages, baseline


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="3 months and fewer requests (CI)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from anpr_info import registry
    from anpr_info.services.sources import api_key_create, source_create
    from demo.anpr_simulator import Pusher, Simulator, feed_push, months_back, return_body
    from talklondon.permissions import ROLE_PUBLISHER

    settings.RATELIMIT_ENABLE = False
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    vendor = connection.vendor
    lines = []
    try:
        from django.contrib.auth.models import Group

        from talklondon.models import User

        publishers = []
        for n in (1, 2):
            user = User.objects.create_user(
                f"bench{n}@example.org", "x" * 12, display_name=f"Bench {n}"
            )
            user.groups.add(Group.objects.get(name=ROLE_PUBLISHER))
            publishers.append(user)
        source = source_create(name="Bench back end")
        _record, key = api_key_create(source=source)
        pusher = Pusher(key=key)
        months = months_back(3 if args.quick else 24)

        # 1. Ingestion of full-scale site-level reads.
        full = Simulator()
        ingest_months = months[-1:] if args.quick else months[-3:]
        timings, cpu, rows = bench_ingest(pusher, full, ingest_months)
        lines.append(
            f"anpr_ingest · {vendor} · {rows:,} site-day rows · {len(timings)} months · "
            f"median {statistics.median(timings):.2f} s wall ({statistics.median(cpu):.2f} s CPU), "
            f"max {max(timings):.2f} s · load {os.getloadavg()[0]:.1f}"
        )

        # 2. Disclosure control over every measure for the whole period. The other months'
        # returns are sent at a smaller site scale (same table sizes, quicker to generate).
        others = [m for m in months if m not in ingest_months]
        feed_push(pusher=pusher, months=others, simulator=Simulator(scale=0.05))
        small = Simulator(scale=0.05)
        for month in ingest_months:
            for dataset, dataset_rows in small.month(month).items():
                if dataset == "site_reads":
                    continue
                grain = registry.DATASETS[dataset].grain
                period = month if grain == "month" else registry.quarter_of_month(month)
                status, body = pusher.send(*return_body(dataset, period, dataset_rows))
                assert status == 201, body
        timings, published = bench_disclosure(months, publishers)
        lines.append(
            f"anpr_disclosure · {vendor} · {len(months)} monthly releases, all measures · "
            f"total {sum(timings):.1f} s, median {statistics.median(timings):.2f} s per release"
        )

        # 3. Cached pages and API responses.
        client = Client()
        timings, count = bench_cached(client, 20 if args.quick else 100)
        lines.append(
            f"anpr_cached · {vendor} · {count} URLs × {len(timings) // count} runs · "
            f"median {statistics.median(timings) * 1000:.1f} ms, p99 {percentile(timings, 0.99) * 1000:.1f} ms"
        )

        # 4. Every measure page's default view, cold.
        pages, baseline = bench_measure_pages(client, 3 if args.quick else 7)
        largest = max(pages, key=lambda p: p[1])
        slowest = max(pages, key=lambda p: p[2])
        lines.append(
            f"anpr_measure_pages_cold · {vendor} · {len(months)} months · {len(pages)} measure "
            f"pages, default view, every cache empty · largest {largest[1]:.1f} KB ({largest[0]}) · "
            f"slowest median {slowest[2] * 1000:.0f} ms ({slowest[0]}), "
            f"{slowest[2] / baseline:.1f}× the methodology page ({baseline * 1000:.0f} ms) · "
            f"load {os.getloadavg()[0]:.1f}"
        )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    for line in lines:
        print(line)
    if not args.no_record:
        from bench import common

        common.results_append_text(
            "".join(f"- {stamp} · {line}{' · quick' if args.quick else ''}\n" for line in lines)
        )


if __name__ == "__main__":
    main()
