"""Staff pages for Statistics publishers: access, keys, the release workflow and quarantine."""

import pytest
from django.urls import reverse

from anpr_info.models import ApiKey, Release
from talklondon.permissions import ROLE_ANALYST, ROLE_MODERATOR, ROLE_PUBLISHER

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role, status",
    [(None, 404), (ROLE_MODERATOR, 404), (ROLE_ANALYST, 404), (ROLE_PUBLISHER, 200)],
)
def test_only_publishers_see_the_staff_pages(client, participant, make_staff, role, status):
    client.force_login(make_staff(role) if role else participant)
    for name in ("anpr_staff:home", "anpr_staff:quarantine"):
        assert client.get(reverse(name)).status_code == status


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(reverse("anpr_staff:home"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_publisher_issues_a_key_shown_once_and_revokes_it(staff_client, source):
    client, _user = staff_client(ROLE_PUBLISHER)
    response = client.post(reverse("anpr_staff:key_issue", args=[source.pk]))
    assert response.status_code == 200
    record = ApiKey.objects.get(source=source)
    page = response.content.decode()
    assert f"anpr_{record.prefix}_" in page
    assert response["Cache-Control"] == "no-store"
    assert f"anpr_{record.prefix}_" not in client.get(reverse("anpr_staff:home")).content.decode()
    client.post(reverse("anpr_staff:key_revoke", args=[record.pk]))
    record.refresh_from_db()
    assert record.revoked_at is not None


def test_a_refused_form_comes_back_on_the_home_page_with_the_reason(staff_client, source):
    client, _user = staff_client(ROLE_PUBLISHER)
    # The service refuses what the form accepted; its reason sits on the field, in the summary.
    again = client.post(reverse("anpr_staff:source_add"), {"name": "test back end"})
    early = client.post(
        reverse("anpr_staff:release_add"), {"period": "2025-03", "announced_at": "2025-03-10 09:30"}
    )
    for response, reason in (
        (again, "A source with this name already exists."),
        (early, "Announce a time after the end of the month."),
    ):
        assert response.status_code == 400
        page = response.content.decode()
        assert "govuk-error-summary" in page and reason in page
        # The rest of the home page is there as on a GET, with both forms.
        assert "Test back end" in page
        assert 'name="name"' in page and 'name="period"' in page
    assert not Release.objects.exists()


def test_the_release_workflow_through_the_staff_pages(client, small_feed, publishers):
    small_feed()
    preparer, approver = publishers
    client.force_login(preparer)
    bad = client.post(
        reverse("anpr_staff:release_add"), {"period": "March", "announced_at": "soon"}
    )
    assert bad.status_code == 400
    assert "govuk-error-summary" in bad.content.decode()
    response = client.post(
        reverse("anpr_staff:release_add"), {"period": "2025-03", "announced_at": "2025-04-15 09:30"}
    )
    release = Release.objects.get()
    assert response.status_code == 302
    client.post(reverse("anpr_staff:release_action", args=[release.pk, "prepare"]))
    release.refresh_from_db()
    assert release.prepared_by == preparer and release.tables.exists()
    page = client.get(reverse("anpr_staff:release", args=[release.pk])).content.decode()
    assert "another Statistics publisher must approve" in page
    client.post(
        reverse("anpr_staff:release_action", args=[release.pk, "approve"]),
        {"content_sha256": release.content_sha256},
    )
    release.refresh_from_db()
    assert release.status == Release.Status.DRAFT  # refused: two-person rule
    client.force_login(approver)
    client.post(
        reverse("anpr_staff:release_action", args=[release.pk, "approve"]),
        {"content_sha256": release.content_sha256},
    )
    client.post(reverse("anpr_staff:release_action", args=[release.pk, "embargo"]))
    release.refresh_from_db()
    assert (release.status, release.approved_by) == (Release.Status.EMBARGOED, approver)


def test_an_approver_must_approve_what_they_saw(client, small_feed, publishers):
    small_feed()
    preparer, approver = publishers
    client.force_login(preparer)
    client.post(
        reverse("anpr_staff:release_add"), {"period": "2025-03", "announced_at": "2025-04-15 09:30"}
    )
    release = Release.objects.get()
    client.post(reverse("anpr_staff:release_action", args=[release.pk, "prepare"]))
    client.force_login(approver)
    client.post(
        reverse("anpr_staff:release_action", args=[release.pk, "approve"]),
        {"content_sha256": "0" * 64},
    )
    release.refresh_from_db()
    assert release.status == Release.Status.DRAFT
