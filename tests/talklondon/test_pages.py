"""The fixed pages have real content, every page has a title, and no page has inline script or
style (our Content-Security-Policy would block them)."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.urls import reverse

from talklondon.house_rules import HOUSE_RULE_CHOICES, HOUSE_RULES, house_rule, house_rule_title

INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),
]

PUBLIC_ACCOUNT_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]
SIGNED_IN_PAGES = [
    "profile",
    "account_data",
    "account_delete",
    "account_email",
    "account_change_password",
    "account_logout",
    "mfa_index",
]


def assert_no_inline_code(html: str) -> None:
    for pattern in INLINE:
        assert not pattern.search(html), pattern.pattern


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["home", "privacy", "accessibility", "cookies", "house_rules", "contact"]
)
def test_site_pages_have_titles_and_no_inline_code(client, name):
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>\S.* – Talk London</title>", html)
    assert_no_inline_code(html)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_ACCOUNT_PAGES)
def test_public_account_pages_use_our_layout(client, name):
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>\S.* – Talk London</title>", html)
    assert 'class="govuk-header' in html and 'id="main-content"' in html
    assert_no_inline_code(html)


@pytest.mark.django_db
@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_account_pages_use_our_layout(client, participant, name):
    client.force_login(participant)
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<title>\S.* – Talk London</title>", html)
    assert "Signed in as" in html
    assert_no_inline_code(html)


@pytest.mark.django_db
def test_mfa_pages_use_our_layout(staff_client):
    client, _user = staff_client("Moderator")
    for name in ["mfa_index", "mfa_view_recovery_codes"]:
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200
        assert "– Talk London</title>" in response.content.decode()
        assert_no_inline_code(response.content.decode())


@pytest.mark.django_db
def test_privacy_notice_says_who_controls_and_how_long(client):
    html = client.get(reverse("privacy")).content.decode()
    assert "MOPAC is the data controller" in html
    assert "12 months after the last consultation you took part in closes" in html
    assert "anonymised" in html
    assert "Information Commissioner" in html


@pytest.mark.django_db
def test_cookies_page_lists_only_essential_cookies(client):
    html = client.get(reverse("cookies")).content.decode()
    assert "<code>sessionid</code>" in html and "<code>csrftoken</code>" in html
    assert "no cookie banner" in html.lower() or "do not show a cookie banner" in html


@pytest.mark.django_db
def test_house_rules_page_numbers_every_rule(client):
    html = client.get(reverse("house_rules")).content.decode()
    for rule in HOUSE_RULES:
        assert f'id="rule-{rule.code}"' in html
        assert f"Rule {rule.code}: {rule.title}" in html


def test_house_rules_are_citable_data():
    assert [rule.code for rule in HOUSE_RULES] == ["1", "2", "3", "4", "5", "6"]
    assert "number plates" in house_rule("2").explanation
    assert house_rule("99") is None
    assert HOUSE_RULE_CHOICES[0] == ("1", "1. Be civil")
    assert house_rule_title("2") == "2. Do not share personal information"
    assert house_rule_title("99") == "99"  # a decision under a withdrawn rule still shows


def test_house_rules_are_declared_once():
    """One list, read everywhere: the consultation app once kept its own, whose wording had
    drifted from this one ("Nothing unlawful", "No impersonation")."""
    root = Path(__file__).resolve().parents[2]
    titles = [f'"{rule.title}"' for rule in HOUSE_RULES]
    elsewhere = [
        str(path.relative_to(root))
        for app in ("talklondon", "consultation", "anpr_info")
        for path in (root / app).rglob("*.py")
        if path.name != "house_rules.py" or path.parent.name != "talklondon"
        if any(title in path.read_text(encoding="utf-8") for title in titles)
    ]
    assert elsewhere == []
    assert importlib.util.find_spec("consultation.house_rules") is None
