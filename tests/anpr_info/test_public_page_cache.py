"""The transparency pages and API lists through the anonymous page cache: shared copies for
anonymous callers, private pages for signed-in people, and a publication or a change to the
release calendar shows on the next request."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anpr_info.services import releases as svc
from talklondon.page_cache import MAX_TIMEOUT

from .conftest import LONDON, announce
from .test_public import history  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

PUBLIC = f"public, max-age={MAX_TIMEOUT}, s-maxage={MAX_TIMEOUT}"


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/anpr/",
        "/anpr/releases/",
        "/anpr/measures/hits/",
        "/api/v1/measures/",
        "/api/v1/releases/",
        "/api/v1/chain/",
        "/api/v1/observations/?measure=hits",
    ],
)
def test_anonymous_copies_are_shared_and_cacheable_by_a_shared_cache(history, client, url):  # noqa: F811
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == PUBLIC
    assert "Cookie" in first["Vary"]
    assert queries(client, url) == 0
    assert client.get(url).content == first.content


def test_api_copies_are_kept_apart_by_format(history, client):  # noqa: F811
    as_json = client.get("/api/v1/releases/", headers={"Accept": "application/json"})
    as_html = client.get("/api/v1/releases/", headers={"Accept": "text/html"})
    assert as_json["Content-Type"].startswith("application/json")
    assert as_html["Content-Type"].startswith("text/html")


def test_signed_in_visitors_get_private_pages(history, client, participant):  # noqa: F811
    client.force_login(participant)
    response = client.get("/anpr/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_newly_announced_release_shows_on_the_dashboard_at_once(
    history,  # noqa: F811
    client,
    publishers,
):
    assert "2025-04" not in client.get("/anpr/").content.decode()
    announce("2025-04", publishers[0], when=dt.datetime(2029, 6, 1, 9, 30, tzinfo=LONDON))
    assert "2025-04" in client.get("/anpr/").content.decode()


def test_a_publication_shows_on_the_dashboard_and_api_at_once(
    history,  # noqa: F811
    client,
    publishers,
    django_capture_on_commit_callbacks,
):
    _published, embargoed = history
    before = client.get("/anpr/").content
    assert len(client.get("/api/v1/releases/").json()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        svc.release_publish(release=embargoed, now=dt.datetime(2030, 1, 15, 9, 31, tzinfo=LONDON))
    assert len(client.get("/api/v1/releases/").json()) == 2
    assert client.get("/anpr/").content != before
