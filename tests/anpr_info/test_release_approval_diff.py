"""Approving a revision puts the change in front of the approver, and a revision that changes
no published figure cannot be approved."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from anpr_info.models import Submission
from anpr_info.services import releases as svc

from .conftest import announce, publish_period

pytestmark = pytest.mark.django_db


def _revision(period, preparer, notes="Corrected hit counts."):
    release = announce(period, preparer, notes=notes)
    svc.release_prepare(release=release, actor=preparer)
    release.refresh_from_db()
    return release


def _correct_hits(signed_post, period="2025-03", extra=7):
    latest = Submission.objects.filter(dataset="hits", period=period).order_by("-revision").first()
    rows = [
        {"owner": "met_fixed", "area": row[0], "category": col[0], "count": value + extra}
        for row, col, value in latest.aggregates["hits/by_area_category"]
    ]
    response = signed_post(
        {"dataset": "hits", "period": period, "reason": "Corrected counts.", "rows": rows}
    )
    assert response.status_code == 201, response.content


def test_a_revision_that_changes_nothing_cannot_be_approved(small_feed, publishers, client):
    small_feed()
    preparer, approver = publishers
    publish_period("2025-03", preparer, approver)
    revision = _revision("2025-03", preparer, notes="Re-run with the same returns.")
    with pytest.raises(ValidationError, match="changes no published figure"):
        svc.release_approve(
            release=revision, actor=approver, content_sha256=revision.content_sha256
        )
    revision.refresh_from_db()
    assert revision.status == "draft"

    client.force_login(approver)
    page = client.get(reverse("anpr_staff:release", args=[revision.pk])).content.decode()
    assert "No published figure changes" in page
    assert "approve</button>" not in page


def test_the_approver_sees_each_changed_cell_before_and_after(
    small_feed, publishers, client, signed_post
):
    small_feed()
    preparer, approver = publishers
    publish_period("2025-03", preparer, approver)
    _correct_hits(signed_post)
    revision = _revision("2025-03", preparer)

    client.force_login(approver)
    page = client.get(reverse("anpr_staff:release", args=[revision.pk])).content.decode()
    assert "Changes from the published version 1" in page
    assert "data-diff-cell" in page and "Before" in page and "After" in page
    assert "approve</button>" in page

    svc.release_approve(release=revision, actor=approver, content_sha256=revision.content_sha256)
    revision.refresh_from_db()
    assert revision.status == "approved"


def test_a_published_revision_keeps_showing_what_it_changed(
    small_feed, publishers, client, signed_post
):
    small_feed()
    preparer, approver = publishers
    publish_period("2025-03", preparer, approver)
    _correct_hits(signed_post)
    second = publish_period("2025-03", preparer, approver, notes="Corrected hit counts.")
    client.force_login(approver)
    page = client.get(reverse("anpr_staff:release", args=[second.pk])).content.decode()
    assert "Changes from the published version 1" in page and "data-diff-cell" in page
