"""The staff pages benchmark: its pure parts always (no database), the run itself only with
BENCH_SMOKE=1 (`--quick`: 1,000 responses on the PostgreSQL database BENCH_DATABASE_URL, Redis
BENCH_REDIS_URL; under a minute once the demo is seeded). It times nothing."""

import os

import pytest

from bench import run_all, staff_pages
from tests.bench.running import output_tail, run_benchmark


def test_run_all_finds_the_staff_pages_benchmark():
    assert "staff_pages" in [path.stem for path in run_all.benchmarks()]


def test_it_reads_every_staff_url_and_skips_only_real_ones():
    names = {name for name, _route, _pattern in staff_pages.staff_patterns()}
    routes = [route for _name, route, _pattern in staff_pages.staff_patterns()]
    assert all(route.startswith("staff/") for route in routes)
    assert staff_pages.BASELINE in names
    # A renamed URL must not leave a stale reason behind (and so go unmeasured unnoticed).
    assert set(staff_pages.SKIPPED) <= names


def _page(name, median, status=200):
    page = {"name": name, "url": f"/staff/{name}/", "status": status, "location": ""}
    page.update(cold_ms=median * 2, cold_queries=5)
    if status == 200:
        page.update(warm_median_ms=median, warm_max_ms=median + 1, warm_n=2, warm_queries=4)
    return page


def _run(rows, pages, skipped=()):
    return (rows, {"pages": pages, "skipped": list(skipped)}, 1.0)


def test_targets_are_judged_at_the_largest_size_and_as_ratios_to_the_staff_home():
    post_only = {"name": "x:action", "route": "/staff/x/", "why": "POST only: a GET answers 405"}
    runs = [
        _run(10, [_page("staff:home", 10), _page("results", 900)], [post_only]),
        _run(100, [_page("staff:home", 20), _page("results", 100), _page("slow", 600)]),
    ]
    text, broken = staff_pages.report(runs, repeats=2)
    assert not broken
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines()}
    # 900 ms at the smaller size is only reported; the verdict is at the largest size.
    assert rows["results"].endswith("| PASS |")
    assert "| 5.0× |" in rows["results"]  # 100 ms / the home's 20 ms, in the same run
    assert rows["slow"].endswith("| MISS |")
    assert "Over 500 ms at 100: slow (600 ms)." in text
    assert "POST only: a GET answers 405: `x:action`" in text


def test_only_a_server_error_breaks_the_benchmark():
    redirect = _run(10, [_page("staff:home", 10), _page("publish", 0, status=302)])
    text, broken = staff_pages.report([redirect], repeats=2)
    assert not broken
    assert "Not 200: publish at 10: 302" in text
    error = _run(10, [_page("staff:home", 10), _page("results", 0, status=500)])
    assert staff_pages.report([error], repeats=2)[1]


def test_the_first_view_after_a_change_is_reported_beside_the_recount_it_replaces():
    after = {
        "name": "analysis_staff:survey_dashboard",
        "url": "/staff/analysis/surveys/1/",
        "status": 200,
        "recount_ms": 860.0,
        "recount_queries": 23,
        "stale_ms": 95.0,
        "stale_queries": 18,
        "stale_answer_reads": 0,
        "stale_shown": True,
        "refreshes": 2,
        "refresh_ms": 900.0,
        "next_ms": 80.0,
    }
    run = (100, {"pages": [_page("staff:home", 20)], "skipped": [], "after_change": [after]}, 1)
    text, broken = staff_pages.report([run], repeats=2)
    assert not broken
    assert (
        "| analysis_staff:survey_dashboard | 100 | 860 (23) | 95.0 (18, 0) | shown | 2, 900 "
        "| 80.0 |" in text
    )
    broken_run = (100, {**run[1], "after_change": [{**after, "status": 500}]}, 1)
    assert staff_pages.report([broken_run], repeats=2)[1]


@pytest.mark.skipif(os.environ.get("BENCH_SMOKE") != "1", reason="set BENCH_SMOKE=1 to run")
def test_staff_pages_quick_runs_without_server_errors():
    result = run_benchmark("staff_pages.py", "--quick", timeout=300, database=True)
    assert result.returncode == 0, output_tail(result)
    assert "| staff:home | `/staff/` |" in result.stdout
    assert "| analysis_staff:survey_dashboard |" in result.stdout
    assert "| analysis_staff:survey_dashboard | 1,000 |" in result.stdout  # after a change
