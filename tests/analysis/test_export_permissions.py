"""Who may do what with exports: every role against every action, in views and in services."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from consultation.analysis.exports import ExportFilters
from consultation.analysis.models import ExportRecord
from consultation.analysis.services.exports.delivering import (
    export_file_open,
    export_manifest_get,
    export_stream_response,
)
from consultation.analysis.services.exports.requesting import export_request
from talklondon.permissions import (
    ROLE_ANALYST,
    ROLE_EXPORTER,
    ROLE_MANAGER,
    ROLE_MODERATOR,
    ROLE_PUBLISHER,
    STAFF_ROLES,
)
from tests.analysis.test_exports import CREATE, form_data

PAGES = [
    ("export_create", False),
    ("export_list", False),
    ("export_detail", True),
    ("export_status", True),
    ("export_download", True),
    ("export_manifest", True),
]
CAN_ANONYMISED = {ROLE_ANALYST}
CAN_IDENTIFIED = {ROLE_EXPORTER}


def url(name, needs_pk, pk=1):
    return reverse(f"analysis_staff:{name}", args=[pk] if needs_pk else [])


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk"), PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, name, needs_pk):
    response = client.get(url(name, needs_pk))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk"), PAGES)
def test_participants_get_not_found(client, participant, name, needs_pk):
    client.force_login(participant)
    assert client.get(url(name, needs_pk)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_export_pages_by_role(staff_client, role):
    client, _ = staff_client(role)
    allowed = role in CAN_ANONYMISED | CAN_IDENTIFIED
    for name in ("export_create", "export_list"):
        assert client.get(url(name, False)).status_code == (200 if allowed else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize("kind", ["anonymised", "identified"])
def test_requesting_each_kind_by_role(staff_client, participant, role, kind):
    client, user = staff_client(role)
    may = role in (CAN_IDENTIFIED if kind == "identified" else CAN_ANONYMISED)
    response = client.post(
        CREATE, form_data(kind=kind, purpose="Follow-up calls that people asked us for")
    )
    if may:
        assert response.status_code == 200
        assert response.streaming  # the file itself
        b"".join(response.streaming_content)
        assert ExportRecord.objects.filter(
            requested_by=user, identified=kind == "identified"
        ).exists()
    else:
        # Staff without the role do not learn the page exists; the other kind is not offered.
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert "Choose anonymised or identified" in response.content.decode()
        assert not ExportRecord.objects.exists()

    # The service checks again, whatever the view did.
    if not may:
        with pytest.raises(PermissionDenied):
            export_request(
                actor=user,
                dataset_key="participant-profiles",
                file_format="csv",
                filters=ExportFilters(),
                identified=kind == "identified",
                purpose="Follow-up calls that people asked us for",
            )


@pytest.mark.django_db
@pytest.mark.parametrize("role", [ROLE_ANALYST, ROLE_MODERATOR, ROLE_MANAGER, ROLE_PUBLISHER])
def test_someone_elses_export_is_not_found(
    staff_client, make_staff, settings, role, django_capture_on_commit_callbacks
):
    settings.EXPORT_STREAM_MAX_ROWS = 0
    owner = make_staff(ROLE_ANALYST)
    with django_capture_on_commit_callbacks(execute=True):
        record = export_request(
            actor=owner,
            dataset_key="participant-profiles",
            file_format="csv",
            filters=ExportFilters(),
        )
    record.refresh_from_db()
    assert record.status == ExportRecord.Status.READY
    client, other = staff_client(role)
    for name, needs_pk in PAGES:
        if needs_pk:
            assert client.get(url(name, True, record.pk)).status_code == 404, name
    for service in (export_file_open, export_manifest_get, export_stream_response):
        with pytest.raises(PermissionDenied):
            service(actor=other, export_id=record.pk)
    listing = client.get(url("export_list", False))
    if listing.status_code == 200:
        assert record.file_name not in listing.content.decode()


@pytest.mark.django_db
def test_requester_who_loses_the_role_cannot_download(
    make_staff, client, settings, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    settings.EXPORT_STREAM_MAX_ROWS = 0
    owner = make_staff(ROLE_ANALYST)
    with django_capture_on_commit_callbacks(execute=True):
        record = export_request(
            actor=owner,
            dataset_key="participant-profiles",
            file_format="csv",
            filters=ExportFilters(),
        )
    client.force_login(owner)
    assert client.get(url("export_download", True, record.pk)).status_code == 200
    owner.groups.remove(Group.objects.get(name=ROLE_ANALYST))
    owner.groups.add(Group.objects.get(name=ROLE_MODERATOR))
    owner = type(owner).objects.get(pk=owner.pk)  # drop the cached permissions
    client.force_login(owner)
    assert client.get(url("export_download", True, record.pk)).status_code == 404


@pytest.mark.django_db
def test_export_requests_are_rate_limited(staff_client):
    client, _ = staff_client(ROLE_ANALYST)
    statuses = [client.post(CREATE, form_data(file_format="pdf")).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    # 429 once RatelimitMiddleware is installed (RATELIMIT_VIEW); 403 without it.
    assert statuses[10] in (403, 429)


@pytest.mark.django_db
def test_staff_home_links_to_exports(staff_client):
    client, _ = staff_client(ROLE_ANALYST)
    page = client.get(reverse("staff:home")).content.decode()
    assert reverse("analysis_staff:index") in page
    assert client.get(reverse("analysis_staff:index")).status_code == 200
