"""The GOV.UK form pattern every feature uses, in a real browser, on a test-only page."""

import pytest

from tests.browser.accessibility import (
    assert_accessible,
    assert_error_summary_focused,
    assert_no_horizontal_scroll,
    assert_visible_focus,
)
from tests.browser.pages import assert_no_console_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls("tests.browser.form_kit"),
]


def _submit_empty(page):
    page.goto("/__form-kit__/")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def test_a_failed_submit_moves_focus_to_the_error_summary(page):
    _submit_empty(page)
    assert page.title().startswith("Error: ")
    assert_error_summary_focused(page)
    # Each message in the summary leads to its field.
    summary_links = page.locator(".govuk-error-summary a")
    assert summary_links.count() == 6
    summary_links.first.click()
    assert page.evaluate("document.activeElement.name") == "name"
    assert_accessible(page)
    assert_no_horizontal_scroll(page, 320)
    assert_no_console_errors(page)


def test_every_field_of_the_form_kit_shows_keyboard_focus(page):
    _submit_empty(page)
    visited = assert_visible_focus(page)
    for field in ["#id_name", "#id_comment", "#id_borough", "#id_travel_0", "#id_agree"]:
        assert any(field in stop for stop in visited), f"{field} not reached by Tab"


def test_the_error_state_works_without_javascript(nojs_page):
    _submit_empty(nojs_page)
    summary = nojs_page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("alert").count() == 1
    assert nojs_page.locator(".govuk-error-message").count() == 6
    assert_accessible(nojs_page)
