"""A measure with a borough breakdown in a real browser: Chart | Table | Map tabs, the tile map,
the chart redrawn to the width of the screen, and the same page without JavaScript."""

import pytest

from tests.browser.checks import check_page
from tests.browser.scenario import anpr_statistics

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_chart_table_and_map_switch_and_read_well_on_a_phone(page, page_titles):
    anpr_statistics()
    page.goto("/anpr/measures/hits/?breakdown=area")
    page.wait_for_selector("[data-anpr-chart] .vega-embed svg")  # the client chart is drawn
    check_page(page, page_titles, key="anpr-hits-area")
    page.get_by_role("tab", name="Map").click()
    tiles = page.locator("#map g.anpr-tile")
    assert tiles.count() == 33 and tiles.first.is_visible()
    assert not page.locator("[data-anpr-table]").is_visible()
    check_page(page, page_titles, key="anpr-hits-area", reflow=False)
    page.get_by_role("tab", name="Table").click()
    assert page.locator("[data-anpr-table]").is_visible()
    page.get_by_role("tab", name="Chart").click()
    page.set_viewport_size({"width": 320, "height": 800})
    page.wait_for_timeout(300)  # vega-embed redraws on resize
    chart = page.locator("[data-anpr-chart] .vega-embed svg")
    assert chart.bounding_box()["width"] <= 320
    fonts = chart.locator("text").evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert fonts and min(fonts) >= 11  # labels keep their size: the chart is redrawn, not shrunk


def test_without_javascript_every_view_is_on_the_page(new_page, page_titles):
    anpr_statistics()
    page = new_page(java_script_enabled=False)
    page.goto("/anpr/measures/hits/?breakdown=area")
    for section in ("#chart svg", "[data-anpr-table] table", "#map svg"):
        assert page.locator(section).first.is_visible(), section
    check_page(page, page_titles, key="anpr-hits-area")
