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
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

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


def _check_package(client, links: dict, csv_content: bytes, folder: Path) -> None:
    """The chart's data package names the CSV as served (path, schema, hash) and validates."""
    import frictionless

    descriptor = client.get(links["datapackage"]).json()
    resource = descriptor["resources"][0]
    assert urljoin(links["datapackage"], resource["path"]) == links["csv"]
    assert descriptor["version"] == descriptor["release"]["slug"]
    folder.mkdir(parents=True)
    (folder / resource["path"]).write_bytes(csv_content)
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def _check_view(client, code: str, query: str, folder: Path) -> list[str]:
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

    csv_content = client.get(links["csv"]).content
    rows = list(csv.DictReader(io.StringIO(csv_content.decode())))
    _check_package(client, links, csv_content, folder)
    data = client.get(links["json"]).json()
    spec = client.get(reverse("anpr_info:chart_spec", args=[code]), state).json()
    records = data["records"]
    if not records:
        assert page == [["No published figures yet."]], url
    else:
        assert page == [
            [r["x"] if is_day else r["period"], r["series_label"], r["display"]] for r in records
        ], url
    assert [[r["x"] if is_day else r["period"], r["series_label"], _display(r)] for r in rows] == [
        p for p in page if len(p) == 3
    ], url
    assert spec["records"] == records, url
    assert client.get(links["api"]).json() == data, url
    assert spec["spec"]["data"]["values"] == [r for r in records if r["value"] is not None], url
    errors = [e.message for e in vega_lite_6().iter_errors(spec["spec"])]
    assert not errors, (url, errors[:3])
    return doc.xpath('//select[@id="period"]/option/@value')


def test_every_download_equals_its_page(two_months, client, tmp_path):  # noqa: F811
    checked = 0
    for measure in registry.MEASURES.values():
        for breakdown in selectors.breakdowns(measure):
            base = {"breakdown": breakdown.code}
            periods = _check_view(client, measure.code, urlencode(base), tmp_path / str(checked))
            checked += 1
            for period in periods:
                if period:
                    _check_view(
                        client,
                        measure.code,
                        urlencode({**base, "period": period}),
                        tmp_path / str(checked),
                    )
                    checked += 1
    assert checked > 60


def test_the_downloaded_image_is_drawn_from_a_valid_vega_lite_6_spec(two_months, client):  # noqa: F811
    state = charts.chart_state("hits", {"breakdown": "category"})
    spec = charts.chart_spec(state, charts.chart_data(state))  # the SVG and PNG downloads
    assert spec["$schema"].endswith("/vega-lite/v6.json")
    assert not list(vega_lite_6().iter_errors(spec))
    assert spec["title"]["text"] == charts.chart_title(state, charts.chart_data(state))


def _display(row: dict) -> str:
    return f"[{row['flag']}]" if row["flag"] else f"{int(row['value']):,}"


def _page_table(client, url: str) -> dict[tuple[str, str], str]:
    """{(row label, column heading): figure as shown} of a release's table page."""
    doc = lxml.html.fromstring(client.get(url).content)
    headings = [th.text_content().strip() for th in doc.xpath("//table/thead/tr/th")][1:]
    shown = {}
    for tr in doc.xpath("//table/tbody/tr"):
        label = tr.xpath("./th")[0].text_content().strip()
        for heading, td in zip(headings, tr.xpath("./td"), strict=True):
            if td.text_content().strip():
                shown[(label, heading)] = td.text_content().strip()
    return shown


def test_every_release_has_a_data_package_that_validates_and_equals_its_pages(
    two_months,  # noqa: F811
    client,
    tmp_path,
):
    """A journalist downloads a release's datapackage.json and every CSV it names, from the
    links on the release's page; frictionless validates them as served (schemas, markers,
    hashes), and every figure is the one the table's page shows."""
    import frictionless

    for release in selectors.releases_published():
        doc = lxml.html.fromstring(
            client.get(reverse("anpr_info:release_detail", args=[release.slug])).content
        )
        package_url = doc.xpath("//a[@data-anpr-datapackage]/@href")[0]
        descriptor = client.get(package_url).json()
        assert descriptor["version"] == str(release.version)
        assert descriptor["release"]["slug"] == release.slug
        assert descriptor["release"]["content_sha256"] == release.content_sha256
        assert descriptor["release"]["manifest_sha256"] == release.manifest_sha256
        assert descriptor["licenses"][0]["title"] == "Open Government Licence v3.0"
        links = set(doc.xpath("//table//a/@href"))
        folder = tmp_path / release.slug
        assert len(descriptor["resources"]) == release.tables.count()
        for resource in descriptor["resources"]:
            csv_url = urljoin(package_url, resource["path"])
            assert csv_url in links, csv_url  # the page's download is the package's file
            response = client.get(csv_url)
            assert response.status_code == 200, csv_url
            (folder / resource["path"]).parent.mkdir(parents=True, exist_ok=True)
            (folder / resource["path"]).write_bytes(response.content)
            value = next(f for f in resource["schema"]["fields"] if f["name"] == "value")
            assert value["type"] == "integer" and "(" in value["description"]  # the unit
            rows = list(csv.DictReader(io.StringIO(response.content.decode())))
            payload = release.tables.get(
                measure=rows[0]["measure"], table=rows[0]["table"], period=rows[0]["period"]
            ).payload
            row_dims, col_dims = payload["row_dimensions"], payload["column_dimensions"]
            downloaded = {
                (
                    ", ".join(row[f"{d}_label"] for d in row_dims),
                    ", ".join(row[f"{d}_label"] for d in col_dims) or "Value",
                ): _display(row)
                for row in rows
            }
            assert downloaded == _page_table(client, csv_url.removesuffix(".csv") + "/"), csv_url
        (folder / "datapackage.json").write_text(json.dumps(descriptor))
        report = frictionless.validate(str(folder / "datapackage.json"))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
        # A figure changed after download still fits the schema but not the package's hash.
        first = folder / descriptor["resources"][0]["path"]
        lines = first.read_bytes().split(b"\r\n")
        figure = next(i for i, line in enumerate(lines[1:], 1) if line.endswith(b",") and line)
        head, _value, _flag = lines[figure].rsplit(b",", 2)
        lines[figure] = head + b",999999,"
        first.write_bytes(b"\r\n".join(lines))
        report = frictionless.validate(str(folder / "datapackage.json"))
        assert [error[0] for error in report.flatten(["type"])] == ["hash-count"]


def test_the_measure_page_and_the_methodology_link_the_release_data_package(two_months, client):  # noqa: F811
    _february, march = two_months
    for url in (
        reverse("anpr_info:measure", args=["hits"]) + "?breakdown=category",
        reverse("anpr_info:methodology"),
    ):
        doc = lxml.html.fromstring(client.get(url).content)
        assert doc.xpath("//a[@data-anpr-datapackage]/@href") == [
            reverse("anpr_info:release_datapackage", args=[march.slug])
        ], url
    pinned = reverse("anpr_info:measure", args=["hits"]) + f"?as_of={_february.slug}"
    doc = lxml.html.fromstring(client.get(pinned).content)
    assert doc.xpath("//a[@data-anpr-datapackage]/@href") == [
        reverse("anpr_info:release_datapackage", args=[_february.slug])
    ]


def test_the_chart_csv_is_tidy_with_its_markers_in_a_flag_column(two_months, client):  # noqa: F811
    """The same columns, marker codes and line ends as the results downloads."""
    url = reverse("anpr_info:chart_csv", args=["outcomes"]) + "?breakdown=area"
    data = client.get(reverse("anpr_info:chart_json", args=["outcomes"]) + "?breakdown=area")
    content = client.get(url).content
    assert content.startswith(b"measure,breakdown,period,x,series,series_label,value,flag\r\n")
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert [_display(row) for row in rows] == [r["display"] for r in data.json()["records"]]
    assert {row["flag"] for row in rows} >= {"", "z"}
    assert all(row["value"] == "" for row in rows if row["flag"])
