"""Helpers for signing in for real, through allauth's forms, as people do."""

import re
import time
from urllib.parse import urlparse

from django.urls import reverse

from demo.accounts import totp_current_code

PASSWORD = "correct-horse-battery"  # UserFactory's password


def sign_in(client, email: str, password: str = PASSWORD):
    """Post the sign-in form; returns the response (following no redirects)."""
    return client.post(reverse("account_login"), {"login": email, "password": password})


def sign_in_with_totp(client, user, password: str = PASSWORD):
    """Sign in with password, then the TOTP code from the user's authenticator."""
    response = sign_in(client, user.email, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_current_code(user)})
    assert response.status_code == 302, response.content.decode()
    return response


def link_path(body: str, marker: str) -> str:
    """The path of the first link in an email body that contains `marker`."""
    for url in re.findall(r"https?://\S+", body):
        if marker in url:
            return urlparse(url).path
    raise AssertionError(f"No link containing {marker!r} in:\n{body}")


def force_login_without_mfa(client, user):
    """A session that passed the password step only (as the old Django admin login gave)."""
    from tests.conftest import original_force_login

    original_force_login(client, user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
