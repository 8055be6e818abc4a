"""Controls drawn as links must be visible on the page they are on.

`tl-link-button` alone is the header's style: white text, meant for the dark header bar. On a
white page it is invisible (the builder's Move up/Move down/Remove, "Revoke key" on the ANPR
staff home, "Cancel and sign out" on the sign-in code page all were). Outside the header every
link-button must carry the dark variant. The browser test in tests/browser/test_staff_pages.py
measures the real contrast of every visible text on every staff page.
"""

import re

import pytest
from django.urls import reverse

from anpr_info.services.sources import api_key_create, source_create
from demo import surveys as surveys_demo
from talklondon.permissions import ROLE_MANAGER, ROLE_PUBLISHER
from tests.factories import ConsultationFactory, UserFactory, totp_add
from tests.talklondon.helpers import sign_in

pytestmark = pytest.mark.django_db

BUTTON = re.compile(
    r"<button\b[^>]*\bclass=\"([^\"]*\btl-link-button\b[^\"]*)\"[^>]*>(.*?)</button>", re.S
)


def _invisible_link_buttons(html: str) -> list[str]:
    """Link-buttons outside the dark header that keep the header's white text."""
    body = re.sub(r"<header\b.*?</header>", "", html, flags=re.S)
    return [
        re.sub(r"<[^>]+>", "", text).strip()
        for classes, text in BUTTON.findall(body)
        if "tl-link-button--dark" not in classes.split()
    ]


def test_the_builders_move_and_remove_controls_are_visible(staff_client):
    client, _user = staff_client(ROLE_MANAGER)
    survey = surveys_demo.survey_build(ConsultationFactory(), slug="anpr")
    html = client.get(reverse("surveys_staff:builder", args=[survey.pk])).content.decode()
    assert "Move down" in html and "Remove" in html
    assert _invisible_link_buttons(html) == []


def test_revoke_key_on_the_anpr_staff_home_is_visible(staff_client):
    client, _user = staff_client(ROLE_PUBLISHER)
    api_key_create(source=source_create(name="Test back end"))
    html = client.get(reverse("anpr_staff:home")).content.decode()
    assert "Revoke key" in html
    assert _invisible_link_buttons(html) == []


def test_cancel_and_sign_out_on_the_sign_in_code_page_is_visible(client):
    user = UserFactory()
    totp_add(user)
    assert sign_in(client, user.email)["Location"] == reverse("mfa_authenticate")
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Cancel and sign out" in html
    assert _invisible_link_buttons(html) == []
