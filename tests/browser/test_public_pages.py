"""Every public page: axe-clean, unique title, reflows at 320px, usable at 200%, works without JS.

Asserts structure (landmarks, headings, labels), not prose, so that content can change freely.
Add a page here as soon as it exists: one line in PUBLIC_PAGES.
"""

import re

import pytest
from django.urls import reverse

from tests.browser.accessibility import (
    assert_accessible,
    assert_error_summary_focused,
    assert_no_horizontal_scroll,
    assert_page_structure,
    assert_reduced_motion_respected,
    assert_usable_at_200_percent_zoom,
    assert_visible_focus,
)
from tests.browser.pages import assert_no_console_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# (id, url name or path, expected status)
PUBLIC_PAGES = [
    ("home", "home", 200),
    ("privacy", "privacy", 200),
    ("accessibility", "accessibility", 200),
    ("cookies", "cookies", 200),
    ("house-rules", "house_rules", 200),
    ("contact", "contact", 200),
    ("sign-in", "account_login", 200),
    ("sign-up", "account_signup", 200),
    ("password-reset", "account_reset_password", 200),
    ("not-found", "/no-such-page/", 404),
]


def _path(target: str) -> str:
    return target if target.startswith("/") else reverse(target)


def _page_params():
    return [pytest.param(target, status, id=name) for name, target, status in PUBLIC_PAGES]


@pytest.mark.parametrize(("target", "status"), _page_params())
def test_public_page_meets_the_accessibility_checks(page, page_titles, target, status):
    response = page.goto(_path(target))
    assert response.status == status

    assert_page_structure(page)
    page_titles.check(page, key="not-found" if status == 404 else None)
    assert_accessible(page)
    assert_no_horizontal_scroll(page, 320)
    assert_usable_at_200_percent_zoom(page)
    assert_no_console_errors(page)


@pytest.mark.parametrize(("target", "status"), _page_params())
def test_public_page_works_without_javascript(nojs_page, target, status):
    page = nojs_page
    response = page.goto(_path(target))
    assert response.status == status

    assert_page_structure(page)
    assert page.locator("h1").is_visible()
    # Nothing is left hidden waiting for a script: every link in the header and footer shows.
    for link in page.locator("header a, footer a").all():
        if link.get_attribute("class") and "govuk-skip-link" in link.get_attribute("class"):
            continue
        assert link.is_visible(), f"{link.inner_text()!r} hidden without JavaScript"
    # Every form field has a label the browser can name it by.
    for field in page.locator("main input:not([type=hidden]), main select, main textarea").all():
        field_id = field.get_attribute("id")
        assert field_id and page.locator(f"label[for='{field_id}']").count() == 1, (
            f"field {field.get_attribute('name')!r} has no label"
        )
    assert_accessible(page)


@pytest.mark.parametrize("name", ["home", "contact", "account_login", "account_signup"])
def test_keyboard_focus_is_always_visible(page, name):
    page.goto(reverse(name))
    visited = assert_visible_focus(page)
    # The skip link is the first stop and the header and footer are reachable.
    assert "skip-link" in visited[0]
    assert any("Sign in" in stop for stop in visited)
    assert any("Accessibility statement" in stop for stop in visited)


def test_reduced_motion_is_respected_on_public_pages(page):
    for name in ["home", "privacy", "accessibility", "account_login"]:
        page.goto(reverse(name))
        assert_reduced_motion_respected(page)


def test_the_skip_link_moves_focus_to_the_main_content(page):
    page.goto(reverse("home"))
    page.keyboard.press("Tab")
    skip = page.locator("a.govuk-skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()  # it appears when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_sign_in_error_state(page, page_titles, participant):
    """A wrong password: the error is announced, focusable, axe-clean and keeps the email."""
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(participant.email)
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(r"/accounts/login/", page.url)
    assert page.locator("input[name=login]").input_value() == participant.email

    assert_error_summary_focused(page)
    page_titles.check(page, key=reverse("account_login"))
    assert page.title().startswith("Error: "), "GOV.UK pattern: prefix the title with 'Error: '"
    assert_accessible(page)
    assert_no_horizontal_scroll(page, 320)
