"""Steps that journeys share: signing in and out, following links from email, console errors.

sign_in(page, email, password, totp=None)   totp: a code, or a callable returning one
enter_password / enter_security_code        the two steps of sign_in, for journeys that check
                                            what a mistake at the second step looks like
sign_out(page)
assert_signed_in(page) / assert_signed_out(page)
verify_email_from_outbox(page, email)       follows the confirmation link and confirms
email_links(email, contains="")             links in the newest message to that address
console_errors(page)                        browser console errors (CSP refusals included)
"""

import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.core import mail

from talklondon.models import OutgoingEmail

_console: dict[int, list[str]] = {}


def watch_console(page) -> None:
    """Record console errors and uncaught exceptions; the harness calls this for every page."""
    errors = _console.setdefault(id(page), [])

    def on_console(message):
        # Failed loads are reported below with their address, which the console text lacks.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response):
        request = response.request
        # Chromium asks for /favicon.ico by itself on pages that do not name an icon.
        if (
            response.status >= 400
            and request.resource_type != "document"
            and not request.url.endswith("/favicon.ico")
        ):
            errors.append(f"{response.status} for {request.resource_type} {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("response", on_response)


def console_errors(page) -> list[str]:
    return list(_console.get(id(page), []))


def forget_console(page) -> None:
    _console.pop(id(page), None)


def _submit_form_with(page, field_selector: str) -> None:
    """Submit the form that holds `field_selector` as a keyboard user would: Enter in the field.

    Implicit submission uses the form's default (first) button, never a secondary one such as
    the authenticator step's "Cancel".
    """
    with page.expect_navigation():
        page.locator(field_selector).press("Enter")
    page.wait_for_load_state()


def sign_in(page, email: str, password: str, totp: str | Callable[[], str] | None = None) -> None:
    """Sign in through allauth's page; with `totp`, answer the authenticator step too.

    Pass a callable for `totp` (e.g. `lambda: totp_current_code(user)`) so that the code is
    computed when the form asks for it, not before.
    """
    enter_password(page, email, password, expect_code=totp is not None)
    if totp is not None:
        enter_security_code(page, totp() if callable(totp) else totp)
    assert_signed_in(page)


def enter_password(page, email: str, password: str, *, expect_code: bool = True) -> None:
    """The first step of signing in; with `expect_code`, wait for the security-code page."""
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    _submit_form_with(page, "input[name=password]")
    if expect_code:
        page.wait_for_url(re.compile(r"/2fa/authenticate/"))


def enter_security_code(page, code: str) -> None:
    """Type a code on the security-code page and press Enter (right or wrong: no assertion)."""
    page.locator("input[name=code]").fill(code)
    _submit_form_with(page, "input[name=code]")


def sign_out(page) -> None:
    """Use the header's sign-out button (a POST form, so it works without JavaScript)."""
    page.locator("header").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert_signed_out(page)


def assert_signed_in(page) -> None:
    header = page.locator("header")
    assert header.get_by_role("button", name="Sign out").is_visible(), (
        f"no 'Sign out' in the header of {page.url}: not signed in"
    )
    assert header.get_by_role("link", name="Sign in").count() == 0


def assert_signed_out(page) -> None:
    header = page.locator("header")
    assert header.get_by_role("link", name="Sign in").is_visible(), (
        f"no 'Sign in' link in the header of {page.url}: still signed in?"
    )
    assert header.get_by_role("button", name="Sign out").count() == 0


def _messages_to(email: str) -> list[tuple[str, str]]:
    """(subject, text body) of every message to `email`, oldest first."""
    email = email.lower()
    found = [
        (str(m.subject), str(m.body))
        for m in mail.outbox
        if email in [address.lower() for address in m.to]
    ]
    if not found:  # delivery not run (yet): read what the outbox stored
        found = [
            (row.subject, row.body_text)
            for row in OutgoingEmail.objects.order_by("created_at", "pk")
            if email in [address.lower() for address in row.to]
        ]
    return found


def email_links(email: str, *, contains: str = "", timeout: float = 5.0) -> list[str]:
    """Links in the newest message to `email` (waiting briefly for the outbox to deliver)."""
    deadline = time.monotonic() + timeout
    while True:
        messages = _messages_to(email)
        if messages:
            subject, body = messages[-1]
            links = [link for link in re.findall(r"https?://\S+", body) if contains in link]
            if links:
                return links
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no message to {email} with a link containing {contains!r}; "
                f"messages to them: {[s for s, _ in messages]}"
            )
        time.sleep(0.1)


def verify_email_from_outbox(page, email: str) -> None:
    """Open the confirmation link sent to `email` and press the confirm button."""
    link = email_links(email, contains="confirm-email")[0]
    # Keep the path only: the live server's port is the one that matters.
    parts = urlsplit(link)
    page.goto(parts.path + (f"?{parts.query}" if parts.query else ""))
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_load_state()
