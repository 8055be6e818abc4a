"""Every public page: axe-clean, unique title, reflows at 320px, usable at 200%, works without JS.

Asserts structure (landmarks, headings, labels), not prose, so that content can change freely.
Add a page here as soon as it exists: one line in PUBLIC_PAGES. One test walks all of them in
one browser tab (a test per page would spend most of its time setting up); a failure names
every page that failed, not just the first.
"""

import re

import pytest
from django.urls import reverse

from tests.browser.accessibility import (
    assert_error_summary_focused,
    assert_reduced_motion_respected,
    assert_visible_focus,
)
from tests.browser.checks import check_page

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
    ("consultations", "consultation:list", 200),
    ("sign-in", "account_login", 200),
    ("sign-up", "account_signup", 200),
    ("password-reset", "account_reset_password", 200),
    ("sign-in-code", "account_request_login_code", 200),
    ("inactive-account", "account_inactive", 200),
    ("anpr-statistics", "anpr_info:dashboard", 200),
    ("anpr-releases", "anpr_info:release_list", 200),
    ("api-docs", "anpr_api:docs", 200),
    ("not-found", "/no-such-page/", 404),
]


def _path(target: str) -> str:
    return target if target.startswith("/") else reverse(target)


def _each_page(check) -> None:
    """Run `check(path, status)` for every public page; report every failure together."""
    failures = []
    for name, target, status in PUBLIC_PAGES:
        try:
            check(_path(target), status)
        except AssertionError as exc:
            failures.append(f"[{name}] {exc}")
    assert not failures, "\n\n".join(failures)


def test_public_pages_meet_the_accessibility_checks(page, page_titles):
    """Empty states included: nothing is published or seeded in this test's database."""

    def check(path, status):
        response = page.goto(path)
        assert response.status == status, f"{path} answered {response.status}"
        check_page(page, page_titles, key="not-found" if status == 404 else None)

    _each_page(check)


def test_the_busy_page_meets_the_accessibility_checks(page, page_titles, settings):
    """What people see while PostgreSQL restarts: the 503 page, rendered without a session."""
    settings.ROOT_URLCONF = "tests.talklondon.unavailable_urls"
    response = page.goto("/test/database-down/")
    assert response.status == 503
    assert response.headers["retry-after"] == "30"
    check_page(page, page_titles, key="busy")


def test_public_pages_work_without_javascript(nojs_page, page_titles):
    page = nojs_page

    def check(path, status):
        response = page.goto(path)
        assert response.status == status, f"{path} answered {response.status}"
        assert page.locator("h1").is_visible()
        # Nothing is left hidden waiting for a script: every link in the header and footer shows.
        for link in page.locator("header a:not(.govuk-skip-link), footer a").all():
            assert link.is_visible(), f"{link.inner_text()!r} hidden without JavaScript"
        # Every form field has a label the browser can name it by.
        for field in page.locator(
            "main input:not([type=hidden]), main select, main textarea"
        ).all():
            field_id = field.get_attribute("id")
            assert field_id and page.locator(f"label[for='{field_id}']").count() == 1, (
                f"field {field.get_attribute('name')!r} has no label on {path}"
            )
        check_page(page, page_titles, key="not-found" if status == 404 else None, reflow=False)

    _each_page(check)


def test_keyboard_focus_is_always_visible(page):
    for name in ["home", "contact", "account_login", "account_signup"]:
        page.goto(reverse(name))
        visited = assert_visible_focus(page)
        # The skip link is the first stop and the header and footer are reachable.
        assert "skip-link" in visited[0]
        assert any("Sign in" in stop for stop in visited)
        assert any("Accessibility statement" in stop for stop in visited)


def test_reduced_motion_is_respected_on_public_pages(page):
    for name in ["home", "privacy", "accessibility", "account_login", "anpr_info:dashboard"]:
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


def _failed_submit(page, page_titles, url_name: str, button: str, expected: list[str]) -> None:
    """Submit with mistakes: focus on the summary, 'Error:' title, messages that say what to do,
    each linked to its field, values kept, axe-clean and reflowing."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    assert_error_summary_focused(page)
    assert page.title().startswith("Error: "), "GOV.UK pattern: prefix the title with 'Error: '"
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "This field is required" not in summary, f"say what to do, not {summary!r}"
    for message in expected:
        assert message in summary, f"{message!r} not in the error summary: {summary!r}"
    check_page(page, page_titles, key=reverse(url_name))


def test_account_pages_error_states(page, page_titles, participant):
    # Sign in: a wrong password keeps the email and links the message to the first field.
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(participant.email)
    page.locator("input[name=password]").fill("not-the-password")
    _failed_submit(page, page_titles, "account_login", "Sign in", [])
    assert re.search(r"/accounts/login/", page.url)
    assert page.locator("input[name=login]").input_value() == participant.email
    page.locator(".govuk-error-summary a").first.click()
    assert page.evaluate("document.activeElement.name") == "login"

    # Sign in with nothing filled in.
    page.goto(reverse("account_login"))
    _failed_submit(
        page, page_titles, "account_login", "Sign in", ["Enter your email address", "password"]
    )

    # Sign up with nothing filled in, then with an address already taken.
    page.goto(reverse("account_signup"))
    _failed_submit(
        page,
        page_titles,
        "account_signup",
        "Create account",
        ["Enter your email address", "Enter a display name", "Create a password"],
    )

    # Password reset with nothing, then with an address that is not an email address.
    page.goto(reverse("account_reset_password"))
    _failed_submit(page, page_titles, "account_reset_password", "Send reset link", [])
    page.locator("input[name=email]").fill("not-an-email")
    _failed_submit(page, page_titles, "account_reset_password", "Send reset link", [])
    assert page.locator("input[name=email]").input_value() == "not-an-email"
    # A real address: the "check your email" page.
    page.locator("input[name=email]").fill(participant.email)
    with page.expect_navigation():
        page.get_by_role("button", name="Send reset link").click()
    check_page(page, page_titles)
