"""Staff sign in with a password and a TOTP code and reach the staff tools."""

import pytest
from django.urls import reverse

from demo.accounts import totp_current_code
from talklondon import permissions
from tests.browser.accessibility import (
    assert_accessible,
    assert_no_horizontal_scroll,
    assert_page_structure,
    assert_visible_focus,
)
from tests.browser.helpers import sign_in, sign_out
from tests.browser.pages import assert_no_console_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_moderator_signs_in_with_totp_and_reaches_the_staff_tools(page, page_titles, make_staff):
    moderator = make_staff(permissions.ROLE_MODERATOR)
    staff_home = reverse("staff:home")

    # Asking for a staff page first: sign in, then land on it.
    page.goto(staff_home)
    assert reverse("account_login") in page.url
    sign_in(
        page, moderator.email, "correct-horse-battery", totp=lambda: totp_current_code(moderator)
    )
    page.goto(staff_home)
    assert page.url.endswith(staff_home)

    assert_page_structure(page)
    assert page.locator("h1").inner_text().strip() == "Staff tools"
    assert page.locator("[data-tool=moderation]").is_visible()
    assert page.locator("[data-tool=releases]").count() == 0  # a moderator is not a publisher
    assert page.locator("header").get_by_role("link", name="Staff", exact=True).is_visible()
    # The staff header: the areas a moderator may use, and nothing else.
    areas = page.locator("[data-staff-navigation] [data-area]")
    assert [areas.nth(i).get_attribute("data-area") for i in range(areas.count())] == ["moderation"]
    page_titles.check(page)
    assert_accessible(page)
    assert_no_horizontal_scroll(page, 320)
    assert_visible_focus(page)
    assert_no_console_errors(page)

    sign_out(page)
    page.goto(staff_home)
    assert reverse("account_login") in page.url


def test_a_password_alone_does_not_open_the_staff_tools(page, make_staff):
    moderator = make_staff(permissions.ROLE_MODERATOR)
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(moderator.email)
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**/2fa/authenticate/**")
    page.goto(reverse("staff:home"))
    assert "/staff/" not in page.url
    assert page.locator("h1").inner_text().strip() != "Staff tools"
