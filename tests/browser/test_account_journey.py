"""A Londoner creates an account, verifies it and signs in and out: with and without JavaScript.

(On a phone, signing up and verifying are part of journey 1, test_journey_londoner.py.)"""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from talklondon.models import User
from tests.browser.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.browser.helpers import (
    assert_signed_in,
    assert_signed_out,
    sign_in,
    sign_out,
    verify_email_from_outbox,
)
from tests.browser.pages import assert_no_console_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Plane-trees-on-the-Embankment-7"


def _sign_up(page, email: str) -> None:
    page.goto("/")
    page.locator("header").get_by_role("link", name="Create an account").click()
    page.wait_for_url(f"**{reverse('account_signup')}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=display_name]").fill(email.split("@")[0].title() + " from Camden")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form:has(input[name=password1]) button[type=submit]").click()
    page.wait_for_load_state()


def _londoner_account_journey(page, email: str) -> None:
    _sign_up(page, email)
    # "Check your email", whether or not the address already had an account (so the page
    # tells nobody which addresses are registered); the emailed link signs the Londoner in.
    assert_signed_out(page)
    assert page.get_by_role("heading", name="Check your email").is_visible()
    assert User.objects.filter(email=email).exists()
    assert not EmailAddress.objects.get(email=email).verified

    verify_email_from_outbox(page, email)
    assert EmailAddress.objects.get(email=email).verified
    assert_signed_in(page)
    assert_accessible(page)

    sign_out(page)
    sign_in(page, email, PASSWORD)
    header = page.locator("header")
    assert header.get_by_text("Signed in as").is_visible()
    assert header.get_by_role("link", name="Your account").is_visible()
    # Residents see no staff link.
    assert header.get_by_role("link", name="Staff").count() == 0
    assert_accessible(page)
    assert_no_horizontal_scroll(page, 320)

    sign_out(page)
    assert_signed_out(page)
    assert_no_console_errors(page)


def test_londoner_signs_up_verifies_and_signs_in_and_out(page):
    _londoner_account_journey(page, "ada@example.org")


def test_londoner_account_journey_without_javascript(nojs_page):
    _londoner_account_journey(nojs_page, "mary@example.org")
