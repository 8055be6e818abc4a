"""Every download equals its page, for every measure, breakdown and period: the CSV, the JSON,
the API's figures, the chart spec (and so the SVG, PNG and embed, drawn from it) hold exactly the table the page
shows, and every spec is valid Vega-Lite 6 (checked against the schema kept in the repository,
no network)."""

import csv
import gzip
import io
import json
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jsonschema
import lxml.html
import pytest
from django.urls import reverse

from anpr_info import charts, registry, selectors

from .test_trust import two_months  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).parent / "data" / "vega-lite-v6.4.3.schema.json.gz"


@cache
def vega_lite_6():
    schema = json.loads(gzip.decompress(SCHEMA.read_bytes()))
    return jsonschema.Draft7Validator(schema)


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _check_view(client, code: str, query: str) -> list[str]:
    """Checks one page and its downloads; returns the periods its menu offers."""
    url = reverse("anpr_info:measure", args=[code]) + (f"?{query}" if query else "")
    response = client.get(url)
    assert response.status_code == 200, url
    doc = lxml.html.fromstring(response.content)
    is_day = doc.xpath('//select[@id="breakdown"]/option[@selected]/@value') == ["day"]
    page = [
        [td.text_content().strip() for td in tr.xpath("./td")]
        for tr in doc.xpath("//*[@data-anpr-table]//tbody/tr")
    ]
    links = {a.get("data-format"): a.get("href") for a in doc.xpath("//*[@data-anpr-downloads]//a")}
    state = _query(links["csv"])
    assert all(_query(link) == state for link in links.values()), url
    embed = lxml.html.fromstring(doc.xpath('//*[@id="embed"]')[0].text_content())
    pinned = _query(embed.xpath("//img/@src")[0])
    assert {k: v for k, v in pinned.items() if k != "as_of"} == state, url

    rows = list(csv.DictReader(io.StringIO(client.get(links["csv"]).content.decode())))
    data = client.get(links["json"]).json()
    spec = client.get(reverse("anpr_info:chart_spec", args=[code]), state).json()
    records = data["records"]
    if not records:
        assert page == [["No published figures yet."]], url
    else:
        assert page == [
            [r["x"] if is_day else r["period"], r["series_label"], r["display"]] for r in records
        ], url
    assert [[r["x"] if is_day else r["period"], r["series_label"], r["display"]] for r in rows] == [
        p for p in page if len(p) == 3
    ], url
    assert spec["records"] == records, url
    assert client.get(links["api"]).json() == data, url
    assert spec["spec"]["data"]["values"] == [r for r in records if r["value"] is not None], url
    errors = [e.message for e in vega_lite_6().iter_errors(spec["spec"])]
    assert not errors, (url, errors[:3])
    return doc.xpath('//select[@id="period"]/option/@value')


def test_every_download_equals_its_page(two_months, client):  # noqa: F811
    checked = 0
    for measure in registry.MEASURES.values():
        for breakdown in selectors.breakdowns(measure):
            base = {"breakdown": breakdown.code}
            periods = _check_view(client, measure.code, urlencode(base))
            checked += 1
            for period in periods:
                if period:
                    _check_view(client, measure.code, urlencode({**base, "period": period}))
                    checked += 1
    assert checked > 60


def test_the_downloaded_image_is_drawn_from_a_valid_vega_lite_6_spec(two_months, client):  # noqa: F811
    state = charts.chart_state("hits", {"breakdown": "category"})
    spec = charts.chart_spec(state, charts.chart_data(state))  # the SVG and PNG downloads
    assert spec["$schema"].endswith("/vega-lite/v6.json")
    assert not list(vega_lite_6().iter_errors(spec))
    assert spec["title"]["text"] == charts.chart_title(state, charts.chart_data(state))
