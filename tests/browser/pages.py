"""Shared expectations for pages in browser tests."""

import pytest

from tests.browser.helpers import console_errors


def uses_site_template(page) -> bool:
    """True when the page is rendered with templates/base.html (GOV.UK skeleton)."""
    return page.locator("html.govuk-template").count() == 1


def xfail_unless_site_template(page) -> None:
    """allauth's own bare templates (no lang, no landmarks) are replaced by issue 2.

    Until they are, pages still on them are expected to fail the accessibility checks; as soon
    as a page uses the site's template this becomes a normal, strict test.
    """
    if not uses_site_template(page):
        pytest.xfail(f"{page.url} still uses allauth's default template (no lang, no landmarks)")


def assert_no_console_errors(page) -> None:
    """No script errors, no Content-Security-Policy refusals and no broken CSS, JS or images."""
    errors = console_errors(page)
    assert not errors, f"console errors on {page.url}:\n  " + "\n  ".join(errors)
