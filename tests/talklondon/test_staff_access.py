"""Who can reach staff pages: MFA is required, roles hold exactly their permissions, and a matrix
of every kind of person against every staff URL.

Other apps: append your staff URLs to STAFF_URL_MATRIX (or import `expected_for` helpers) with
the status each kind of person should get. 404 means "the page's existence is private".
"""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.urls import reverse

from talklondon import permissions
from tests import factories
from tests.talklondon.helpers import PASSWORD, sign_in, sign_in_with_totp

ANONYMOUS = "anonymous"
PARTICIPANT = "participant"
SUPERUSER = "superuser"
PEOPLE = [ANONYMOUS, PARTICIPANT, *permissions.STAFF_ROLES, SUPERUSER]

EVERY_STAFF_MEMBER = {**dict.fromkeys(permissions.STAFF_ROLES, 200), SUPERUSER: 200}

# url -> expected status for each kind of person (anonymous people are sent to sign in: 302).
STAFF_URL_MATRIX: dict[str, dict[str, int]] = {
    "/staff/": {ANONYMOUS: 302, PARTICIPANT: 404, **EVERY_STAFF_MEMBER},
    # Django admin is for superusers only; everyone else is sent to its sign-in page.
    "/django-admin/": {
        ANONYMOUS: 302,
        PARTICIPANT: 302,
        **dict.fromkeys(permissions.STAFF_ROLES, 302),
        SUPERUSER: 200,
    },
}


@pytest.fixture
def person_client(client, make_staff):
    """person_client(kind) -> a client signed in as that kind of person (staff with TOTP)."""

    def _make(kind: str):
        if kind == ANONYMOUS:
            return client
        if kind == PARTICIPANT:
            user = factories.UserFactory()
        elif kind == SUPERUSER:
            user = factories.UserFactory(is_superuser=True, is_staff=True)
            factories.totp_add(user)
        else:
            user = make_staff(kind)
        client.force_login(user)
        return client

    return _make


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PEOPLE)
@pytest.mark.parametrize("url", list(STAFF_URL_MATRIX))
def test_staff_url_matrix(person_client, kind, url):
    response = person_client(kind).get(url)
    assert response.status_code == STAFF_URL_MATRIX[url][kind], (kind, url)
    if kind == ANONYMOUS and url.startswith("/staff/"):
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_each_role_holds_exactly_its_permissions():
    assert set(permissions.STAFF_ROLES) <= set(Group.objects.values_list("name", flat=True))
    for role, codenames in permissions.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {(p.content_type.app_label, p.codename) for p in group.permissions.all()}
        assert held == {("talklondon", codename) for codename in codenames}, role


@pytest.mark.django_db
@pytest.mark.parametrize("role", permissions.STAFF_ROLES)
def test_each_role_passes_only_its_own_predicates(make_staff, role):
    user = make_staff(role)
    predicates = {
        "moderate_comments": permissions.can_moderate,
        "block_users": permissions.can_block_users,
        "manage_consultations": permissions.can_manage_consultations,
        "view_results": permissions.can_view_results,
        "export_anonymised": permissions.can_export_anonymised,
        "export_identified": permissions.can_export_identified,
        "manage_releases": permissions.can_manage_releases,
        "oversee_personal_data": permissions.can_oversee_personal_data,
    }
    allowed = {name for name, check in predicates.items() if check(user)}
    assert allowed == set(permissions.ROLE_PERMISSIONS[role])
    assert permissions.is_staff_member(user)


@pytest.mark.django_db
def test_staff_without_mfa_are_sent_to_set_it_up(client, make_staff):
    user = make_staff(permissions.ROLE_MODERATOR, with_totp=False)
    response = sign_in(client, user.email)
    assert response.status_code == 302  # no TOTP yet, so no second step

    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get("/staff/consultations/").status_code == 302  # every staff page

    # allauth asks for the password again before changing security settings.
    page = client.get(reverse("mfa_activate_totp"), follow=True)
    assert b"Confirm it is you" in page.content
    response = client.post(page.redirect_chain[-1][0], {"password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Set up an authenticator app" in html
    assert 'src="data:image/svg+xml' in html  # the QR code, allowed by img-src data:

    secret = page.context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


@pytest.mark.django_db
def test_staff_with_totp_sign_in_for_real_and_reach_staff_pages(client, make_staff):
    user = make_staff(permissions.ROLE_ANALYST)
    sign_in_with_totp(client, user)
    response = client.get("/staff/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-tool="results"' in html
    assert 'data-tool="moderation"' not in html


@pytest.mark.django_db
def test_a_wrong_totp_code_does_not_sign_in(client, make_staff):
    user = make_staff(permissions.ROLE_MODERATOR)
    sign_in(client, user.email)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert client.get("/staff/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "tool"),
    [
        (permissions.ROLE_MODERATOR, "moderation"),
        (permissions.ROLE_MANAGER, "consultations"),
        (permissions.ROLE_ANALYST, "results"),
        (permissions.ROLE_EXPORTER, "identified-exports"),
        (permissions.ROLE_PUBLISHER, "releases"),
    ],
)
def test_staff_home_lists_only_the_tools_of_your_role(staff_client, role, tool):
    client, _user = staff_client(role)
    html = client.get("/staff/").content.decode()
    tools = {"moderation", "consultations", "results", "identified-exports", "releases"}
    assert f'data-tool="{tool}"' in html
    for other in tools - {tool}:
        assert f'data-tool="{other}"' not in html
