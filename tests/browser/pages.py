"""Shared expectations for pages in browser tests."""

from tests.browser.helpers import console_errors


def assert_no_console_errors(page) -> None:
    """No script errors, no Content-Security-Policy refusals and no broken CSS, JS or images."""
    errors = console_errors(page)
    assert not errors, f"console errors on {page.url}:\n  " + "\n  ".join(errors)
