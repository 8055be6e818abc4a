"""Journey 5: a journalist opens the ANPR transparency dashboard, switches a chart's breakdown,
follows its permalink, downloads the CSV and finds it equal to the table on the page, reads the
methodology and calls the open data API. Published data come from the real release workflow."""

import csv
import io
from urllib.parse import urlsplit

import pytest

from anpr_info import registry
from tests.browser.accessibility import assert_visible_focus
from tests.browser.checks import check_page
from tests.browser.scenario import anpr_statistics

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _table_rows(page) -> list[tuple[str, str, str]]:
    rows = page.locator("[data-anpr-table] tbody tr")
    return [
        tuple(cell.strip() for cell in row.locator("td").all_inner_texts()) for row in rows.all()
    ]


def _csv_rows(text: str) -> list[tuple[str, str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [
        (
            row["x"] if row["breakdown"] == "day" else row["period"],
            row["series_label"],
            f"[{row['flag']}]" if row["flag"] else f"{int(row['value']):,}",
        )
        for row in reader
    ]


def test_journalist_explores_charts_downloads_data_and_calls_the_api(page, page_titles):
    releases = anpr_statistics()

    page.goto("/")
    page.get_by_role("link", name="ANPR statistics").first.click()
    page.wait_for_url("**/anpr/")
    assert page.locator("h1").inner_text() == "How the police use ANPR data"
    assert page.locator("[data-testid=hits-per-million]").inner_text().strip()
    check_page(page, page_titles)
    assert_visible_focus(page)

    # A chart, then another breakdown of it: chart, table, downloads and permalink follow.
    measure = next(iter(registry.MEASURES.values()))
    page.get_by_role("link", name=measure.title, exact=True).first.click()
    page.wait_for_url(f"**/anpr/measures/{measure.code}/**")
    check_page(page, page_titles)
    breakdown = page.get_by_label("Show")
    before = breakdown.input_value()
    choices = breakdown.locator("option").evaluate_all("options => options.map(o => o.value)")
    other = next(value for value in choices if value != before)
    caption = page.locator("#chart-caption").inner_text()
    breakdown.select_option(other)
    page.wait_for_function(
        "(old) => document.getElementById('chart-caption').textContent !== old", arg=caption
    )
    permalink = page.get_by_label("Permanent link to this chart").input_value()
    assert f"breakdown={other}" in permalink
    csv_link = page.locator("[data-anpr-downloads] a[data-format=csv]")
    assert f"breakdown={other}" in csv_link.get_attribute("href")
    table_after_switch = _table_rows(page)
    assert page.title().startswith(page.locator("#chart-caption").inner_text())
    check_page(page, page_titles, key="anpr-measure-switched", reflow=False)

    # The permalink opens the same chart for anyone.
    link = urlsplit(permalink)
    page.goto(f"{link.path}?{link.query}")
    assert page.get_by_label("Show").input_value() == other
    assert _table_rows(page) == table_after_switch
    assert page.locator("#chart-caption").inner_text()
    check_page(page, page_titles, key="anpr-measure-switched")

    # The CSV holds exactly the table.
    with page.expect_download() as download:
        csv_link.click()
    text = download.value.path().read_text(encoding="utf-8")
    assert download.value.suggested_filename == f"{measure.code}-{other}.csv"
    rows = _csv_rows(text)
    assert rows, "the CSV has no rows"
    assert rows == _table_rows(page)

    # The methodology.
    page.get_by_role("link", name="methodology").first.click()
    page.wait_for_url("**/anpr/methodology/")
    assert page.locator("h1").is_visible()
    check_page(page, page_titles)

    # The open data API answers with the same published measures.
    response = page.request.get("/api/v1/measures/")
    assert response.ok and response.headers["content-type"].startswith("application/json")
    body = response.json()
    listed = body["results"] if isinstance(body, dict) and "results" in body else body
    codes = {item["code"] for item in listed}
    assert codes == set(registry.MEASURES)
    response = page.request.get("/api/v1/releases/")
    assert response.ok
    assert str(releases[-1].period) in response.text()
    missing = page.request.get("/api/v1/measures/no-such-measure/")
    assert missing.status == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
