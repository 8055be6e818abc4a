#!/usr/bin/env python
"""Benchmark: time to render a proposal page that has 500 comments.

Creates a throwaway test database (PostgreSQL when DATABASE_URL is set, which is what the
numbers are for; SQLite otherwise), fills one proposal page with 500 comments in threads,
renders the page repeatedly with Django's test client (signed out and signed in) and reports
the median milliseconds per page and the number of queries. Appends one line to
bench/RESULTS.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/talklondon .venv/bin/python bench/proposal_page.py
    .venv/bin/python bench/proposal_page.py --quick
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talklondon.settings")
os.environ.setdefault("TALKLONDON_TESTING", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def build(n_comments: int):
    from django.utils import timezone

    from consultation.models import Comment, Consultation, ProposalPage
    from demo.accounts import verified_user_create
    from talklondon.rich_text import render_markdown_lite

    now = timezone.now()
    consultation = Consultation.objects.create(
        title="Bench consultation",
        slug="bench",
        summary="Benchmark",
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=49),
        published_at=now,
    )
    page = ProposalPage.objects.create(
        consultation=consultation,
        title="The proposal",
        slug="proposal",
        body="## Hello\n\nText.",
        published_at=now,
    )
    people = [
        verified_user_create(email=f"bench{n}@example.org", display_name=f"Bench {n}")
        for n in range(30)
    ]
    text = "I think *this* is a [reasonable](https://example.org) idea, with safeguards."
    html = render_markdown_lite(text)
    n_top = int(n_comments * 0.7)
    tops = Comment.objects.bulk_create(
        Comment(
            page=page,
            author=people[i % 30],
            body=text,
            body_html=html,
            status="published",
            created_at=now - timedelta(minutes=i),
            published_at=now,
            like_count=i % 9,
        )
        for i in range(n_top)
    )
    replies = []
    for i in range(n_comments - n_top):
        top = tops[i % 100]  # replies concentrated on the newest threads, as in real life
        replies.append(
            Comment(
                page=page,
                author=people[(i + 1) % 30],
                parent=top,
                replied_to=top,
                thread=top,
                depth=1,
                body=text,
                body_html=html,
                status="published",
                created_at=now - timedelta(seconds=i),
                published_at=now,
            )  # fmt: skip
        )
    Comment.objects.bulk_create(replies)
    return page, people[0]


def measure(client, url: str, runs: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert b"tl-comment" in response.content
    # Read the count now: the next request resets Django's query log.
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, for CI smoke checks")
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 30)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.runner import DiscoverRunner
    from django.urls import reverse

    settings.RATELIMIT_ENABLE = False
    # No setup_test_environment(): its template instrumentation would inflate the timings.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        page, person = build(args.comments)
        url = reverse("consultation:page", args=[page.consultation.slug, page.slug])
        # A session cookie nobody signed in with: still signed out, but past the anonymous page
        # cache, so that this measures rendering (the read spike measures the cache).
        signed_out = Client()
        signed_out.cookies["sessionid"] = "bench-render-not-cache"
        anonymous_ms, anonymous_q = measure(signed_out, url, runs)
        signed_in = Client()
        signed_in.force_login(person)
        signed_in_ms, signed_in_q = measure(signed_in, url, runs)
        vendor = connection.vendor
    finally:
        runner.teardown_databases(old_config)

    line = (
        f"- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · proposal_page · {vendor} · "
        f"{args.comments} comments · {runs} runs{' (quick)' if args.quick else ''} · median "
        f"{anonymous_ms:.1f} ms signed out ({anonymous_q} queries), "
        f"{signed_in_ms:.1f} ms signed in ({signed_in_q} queries)"
    )
    print(line)
    if vendor != "postgresql":
        print("Note: set DATABASE_URL to benchmark on PostgreSQL.", file=sys.stderr)
    if not args.no_record:
        from bench import common

        common.results_append_text(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
