"""The hash-chain verifier against the real API (through Django's test client): a handful of
requests for a full check, patience when rate-limited, and a --help that works."""

import email.message
import io
import urllib.error
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle

from anpr_info.verify import anpr_verify

from .conftest import publish_period

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


class ClientOpener:
    """urllib's urlopen, answered by the Django test client."""

    def __init__(self, client):
        self.client = client
        self.statuses = []

    def __call__(self, request, timeout=None):
        parts = urlsplit(request.full_url)
        response = self.client.get(
            parts.path + (f"?{parts.query}" if parts.query else ""),
            headers={"Accept": request.get_header("Accept")},
        )
        self.statuses.append(response.status_code)
        if response.status_code >= 400:
            headers = email.message.Message()
            for name, value in response.items():
                headers[name] = value
            raise urllib.error.HTTPError(
                request.full_url, response.status_code, "", headers, io.BytesIO(response.content)
            )
        return io.BytesIO(response.content)


@pytest.fixture
def chain(small_feed, publishers, django_capture_on_commit_callbacks):
    small_feed(("2025-01", "2025-02", "2025-03"))
    with django_capture_on_commit_callbacks(execute=True):
        return [publish_period(p, *publishers) for p in ("2025-01", "2025-02", "2025-03")]


def _verify(client, *, sleep=lambda s: None):
    out = io.StringIO()
    opener = ClientOpener(client)
    fetcher = anpr_verify.Fetcher(opener=opener, sleep=sleep, log=out.write)
    return anpr_verify.run(SITE, fetcher=fetcher, out=out), out.getvalue(), opener


def test_a_full_check_is_one_request_per_release_plus_one(chain, client):
    status, out, opener = _verify(client)
    assert status == 0, out
    tables = sum(len(r.manifest["tables"]) for r in chain)
    assert len(opener.statuses) == len(chain) + 1 < tables  # not one request per table
    assert "Chain intact: 3 releases" in out


def test_a_rewritten_table_is_caught_through_the_bulk_endpoint(chain, client):
    table = chain[1].tables.first()
    table.payload["cells"][0][2] = 123456789
    table.save(update_fields=["payload"])
    cache.clear()
    status, out, _ = _verify(client)
    assert status == 1 and f"{chain[1].slug}: table {table.measure}/{table.table}" in out


def test_it_waits_out_the_rate_limit_instead_of_crashing(chain, client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        cache.clear()  # as if the minute had passed: the throttle forgets

    status, out, opener = _verify(client, sleep=sleep)
    assert status == 0, out
    assert 429 in opener.statuses
    assert waits and all(0 < w <= 60 for w in waits)  # the API's own Retry-After


def test_help_works():
    with pytest.raises(SystemExit) as exit_:
        anpr_verify.main(["--help"])
    assert exit_.value.code == 0
