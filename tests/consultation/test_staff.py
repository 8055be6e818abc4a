"""Consultation managers' editor, the moderator's desk, the audit trail and personal data."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from consultation.models import Attachment, Comment, Consultation, ModerationAction, ProposalPage
from consultation.personal_data import comments_erase, comments_export
from consultation.services import comments as comment_svc
from consultation.services.consultations import page_update, pdf_check
from consultation.services.moderation import comment_approve, comment_redact, comment_reject
from talklondon.permissions import ROLE_MANAGER, ROLE_MODERATOR
from tests import factories
from tests.consultation.conftest import consultation_in_state

pytestmark = pytest.mark.django_db


def pdf_bytes(pages=2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _parts(moment) -> tuple[str, str, str, str]:
    local = timezone.localtime(moment)
    return str(local.day), str(local.month), str(local.year), local.strftime("%H:%M")


def _when(name, day, month, year, time):
    """A GOV.UK date input and its time box, as the form posts them."""
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year, f"{name}_3": time}


def test_manager_creates_consultation_and_pages(staff_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client, _ = staff_client(ROLE_MANAGER)
    response = client.post(
        reverse("consultation_staff:consultation_create"),
        {
            "title": "Cameras",
            "slug": "cameras",
            "summary": "Should the police use TfL's cameras?",
            "organisation": "MOPAC",
            **_when("opens_at", "11", "2", "2026", "09:00"),
            **_when("closes_at", "8", "4", "2026", "23:59"),
            "moderation_mode": "pre",
        },
    )
    consultation = Consultation.objects.get(slug="cameras")
    assert response.status_code == 302 and consultation.moderation_mode == "pre"
    assert timezone.localtime(consultation.opens_at).hour == 9
    client.post(
        reverse("consultation_staff:page_create", args=[consultation.pk]),
        {
            "title": "The proposal",
            "slug": "the-proposal",
            "body": "## Hello",
            "comments_enabled": "on",
        },
    )
    page = ProposalPage.objects.get()
    assert page.position == 1 and page.comments_enabled
    response = client.post(
        reverse("consultation_staff:attachment_create", args=[page.pk]),
        {"title": "Full proposal", "file": SimpleUploadedFile("p.pdf", pdf_bytes(3))},
    )
    attachment = Attachment.objects.get()
    assert attachment.page_count == 3 and attachment.size_bytes > 0
    # Drafts until published, each after a confirmation page.
    assert client.get(reverse("consultation:detail", args=["cameras"])).status_code == 404
    client.post(reverse("consultation_staff:consultation_publish", args=[consultation.pk]))
    client.post(reverse("consultation_staff:page_publish", args=[page.pk]))
    html = client.get(
        reverse("consultation:page", args=["cameras", "the-proposal"])
    ).content.decode()
    assert "Full proposal" in html and "3 pages" in html
    download = client.get(reverse("consultation:attachment", args=[attachment.pk]))
    assert download["Content-Type"] == "application/pdf"


def test_consultation_form_errors(staff_client):
    client, _ = staff_client(ROLE_MANAGER)
    existing = factories.ConsultationFactory(slug="taken")
    response = client.post(
        reverse("consultation_staff:consultation_create"),
        {"title": "X", "slug": existing.slug, "summary": "S", "organisation": "M",
         **_when("opens_at", "1", "4", "2026", "09:00"),
         **_when("closes_at", "1", "3", "2026", "09:00"), "moderation_mode": "post"},
    )  # fmt: skip
    html = response.content.decode()
    assert "There is a problem" in html
    assert "closing time must be after the opening time" in html
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("fake.pdf", b"<html>not a pdf</html>", "must be a PDF"),
        ("damaged.pdf", b"%PDF-1.4\nnot really", "damaged or is not a PDF"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_attachment_checked_by_content(name, content, message):
    with pytest.raises(ValidationError, match=message):
        pdf_check(SimpleUploadedFile(name, content))


def test_attachment_size_limit():
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="smaller than 10 MB"):
        pdf_check(big)


def test_pdf_renamed_from_other_extension_is_accepted_by_content():
    assert pdf_check(SimpleUploadedFile("scan.bin", pdf_bytes(1))) == 1


def test_page_edit_after_opening_needs_and_shows_change_note(manager):
    page = factories.ProposalPageFactory(consultation=consultation_in_state("open"))
    kwargs = {"actor": manager, "page": page, "title": page.title, "slug": page.slug, "position": 1}
    with pytest.raises(ValidationError):
        page_update(body="New text", **kwargs)
    page_update(body="New text", change_note="Clarified retention", **kwargs)
    page.refresh_from_db()
    assert page.last_updated_at and page.change_note == "Clarified retention"
    upcoming = factories.ProposalPageFactory(consultation=consultation_in_state("upcoming"))
    page_update(
        actor=manager, page=upcoming, title="T", slug=upcoming.slug, position=1, body="Draft 2"
    )
    upcoming.refresh_from_db()
    assert upcoming.last_updated_at is None


def test_desk_queues(staff_client, open_page):
    client, moderator = staff_client(ROLE_MODERATOR)
    factories.CommentFactory(page=open_page, status="pending", body="Pre-moderated one")
    factories.CommentFactory(page=open_page, status="pending", held_for="email", body="Held one")
    few = factories.CommentFactory(page=open_page, body="Reported once", open_report_count=1)
    many = factories.CommentFactory(page=open_page, body="Reported thrice", open_report_count=3)
    url = reverse("consultation_staff:moderation")
    pending = client.get(url).content.decode()
    assert "Pre-moderated one" in pending and "Held one" not in pending
    held = client.get(url + "?queue=held").content.decode()
    assert "Held one" in held and "Contains an email address" in held
    reported = client.get(url + "?queue=reported").content.decode()
    assert reported.index(f"Comment {many.pk}<") < reported.index(f"Comment {few.pk}<")


def test_desk_bulk_and_comment_actions(
    staff_client, open_page, mailoutbox, django_capture_on_commit_callbacks
):
    client, moderator = staff_client(ROLE_MODERATOR)
    pending = [factories.CommentFactory(page=open_page, status="pending") for _ in range(3)]
    response = client.post(
        reverse("consultation_staff:moderation_bulk"),
        {"comment": [c.pk for c in pending[:2]], "action": "approve", "queue": "pending"},
        follow=True,
    )
    assert "2 comments approved" in response.content.decode()
    response = client.post(
        reverse("consultation_staff:moderation_bulk"),
        {"comment": [pending[2].pk], "action": "reject"},
        follow=True,
    )
    assert "Choose the house rule" in response.content.decode()
    response = client.post(
        reverse("consultation_staff:moderation_reject", args=[pending[2].pk]), {}
    )
    assert response.status_code == 400 and "Choose the house rule" in response.content.decode()
    target = factories.CommentFactory(page=open_page, body="Call 07700 900123")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("consultation_staff:moderation_redact", args=[target.pk]),
            {"text": "Call [removed]", "reason_code": "2"},
        )
    target.refresh_from_db()
    assert target.body == "Call [removed]"
    detail = client.get(reverse("consultation_staff:moderation_comment", args=[target.pk]))
    html = detail.content.decode()
    # The history shows the redaction, never the number it took out (issue 14).
    assert "07700 900123" not in html and "Redacted by a moderator" in html


def test_audit_trail_page_records_and_filters(staff_client, open_page):
    client, moderator = staff_client(ROLE_MODERATOR)
    approved = factories.CommentFactory(page=open_page, status="pending")
    comment_approve(actor=moderator, comment=approved)
    rejected = factories.CommentFactory(page=open_page)
    comment_reject(actor=moderator, comment=rejected, reason_code="3", note="Off topic rant")
    redacted = factories.CommentFactory(page=open_page, body="Plate AB12 CDE")
    comment_redact(actor=moderator, comment=redacted, text="Plate [removed]")
    url = reverse("consultation_staff:moderation_audit")
    html = client.get(url).content.decode()
    assert html.count("data-audit-row") == 3
    assert "House rule 3" in html and "Off topic rant" in html
    # What a redaction removed is not shown to every moderator (issue 14).
    assert "AB12 CDE" not in html and "Plate [removed]" in html
    assert moderator.public_name in html
    only_redactions = client.get(url + "?kind=redact").content.decode()
    assert only_redactions.count("data-audit-row") == 1
    other = factories.ConsultationFactory()
    none = client.get(url + f"?consultation={other.pk}").content.decode()
    assert none.count("data-audit-row") == 0
    today = timezone.localdate()
    since = f"?date_from_0={today.day}&date_from_1={today.month}&date_from_2={today.year}"
    assert client.get(url + since).content.decode().count("data-audit-row") == 3
    wrong = client.get(url + "?date_from_0=31&date_from_1=2&date_from_2=2026").content.decode()
    assert "From must be a real date" in wrong
    action = ModerationAction.objects.get(kind="reject")
    assert (action.actor_id, action.comment_id, action.reason_code) == (
        moderator.pk,
        rejected.pk,
        "3",
    )
    assert action.created_at <= timezone.now()


def test_block_through_the_desk(staff_client, participant, open_page):
    client, moderator = staff_client(ROLE_MODERATOR)
    factories.CommentFactory(page=open_page, author=participant, body="Visible until blocked")
    url = reverse("consultation_staff:participant_block", args=[participant.pk])
    client.post(url, {"reason": "Persistent abuse"})
    public = reverse("consultation:page", args=[open_page.consultation.slug, open_page.slug])
    assert "Visible until blocked" not in client.get(public).content.decode()
    client.post(url, {"reason": "Appeal upheld"})
    assert "Visible until blocked" in client.get(public).content.decode()


def test_personal_data_export_and_erase(participant, open_page, moderator):
    comment = comment_svc.comment_post(actor=participant, page=open_page, text="My view")
    comment_svc.comment_edit(actor=participant, comment=comment, text="My better view")
    reply = factories.CommentFactory(reply_to=comment)
    other = factories.CommentFactory(page=open_page)
    comment_svc.comment_like(actor=participant, comment=other)
    comment_svc.comment_report(actor=participant, comment=other, reason="spam")
    rows = comments_export(participant)
    (exported,) = [r for r in rows if r["type"] == "comment"]
    assert exported["text"] == "My better view"
    assert exported["earlier_versions"][0]["text"] == "My view"
    assert {r["type"] for r in rows} == {"comment", "like", "report"}

    assert comments_erase(participant, remove_content=False) == 1
    other.refresh_from_db()
    assert other.like_count == 0 and other.open_report_count == 0
    assert Comment.objects.get(pk=comment.pk).body == "My better view"

    assert comments_erase(participant, remove_content=True) == 1
    comment.refresh_from_db()
    assert comment.body == "" and comment.is_deleted and not comment.versions.exists()
    assert Comment.objects.filter(pk=reply.pk, status="published").exists()
    assert comments_export(participant)[0]["text"] == ""


def test_first_comment_hold_is_shown_to_moderator_with_reason(settings, staff_client, open_page):
    settings.COMMENT_HOLD_FIRST_COMMENT = True
    newcomer = factories.UserFactory(date_joined=timezone.now() - timedelta(hours=1))
    comment = comment_svc.comment_post(actor=newcomer, page=open_page, text="Hi all")
    client, _ = staff_client(ROLE_MODERATOR)
    html = client.get(
        reverse("consultation_staff:moderation_comment", args=[comment.pk])
    ).content.decode()
    assert "First comment from a new account" in html


def test_every_form_page_renders(client, staff_client, participant, open_page):
    own = factories.CommentFactory(page=open_page, author=participant)
    other = factories.CommentFactory(page=open_page)
    client.force_login(participant)
    for name, arg in [
        ("comment_reply", other.pk),
        ("comment_edit", own.pk),
        ("comment_delete", own.pk),
        ("comment_report", other.pk),
    ]:
        response = client.get(reverse(f"consultation:{name}", args=[arg]))
        assert response.status_code == 200, name
        assert "<h1" in response.content.decode()
    manager_client, _ = staff_client(ROLE_MANAGER)
    for name, arg in [
        ("consultation_edit", open_page.consultation_id),
        ("page_create", open_page.consultation_id),
        ("page_edit", open_page.pk),
        ("attachment_create", open_page.pk),
    ]:
        assert (
            manager_client.get(reverse(f"consultation_staff:{name}", args=[arg])).status_code == 200
        )
    edit = manager_client.post(
        reverse("consultation_staff:page_edit", args=[open_page.pk]),
        {"title": open_page.title, "slug": open_page.slug, "position": 1, "body": "Changed"},
    )
    assert "Say what changed" in edit.content.decode()


def test_results_cannot_be_published_while_open_through_the_consultation_form(staff_client):
    """Regression: the consultation form had a "Results published" date, which made the results
    page public while the consultation was still open."""
    from django.db import IntegrityError, transaction
    from django.test import Client

    client, _ = staff_client(ROLE_MANAGER)
    consultation = consultation_in_state("open")
    now = timezone.localtime()
    response = client.post(
        reverse("consultation_staff:consultation_edit", args=[consultation.pk]),
        {
            "title": consultation.title,
            "slug": consultation.slug,
            "summary": consultation.summary,
            "organisation": consultation.organisation,
            **_when("opens_at", *_parts(consultation.opens_at)),
            **_when("closes_at", *_parts(consultation.closes_at)),
            "moderation_mode": consultation.moderation_mode,
            "results_published_at": now.strftime("%Y-%m-%d %H:%M"),
        },
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.results_published_at is None
    public = Client().get(reverse("results:detail", args=[consultation.slug]))
    assert public.status_code == 404
    # Not even a shell or a data migration can do it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Consultation.objects.filter(pk=consultation.pk).update(results_published_at=now)


def test_a_consultation_with_published_results_cannot_be_reopened(manager):
    from consultation.services.consultations import consultation_update

    consultation = consultation_in_state("closed")
    Consultation.objects.filter(pk=consultation.pk).update(results_published_at=timezone.now())
    consultation.refresh_from_db()
    fields = {
        name: getattr(consultation, name)
        for name in ("title", "slug", "summary", "organisation", "opens_at", "moderation_mode")
    }
    with pytest.raises(ValidationError):
        consultation_update(
            actor=manager,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=3),
            **fields,
        )
