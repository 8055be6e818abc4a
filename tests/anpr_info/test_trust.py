"""What a data journalist relies on: every link and download carries exactly the figures on the
page, menus list each choice once, links name the host the site is served on and the release
they were taken from, and the feed and downloads are well-formed open data."""

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from django.urls import reverse

from anpr_info import registry, selectors
from anpr_info.models import Submission

from .conftest import publish_period

pytestmark = pytest.mark.django_db

PLUS = "age_band+authorisation"  # the searches breakdown whose code contains "+"


@pytest.fixture
def two_months(small_feed, publishers, django_capture_on_commit_callbacks):
    small_feed()
    with django_capture_on_commit_callbacks(execute=True):
        february = publish_period("2025-02", *publishers)
        march = publish_period("2025-03", *publishers)
    return february, march


def _page(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return lxml.html.fromstring(response.content)


def _table_rows(doc) -> list[list[str]]:
    return [
        [cell.text_content().strip() for cell in row.xpath("./td")]
        for row in doc.xpath("//*[@data-anpr-table]//tbody/tr")
    ]


def _state_of(url: str) -> dict:
    query = parse_qs(urlsplit(url).query)
    return {key: values[0] for key, values in query.items()}


def test_the_plus_breakdown_survives_every_link(two_months, client):
    url = reverse("anpr_info:measure", args=["searches"]) + "?breakdown=age_band%2Bauthorisation"
    doc = _page(client, url)
    assert doc.xpath('//select[@id="breakdown"]/option[@selected]/@value') == [PLUS]
    rows = _table_rows(doc)
    total_rows = len(
        selectors.chart_records(
            registry.MEASURES["searches"],
            selectors.breakdowns(registry.MEASURES["searches"])[0],
            None,
        )["records"]
    )
    assert len(rows) > total_rows  # the breakdown, not the total
    links = doc.xpath("//*[@data-anpr-downloads]//a/@href")
    links.append(doc.xpath('//*[@id="permalink"]/@value')[0])
    embed = lxml.html.fromstring(doc.xpath('//*[@id="embed"]')[0].text_content())
    links += embed.xpath("//@href") + embed.xpath("//@src")
    assert len(links) == 9
    for link in links:
        assert _state_of(link)["breakdown"] == PLUS, link
    csv_url = doc.xpath('//*[@data-anpr-downloads]//a[@data-format="csv"]/@href')[0]
    csv_lines = client.get(csv_url).content.decode().strip().splitlines()
    assert len(csv_lines) - 1 == len(rows)


def test_the_dashboard_links_every_breakdown_by_its_own_code(two_months, client):
    doc = _page(client, reverse("anpr_info:dashboard"))
    linked = set()
    for href in doc.xpath("//a/@href | //img/@src"):
        if "/anpr/measures/" in href and "breakdown=" in href:
            code = href.split("/anpr/measures/", 1)[1].split("/", 1)[0]
            breakdown = _state_of(href)["breakdown"]
            assert breakdown in {b.code for b in selectors.breakdowns(registry.MEASURES[code])}
            linked.add((code, breakdown))
    assert ("searches", PLUS) in linked


@pytest.mark.parametrize("code", list(registry.MEASURES))
def test_no_menu_repeats_an_option(two_months, client, code):
    doc = _page(client, reverse("anpr_info:measure", args=[code]))
    for select in doc.xpath("//select"):
        values = select.xpath("./option/@value")
        assert len(values) == len(set(values)), (code, select.get("name"))
    periods = doc.xpath('//select[@id="period"]/option/@value')
    assert len(periods) <= 1 + 3  # "every period" and at most two months (or their quarter)


HOST = "stats.example.org:8017"


@pytest.fixture
def other_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "stats.example.org"]
    return {"HTTP_HOST": HOST}


def test_links_name_the_host_the_site_is_served_on(two_months, client, other_host):
    base = f"http://{HOST}/"
    doc = _page(client, reverse("anpr_info:measure", args=["hits"]), **other_host)
    assert doc.xpath('//*[@id="permalink"]/@value')[0].startswith(base + "anpr/measures/hits/?")
    embed = lxml.html.fromstring(doc.xpath('//*[@id="embed"]')[0].text_content())
    assert embed.xpath("//a/@href")[0].startswith(base)
    assert embed.xpath("//img/@src")[0].startswith(base + "anpr/measures/hits/chart.svg?")
    spec = client.get(reverse("anpr_info:chart_spec", args=["hits"]), **other_host).json()
    assert spec["permalink"].startswith(base)
    page = client.get("/api/v1/observations/?measure=reads", **other_host).json()
    assert page["next"].startswith(base + "api/v1/observations/?")
    release = client.get("/api/v1/releases/", **other_host).json()[0]
    assert release["manifest_url"].startswith(base)
    assert all(t["url"].startswith(base) for t in release["tables"])
    feed = ET.fromstring(client.get(reverse("anpr_info:release_feed"), **other_host).content)  # noqa: S314
    ns = {"a": "http://www.w3.org/2005/Atom"}
    hrefs = [link.attrib["href"] for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert hrefs and all(href.startswith(base) for href in hrefs), hrefs
    assert feed.find("a:author/a:name", ns).text  # RFC 4287: a feed has an author


def _revise_february(signed_post, publishers):
    latest = Submission.objects.filter(dataset="hits", period="2025-02").get()
    rows = [
        {"owner": "met_fixed", "area": row[0], "category": col[0], "count": value + 40}
        for row, col, value in latest.aggregates["hits/by_area_category"]
    ]
    reason = "Late returns from two command units."
    response = signed_post({"dataset": "hits", "period": "2025-02", "reason": reason, "rows": rows})
    assert response.status_code == 201, response.content
    return publish_period("2025-02", *publishers, notes="Late hit returns added.")


def test_a_permalink_keeps_showing_the_figures_it_was_taken_from(
    two_months, client, signed_post, publishers, django_capture_on_commit_callbacks
):
    url = reverse("anpr_info:measure", args=["hits"]) + "?breakdown=total"
    before = _page(client, url)
    permalink = before.xpath('//*[@id="permalink"]/@value')[0]
    assert _state_of(permalink)["as_of"] == two_months[1].slug  # names the release
    assert not before.xpath('//*[@data-testid="as-of-banner"]')
    with django_capture_on_commit_callbacks(execute=True):
        revision = _revise_february(signed_post, publishers)
    assert revision.version == 2
    latest = _page(client, url)
    assert _table_rows(latest) != _table_rows(before)  # the revision changed February
    old = _page(client, permalink)
    assert _table_rows(old) == _table_rows(before)
    banner = old.xpath('//*[@data-testid="as-of-banner"]')[0]
    assert "revised" in banner.text_content()
    assert banner.xpath(".//a/@href") == [url]
    # Downloads from the old view carry the old figures too.
    csv_url = old.xpath('//*[@data-anpr-downloads]//a[@data-format="csv"]/@href')[0]
    assert _state_of(csv_url)["as_of"] == two_months[1].slug
    assert client.get("/anpr/measures/hits/?as_of=2019-01-v1").status_code == 404


def test_the_atom_feed_has_an_author(two_months, client):
    root = ET.fromstring(client.get(reverse("anpr_info:release_feed")).content)  # noqa: S314
    name = root.find("{http://www.w3.org/2005/Atom}author/{http://www.w3.org/2005/Atom}name")
    assert name is not None and "MOPAC" in name.text


@pytest.mark.parametrize(
    "name",
    ["chart_csv", "chart_datapackage", "chart_json", "chart_svg", "chart_png", "chart_spec"],
)
def test_every_open_data_download_is_cors_open_and_conditional(two_months, client, name):
    url = reverse(f"anpr_info:{name}", args=["hits"]) + "?breakdown=category"
    response = client.get(url, headers={"Origin": "https://newsroom.example"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"] and response["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and not again.content
    since = client.get(url, headers={"If-Modified-Since": response["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize(
    ("name", "content_type", "disposition"),
    [
        (
            "chart_csv",
            "text/csv; charset=utf-8",
            'attachment; filename="hits-category-2025-03.csv"',
        ),
        ("chart_json", "application/json", 'attachment; filename="hits-category-2025-03.json"'),
        ("chart_svg", "image/svg+xml", 'inline; filename="hits-category-2025-03.svg"'),
        ("chart_png", "image/png", 'attachment; filename="hits-category-2025-03.png"'),
    ],
)
def test_each_chart_file_is_named_after_the_chart(
    two_months, client, name, content_type, disposition
):
    url = reverse(f"anpr_info:{name}", args=["hits"]) + "?breakdown=category&period=2025-03"
    response = client.get(url)
    assert response.status_code == 200
    assert (response["Content-Type"], response["Content-Disposition"]) == (
        content_type,
        disposition,
    )


def test_a_release_data_package_and_its_csvs_are_cors_open_and_conditional(two_months, client):
    _february, march = two_months
    table = march.tables.first()
    for name, args in (
        ("release_datapackage", [march.slug]),
        ("release_table_csv", [march.slug, table.measure, table.table, table.period]),
    ):
        url = reverse(f"anpr_info:{name}", args=args)
        response = client.get(url, headers={"Origin": "https://newsroom.example"})
        assert response.status_code == 200, url
        assert response["Access-Control-Allow-Origin"] == "*", url
        assert response["ETag"] and response["Last-Modified"], url
        again = client.get(url, headers={"If-Modified-Since": response["Last-Modified"]})
        assert again.status_code == 304, url


def test_the_api_answers_conditional_requests(two_months, client):
    for url in (
        "/api/v1/releases/",
        "/api/v1/measures/hits/",
        "/api/v1/observations/?measure=hits",
    ):
        first = client.get(url)
        assert first["ETag"] and first["Last-Modified"], url
        assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304, url


def test_area_bars_are_sorted_by_size(two_months, client):
    data = client.get(reverse("anpr_info:chart_json", args=["outcomes"]) + "?breakdown=area").json()
    values = [r["value"] for r in data["records"]]
    shown = [v for v in values if v is not None]
    assert shown == sorted(shown, reverse=True)
    assert values == shown + [None] * (len(values) - len(shown))  # hidden figures last
    # Where the order means something (ages of data), it is kept.
    ages = client.get(
        reverse("anpr_info:chart_json", args=["searches"]) + "?breakdown=age_band%2Bauthorisation"
        "&period=2025-03"
    ).json()
    assert ages["records"][0]["series"].startswith("d0_90")


def test_each_chart_shows_its_title_once(two_months, client):
    response = client.get(reverse("anpr_info:measure", args=["hits"]) + "?breakdown=category")
    doc = lxml.html.fromstring(response.content)
    title = doc.xpath('//*[@id="chart-caption"]')[0].text_content().strip()
    figure = doc.xpath("//figure")[0]
    drawn = [t for t in figure.xpath(".//*[local-name()='text']") if title in (t.text or "")]
    assert not drawn  # the caption is the title; the drawing repeats none
    spec = client.get(reverse("anpr_info:chart_spec", args=["hits"]) + "?breakdown=category")
    assert "title" not in spec.json()["spec"]
    # A downloaded image stands alone, so it carries the title.
    svg = client.get(reverse("anpr_info:chart_svg", args=["hits"]) + "?breakdown=category")
    assert title in svg.content.decode()


def test_daily_axis_labels_do_not_overlap(two_months, client):
    spec = client.get(reverse("anpr_info:chart_spec", args=["reads"]) + "?breakdown=day").json()
    axis = spec["spec"]["encoding"]["x"]["axis"]
    overlap = axis.get("labelOverlap", spec["spec"]["config"]["axis"].get("labelOverlap"))
    assert overlap in (True, "greedy", "parity")
    assert axis["labelAngle"] == 0 and "tickCount" in axis
    assert spec["spec"]["width"] == "container"  # redrawn to the width of the screen


def test_the_dashboard_states_one_period_and_its_release(two_months, client):
    doc = _page(client, reverse("anpr_info:dashboard"))
    stated = doc.xpath('//*[@data-testid="headline-period"]')[0].text_content()
    assert "March 2025" in stated and two_months[1].slug in stated
    assert "February" not in stated


def test_the_tier_is_explained_where_it_appears(two_months, client):
    doc = _page(client, reverse("anpr_info:measure", args=["hits"]))
    links = doc.xpath('//a[contains(@href, "#tier-b")]')
    assert links
    glossary = _page(client, links[0].get("href").split("#")[0])
    assert glossary.xpath('//*[@id="tier-b"]')
    assert (
        "rounded to the nearest 5"
        in doc.xpath('//*[@data-testid="tier-explained"]')[0].text_content()
    )


def test_a_measure_with_a_borough_breakdown_has_a_tile_map(two_months, client):
    doc = _page(client, reverse("anpr_info:measure", args=["outcomes"]) + "?breakdown=area")
    tabs = [a.text_content() for a in doc.xpath('//*[contains(@class, "govuk-tabs__tab")]')]
    assert tabs == ["Chart", "Table", "Map"]
    tiles = doc.xpath('//*[@id="map"]//*[local-name()="g"][@class="anpr-tile"]')
    assert len(tiles) == 33  # 32 boroughs and the City, one square each
    shown = {t.xpath('./*[local-name()="title"]')[0].text for t in tiles}
    table = {f"{label}: {figure}" for _period, label, figure in _table_rows(doc)}
    assert shown == table  # the map shows exactly the table's figures
    assert "City of London: [z]" in shown
    assert "style=" not in lxml.html.tostring(doc.xpath('//*[@id="map"]')[0]).decode()
    # Another breakdown links to the map; a measure without areas has no map at all.
    other = _page(client, reverse("anpr_info:measure", args=["outcomes"]))
    link = other.xpath('//*[@id="map"]//a/@href')[0]
    assert _state_of(link)["breakdown"] == "area" and link.endswith("#map")
    assert not _page(client, reverse("anpr_info:measure", args=["audit"])).xpath('//*[@id="map"]')


def test_every_glossary_link_lands_on_a_definition(two_months, client):
    methodology = reverse("anpr_info:methodology")
    glossary = _page(client, methodology)
    anchors = set(glossary.xpath("//@id"))
    for url in (reverse("anpr_info:measure", args=["hits"]), reverse("anpr_info:dashboard")):
        links = [
            h for h in _page(client, url).xpath("//a/@href") if h.startswith(methodology + "#")
        ]
        assert {"read", "hit"} <= {h.split("#")[1] for h in links}, url
        for href in links:
            assert href.split("#")[1] in anchors, href


def test_publication_draws_the_default_charts_before_anyone_asks(
    small_feed, publishers, monkeypatch, django_capture_on_commit_callbacks
):
    import time_machine
    import vl_convert

    from anpr_info.services import releases as svc
    from anpr_info.tasks import releases_publish_due

    from .conftest import LONDON, announce

    small_feed()
    preparer, approver = publishers
    with time_machine.travel(dt.datetime(2025, 4, 10, 12, 0, tzinfo=LONDON), tick=False):
        release = announce("2025-03", preparer, when=dt.datetime(2025, 4, 15, 9, 30, tzinfo=LONDON))
        svc.release_prepare(release=release, actor=preparer)
        release.refresh_from_db()
        svc.release_approve(release=release, actor=approver, content_sha256=release.content_sha256)
        svc.release_embargo(release=release, actor=approver)

    def refuse(*args, **kwargs):
        raise AssertionError("drawn in a reader's request")

    from django.test import Client

    # (In travelled time throughout: the cached charts expire an hour after they were drawn.)
    with time_machine.travel(dt.datetime(2025, 4, 15, 9, 31, tzinfo=LONDON), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert releases_publish_due.apply().get() == [release.slug]
        monkeypatch.setattr(vl_convert, "vegalite_to_svg", refuse)
        for code in registry.MEASURES:
            page = Client().get(reverse("anpr_info:measure", args=[code])).content.decode()
            assert 'class="anpr-chart__svg"' in page or "No published figures" in page, code
