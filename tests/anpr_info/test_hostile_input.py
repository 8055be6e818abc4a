"""Hostile and buggy input at the edge: every refusal is a 4xx problem, never a 500, and no scan
of untrusted text takes more than linear time (issue 13's regression tests)."""

import datetime as dt
import json
import signal
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.utils import timezone

from anpr_info import returns
from anpr_info.models import IdempotencyRecord, QuarantinedBatch, Submission
from anpr_info.services.submissions import idempotency_begin

from .conftest import RETURNS, hits_document

pytestmark = pytest.mark.django_db


def _problem(response, status):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["title"]
    return body


@contextmanager
def at_most(seconds):
    """A guard against a hang, not a speed test: a super-linear scan of the inputs below takes
    minutes to hours, a linear one milliseconds; fails the test rather than hanging the suite."""

    def _expired(signum, frame):
        raise AssertionError(f"took more than {seconds} s: not linear")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- Ingestion: values of the wrong shape -----------------------------------------------------


@pytest.mark.parametrize(
    "count",
    [[1, 2], {"a": 1}, "²", "٣", "1²", " 12", "12.0", 1.5, True, None, 10**30, -1],
    ids=repr,
)
def test_a_count_that_is_not_a_plain_whole_number_is_a_422(signed_post, count):
    document = hits_document()
    document["rows"][0]["count"] = count
    problem = _problem(signed_post(document), 422)
    assert problem["type"].endswith("invalid-rows")
    assert any(e["row"] == 1 and e["field"] == "count" for e in problem["errors"])
    assert not Submission.objects.exists()


@pytest.mark.parametrize("value", [["tfl_ruc"], {"x": "y"}, 7, None], ids=repr)
def test_a_dimension_that_is_a_list_or_an_object_is_a_422(signed_post, value):
    document = hits_document()
    document["rows"][1]["owner"] = value
    problem = _problem(signed_post(document), 422)
    assert any(e["row"] == 2 and e["field"] == "owner" for e in problem["errors"])
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(period=["2025-03"]),
        lambda d: d.update(dataset={"code": "hits"}),
        lambda d: d.update(reason=["why"]),
        lambda d: d.update(rows={"0": {}}),
        lambda d: d.update(extra=1),
        lambda d: d["rows"].append([1, 2, 3]),
        lambda d: d["rows"][0].update(note={"nested": ["AB12 CDE"]}),
    ],
)
def test_a_header_or_row_of_the_wrong_type_is_a_4xx(signed_post, mutate):
    document = hits_document()
    mutate(document)
    response = signed_post(document)
    assert response.status_code in (400, 422), response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    assert not Submission.objects.exists()


@pytest.mark.parametrize("depth", [200, 100_000])
def test_very_deep_json_is_refused(signed_post, depth):
    body = b'{"dataset": "hits", "period": "2025-03", "rows": ' + b"[" * depth + b"]" * depth + b"}"
    problem = _problem(signed_post(body), 400)
    assert "deep" in problem["detail"]
    assert not Submission.objects.exists()


def test_a_huge_csv_cell_is_refused(signed_post, settings):
    body = b"owner,area,category,count\ntfl_ruc,E09000033,stolen," + b"9" * 200_000 + b"\n"
    path = RETURNS + "?dataset=hits&period=2025-03"
    problem = _problem(signed_post(body, path=path, content_type="text/csv"), 400)
    assert "cell" in problem["detail"]
    assert not Submission.objects.exists()


def test_too_many_rows_are_refused(signed_post, settings):
    settings.ANPR_INGEST_MAX_ROWS = 1
    problem = _problem(signed_post(hits_document()), 413)
    assert "rows" in problem["detail"]
    assert not Submission.objects.exists()


def test_a_body_over_the_size_limit_gets_a_problem_not_an_html_page(signed_post, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.ANPR_INGEST_MAX_BYTES = 1000
    document = hits_document(reason="x" * 2000)
    problem = _problem(signed_post(document), 413)
    assert "bytes" in problem["detail"]
    assert not Submission.objects.exists()


def test_a_return_for_a_period_that_has_not_ended_is_refused(signed_post):
    this_month = timezone.localdate().strftime("%Y-%m")
    next_year = f"{timezone.localdate().year + 1}-01"
    for period in (this_month, next_year):
        problem = _problem(signed_post(hits_document(period=period)), 422)
        assert any(e["field"] == "period" for e in problem["errors"])
    assert not Submission.objects.exists()


# --- The personal-data scan: linear, and never leaves an idempotency record stuck ------------


@pytest.mark.parametrize(
    "value",
    [
        "a" * 1_000_000,
        "a@" * 500_000,
        "a@a" * 300_000,
        "a." * 500_000,
        "AB12" * 250_000,
        "1 " * 500_000,
    ],
    ids=["letters", "at-signs", "a-at-a", "dots", "plate-starts", "digits"],
)
def test_the_tripwire_scans_one_long_value_in_linear_time(value):
    batch = returns.Batch(
        dataset="hits", period="2025-03", reason="", rows=[{"note": value}], body_sha256=""
    )
    with at_most(10):
        returns.tripwire(batch)


def test_the_tripwire_still_finds_an_email_at_the_end_of_a_long_value():
    batch = returns.Batch(
        dataset="hits",
        period="2025-03",
        reason="",
        rows=[{"note": "x" * 300_000 + " jo@example.org"}],
        body_sha256="",
    )
    with at_most(10):
        findings = returns.tripwire(batch)
    assert [f.kind for f in findings] == ["email address"]


def test_a_long_value_is_quarantined_quickly_through_the_api(signed_post, settings):
    document = hits_document()
    document["rows"][0]["note"] = "a" * 300_000 + "@example.org"
    with at_most(10):
        response = signed_post(document, idempotency="long-1")
    _problem(response, 422)
    assert QuarantinedBatch.objects.count() == 1
    assert IdempotencyRecord.objects.get().state == IdempotencyRecord.State.DONE


def test_an_idempotency_record_left_in_progress_expires(signed_post, source, settings):
    body = json.dumps(hits_document()).encode()
    stale = IdempotencyRecord.objects.create(
        source=source,
        key="return-1",
        request_sha256="0" * 64,
        created_at=timezone.now()
        - dt.timedelta(seconds=settings.ANPR_IDEMPOTENCY_EXPIRY_SECONDS + 1),
    )
    response = signed_post(body, idempotency="return-1")
    assert response.status_code == 201, response.content
    assert Submission.objects.count() == 1
    record = IdempotencyRecord.objects.get(source=source, key="return-1")
    assert record.pk != stale.pk or record.state == IdempotencyRecord.State.DONE
    assert record.state == IdempotencyRecord.State.DONE


def test_a_fresh_record_in_progress_is_still_a_409(source):
    from anpr_info.services.submissions import IdempotencyInProgress

    assert idempotency_begin(source=source, key="k", request_sha256="1" * 64) is None
    with pytest.raises(IdempotencyInProgress):
        idempotency_begin(source=source, key="k", request_sha256="1" * 64)


# --- Path parameters and pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/releases/²/",
        "/api/v1/releases/2025-03-v²/",
        "/api/v1/releases/2025-03-v٣/",
        "/api/v1/releases/²/manifest/",
        "/api/v1/releases/2025-03-v²/manifest/",
        "/api/v1/releases/²/tables/hits/by_area/2025-03/",
        "/api/v1/releases/2025-03-v²/tables/hits/by_area/2025-03/",
        "/api/v1/releases/2025-03-v1/tables/hits/by_area/²/",
        "/api/v1/releases/2025-03-v99999999999999999999999/",
    ],
)
def test_api_release_urls_with_non_ascii_digits_are_404_problems(client, url):
    _problem(client.get(url), 404)


@pytest.mark.parametrize(
    "url",
    [
        "/anpr/releases/²/",
        "/anpr/releases/2025-03-v²/",
        "/anpr/releases/2025-03-v²/tables/hits/by_area/2025-03/",
        "/anpr/releases/2025-03-v99999999999999999999999/",
    ],
)
def test_page_release_urls_with_non_ascii_digits_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "page", ["99999999999999999999999", "10000000000", "²", "-1", "0", "1.5", "", "x"]
)
def test_a_bad_or_huge_page_number_is_a_400(client, page):
    problem = _problem(client.get("/api/v1/observations/", {"page": page}), 400)
    assert "page" in problem["errors"]


@pytest.mark.parametrize(
    "query",
    [
        {"nonsense": "1"},
        {"measure": "nope"},
        {"area": "E09000033\x00"},
        {"period": "²⁰²⁵"},
        {"period_from": "2025-13"},
        {"measure": ["hits", "hits"]},
    ],
)
def test_unknown_or_malformed_observation_parameters_are_a_400(client, query):
    _problem(client.get("/api/v1/observations/", query), 400)


# --- Caches that cannot be filled from outside -------------------------------------------------


def _cache_size():
    """Entries in the cache: local memory under the embedded default, keys in the Redis db."""
    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):
        return len(store)
    if hasattr(store, "get_client"):
        return store.get_client(None).dbsize()
    return None


@pytest.mark.parametrize(
    "url", ["/api/v1/measures/", "/api/v1/releases/", "/api/v1/chain/", "/api/v1/observations/"]
)
def test_made_up_query_strings_do_not_fill_the_cache(client, url):
    client.get(url)
    before = _cache_size()
    if before is None:
        pytest.skip("needs the local-memory cache to count entries")
    for n in range(40):
        response = client.get(url, {f"junk{n}": str(n)})
        assert response.status_code == 400
    assert _cache_size() <= before + 2


def test_the_same_query_in_another_order_shares_one_cache_entry(client):
    client.get("/api/v1/observations/", {"measure": "hits", "page": "1"})
    before = _cache_size()
    if before is None:
        pytest.skip("needs the local-memory cache to count entries")
    client.get("/api/v1/observations/?page=1&measure=hits")
    assert _cache_size() == before


@pytest.mark.parametrize("url", ["/anpr/", "/anpr/releases/", "/anpr/measures/hits/"])
def test_pages_with_made_up_query_strings_are_not_stored(client, url):
    client.get(url)
    before = _cache_size()
    if before is None:
        pytest.skip("needs the local-memory cache to count entries")
    for n in range(20):
        assert client.get(url, {f"junk{n}": str(n)}).status_code == 200
    assert _cache_size() <= before + 2


def test_a_body_over_djangos_own_limit_is_a_413_problem_too(signed_post, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500
    settings.ANPR_INGEST_MAX_BYTES = 10_000
    problem = _problem(signed_post(hits_document(reason="x" * 2000)), 413)
    assert problem["type"].endswith("too-large")
    assert not Submission.objects.exists()


def test_requests_django_refuses_before_any_view_get_problems_on_the_api(rf):
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation

    from talklondon.views import error_400

    response = error_400(rf.post("/api/v1/measures/"), RequestDataTooBig("too big"))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    response = error_400(rf.get("/api/v1/measures/"), SuspiciousOperation("odd"))
    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    page = error_400(rf.get("/anpr/"), SuspiciousOperation("odd"))
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
