"""The staff header shows each person the areas their roles allow, and every staff page below
the staff home has breadcrumbs. Every staff GET URL (from the resolver) as every role."""

import re

import pytest

from talklondon import permissions
from tests.staff.routes import staff_data, staff_roles, staff_urls

pytestmark = pytest.mark.django_db

EXPECTED_AREAS = {
    permissions.ROLE_MODERATOR: {"moderation"},
    permissions.ROLE_MANAGER: {"consultations", "surveys", "analysis"},
    permissions.ROLE_ANALYST: {"surveys", "analysis", "exports"},
    permissions.ROLE_EXPORTER: {"exports"},
    permissions.ROLE_PUBLISHER: {"anpr"},
    permissions.ROLE_DPO: {"data-protection"},
}


def test_every_staff_page_has_the_staff_navigation_and_breadcrumbs(client):
    roles = staff_roles()
    urls = staff_urls(staff_data(roles))
    seen = 0
    for role, user in roles.items():
        client.force_login(user)
        for name, url in urls.items():
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            seen += 1
            html = response.content.decode()
            areas = set(re.findall(r'data-area="([a-z-]+)"', html))
            assert areas == EXPECTED_AREAS.get(role, areas), (role, url, areas)
            assert "data-staff-navigation" in html, (role, url)
            if name != "staff:home":
                assert 'class="govuk-breadcrumbs"' in html, (role, url)
            if url.startswith("/staff/surveys/") and "surveys" in areas:
                assert 'data-area="surveys"' in html and 'aria-current="true"' in html
    assert seen > 40


def test_public_pages_keep_the_public_navigation(client):
    roles = staff_roles()
    client.force_login(roles[permissions.ROLE_MANAGER])
    html = client.get("/").content.decode()
    assert "data-staff-navigation" not in html and "ANPR statistics" in html
