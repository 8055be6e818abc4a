"""Proposal pages inside a consultation, and their PDF attachments."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from consultation.models.consultations import Consultation


class ProposalPage(models.Model):
    """One ordered page of the proposal, authored in Markdown by a consultation manager."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="pages")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    position = models.PositiveIntegerField(default=0, help_text="Pages are listed in this order.")
    body = models.TextField(help_text="Markdown.")
    comments_enabled = models.BooleanField(default=True)
    # Set only when the page is edited after the consultation opened, so readers can see what
    # changed while they were taking part.
    last_updated_at = models.DateTimeField(null=True, blank=True)
    change_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A page is a draft until a Consultation manager publishes it; the public sees it only once
    # both it and its consultation are published.
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["consultation", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "slug"], name="proposal_page_slug_unique_in_consultation"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.published_at is None


class ProposalPageVersion(models.Model):
    """The text of a proposal page as it was after one edit, with the note saying why."""

    page = models.ForeignKey(ProposalPage, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    change_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Staff acting in their official role; kept if the account goes.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["page", "number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="page_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.page_id} v{self.number}"


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    return f"consultation/attachments/{instance.page.consultation_id}/{filename}"


class Attachment(models.Model):
    """A PDF attached to a proposal page; its content was checked when it was uploaded."""

    page = models.ForeignKey(ProposalPage, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=attachment_upload_to, max_length=300)
    size_bytes = models.PositiveBigIntegerField()
    page_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["page", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title
