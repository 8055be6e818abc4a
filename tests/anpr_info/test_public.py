"""Public pages and the open data API: only published data, for every role; charts, downloads,
feed, schema, CORS, caching and rate limits."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle

from anpr_info import registry
from anpr_info.services import releases as svc
from talklondon.permissions import ROLE_ANALYST, ROLE_PUBLISHER

from .conftest import LONDON, announce, publish_period

pytestmark = pytest.mark.django_db

HIDDEN = "2025-03"


@pytest.fixture
def history(small_feed, publishers, django_capture_on_commit_callbacks):
    """February published; March prepared, approved and embargoed until 2030."""
    small_feed()
    preparer, approver = publishers
    with django_capture_on_commit_callbacks(execute=True):
        published = publish_period("2025-02", preparer, approver)
    embargoed = announce(HIDDEN, preparer, when=dt.datetime(2030, 1, 15, 9, 30, tzinfo=LONDON))
    svc.release_prepare(release=embargoed, actor=preparer)
    embargoed.refresh_from_db()
    svc.release_approve(release=embargoed, actor=approver, content_sha256=embargoed.content_sha256)
    svc.release_embargo(release=embargoed, actor=approver)
    return published, embargoed


def _public_urls(published):
    urls = [
        reverse("anpr_info:dashboard"),
        reverse("anpr_info:methodology"),
        reverse("anpr_info:release_list"),
        reverse("anpr_info:release_feed"),
        reverse("anpr_info:release_detail", args=[published.slug]),
        "/api/v1/releases/",
        "/api/v1/chain/",
        "/api/v1/observations/",
        f"/api/v1/observations/?period={HIDDEN}",
        f"/api/v1/releases/{published.slug}/",
    ]
    for measure in registry.MEASURES.values():
        for suffix in ("measure", "chart_json", "chart_csv", "chart_spec"):
            urls.append(reverse(f"anpr_info:{suffix}", args=[measure.code]))
        urls.append(reverse("anpr_info:chart_json", args=[measure.code]) + f"?period={HIDDEN}")
    return urls


@pytest.mark.parametrize("role", ["anonymous", "participant", ROLE_PUBLISHER, ROLE_ANALYST])
def test_nothing_unpublished_is_visible_anywhere(history, client, participant, make_staff, role):
    published, embargoed = history
    if role == "participant":
        client.force_login(participant)
    elif role != "anonymous":
        client.force_login(make_staff(role))
    for url in _public_urls(published):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert embargoed.slug not in text, url
        assert embargoed.content_sha256 not in text, url
        if "/api/" in url or "data." in url or "spec.json" in url:
            assert f'"period":"{HIDDEN}"' not in text.replace(" ", ""), url
            assert f",{HIDDEN}," not in text, url
    for url in [
        reverse("anpr_info:release_detail", args=[embargoed.slug]),
        f"/api/v1/releases/{embargoed.slug}/",
        f"/api/v1/releases/{embargoed.slug}/manifest/",
        f"/api/v1/releases/{embargoed.slug}/tables/hits/by_area_category/{HIDDEN}/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/v1/observations/?period={HIDDEN}").json()["count"] == 0


def test_the_release_calendar_announces_dates_but_not_figures(history, client):
    _published, embargoed = history
    page = client.get(reverse("anpr_info:release_list")).content.decode()
    assert "15 January 2030" in page


def test_the_measure_page_has_every_part_of_a_chart(history, client):
    response = client.get(reverse("anpr_info:measure", args=["hits"]) + "?breakdown=category")
    page = response.content.decode()
    assert "<svg" in page and 'role="img"' in page  # server-rendered, no JavaScript needed
    assert "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<table" in page and "Stolen vehicle" in page
    for name in ("chart_csv", "chart_json", "chart_svg", "chart_png"):
        assert reverse(f"anpr_info:{name}", args=["hits"]) + "?breakdown=category" in page
    assert "?breakdown=category" in page.split('id="permalink"', 1)[1].split(">", 1)[0]
    assert "&lt;img src=" in page  # the embed snippet
    assert "js/anpr-charts.js" in page and "vendor/vega-embed.min.js" in page
    svg = client.get(reverse("anpr_info:chart_svg", args=["hits"]) + "?breakdown=category")
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    png = client.get(reverse("anpr_info:chart_png", args=["hits"]) + "?breakdown=category")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_downloads_hold_exactly_the_charted_data(history, client):
    spec = client.get(reverse("anpr_info:chart_spec", args=["outcomes"]) + "?breakdown=area").json()
    data = client.get(reverse("anpr_info:chart_json", args=["outcomes"]) + "?breakdown=area").json()
    charted = [r for r in data["records"] if r["value"] is not None]
    assert spec["spec"]["data"]["values"] == charted
    csv_text = client.get(
        reverse("anpr_info:chart_csv", args=["outcomes"]) + "?breakdown=area"
    ).content.decode()
    assert len(csv_text.strip().splitlines()) == len(data["records"]) + 1
    city = [r for r in data["records"] if r["series"] == registry.CITY_OF_LONDON]
    assert city and city[0]["display"] == "[z]"  # policed by the City of London Police


def test_the_dashboard_shows_headline_ratios(history, client):
    page = client.get(reverse("anpr_info:dashboard")).content.decode()
    assert 'data-testid="hits-per-million"' in page
    assert "February 2025" in page


def test_the_feed_is_atom_with_published_releases_only(history, client):
    published, _ = history
    response = client.get(reverse("anpr_info:release_feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1
    assert published.slug in entries[0].find("a:link", ns).attrib["href"]


def test_the_openapi_schema_and_docs_page(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert {
        "/api/v1/observations/",
        "/api/v1/releases/",
        "/api/v1/measures/",
        "/api/v1/chain/",
    } <= set(paths)
    docs = client.get(reverse("anpr_api:docs")).content.decode()
    assert "/api/v1/observations/" in docs and "X-ANPR-Signature" in docs
    assert "cdn" not in docs.lower()


def test_the_api_is_cors_open_and_cached_until_publication(
    history, client, publishers, django_capture_on_commit_callbacks
):
    response = client.get("/api/v1/releases/", headers={"Origin": "https://newsroom.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert len(response.json()) == 1
    svc.release_reopen(release=history[1], actor=publishers[1])
    # Nothing new published: still served from the cache.
    assert len(client.get("/api/v1/releases/").json()) == 1
    release = history[1]
    release.refresh_from_db()
    svc.release_approve(release=release, actor=publishers[1], content_sha256=release.content_sha256)
    svc.release_embargo(release=release, actor=publishers[1])
    with django_capture_on_commit_callbacks(execute=True):
        svc.release_publish(release=release, now=dt.datetime(2030, 1, 15, 9, 31, tzinfo=LONDON))
    assert len(client.get("/api/v1/releases/").json()) == 2


def test_the_api_is_rate_limited_per_ip(client, monkeypatch):
    # A list's cached copy is served without reaching DRF (as nginx's micro-cache would serve
    # it); everything that reaches the API is throttled, as a single measure shows.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    statuses = [client.get("/api/v1/measures/hits/").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
    assert client.get("/api/v1/measures/hits/")["Content-Type"] == "application/problem+json"


def test_measures_come_from_the_registry(client):
    measures = client.get("/api/v1/measures/").json()
    assert [m["code"] for m in measures] == list(registry.MEASURES)
    hits = client.get("/api/v1/measures/hits/").json()
    area = next(d for d in hits["dimensions"] if d["code"] == "area")
    assert len(area["values"]) == 33
    city = next(v for v in area["values"] if v["code"] == registry.CITY_OF_LONDON)
    assert "not a Metropolitan Police command unit" in city["parent"]
    assert client.get("/api/v1/measures/nope/").status_code == 404


def test_a_release_in_the_api_has_exactly_the_documented_fields(history, client):
    """release_data builds the body and ReleaseSerializer documents it: no drift between them."""
    from anpr_info.api_views import ReleaseSerializer, ReleaseTableRefSerializer

    published, _embargoed = history
    body = client.get(f"/api/v1/releases/{published.slug}/").json()
    assert set(body) == set(ReleaseSerializer().fields)
    assert body["tables"]
    assert {key for table in body["tables"] for key in table} == set(
        ReleaseTableRefSerializer().fields
    )
