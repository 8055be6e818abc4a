"""The published results page of a consultation: "We asked, you said, we did"."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ResultsPage(models.Model):
    """What a Consultation manager writes about a consultation's results (Markdown).

    Whether it is public is `Consultation.results_published_at` (set on publish): the one
    place every page asks. Figures and tables are computed from the responses, never typed in.
    """

    consultation = models.OneToOneField(
        "consultation.Consultation", on_delete=models.PROTECT, related_name="results_page"
    )
    summary = models.TextField(blank=True)
    we_asked = models.TextField()
    you_said = models.TextField()
    we_did = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(we_asked="") & ~Q(you_said="") & ~Q(we_did=""),
                name="results_page_has_all_sections",
            ),
        ]

    def __str__(self) -> str:
        return f"Results of consultation {self.consultation_id}"


class ResultsRelease(models.Model):
    """One version of a consultation's published figures: computed once, stored, never changed.

    Version 1 is made when the results are first published. A later change (a late paper
    response, a correction) is a new version: prepared as a draft, checked for differencing
    against every earlier version, and published only if the check passes. Each published
    version's manifest holds the SHA-256 of its tables and of the previous version's manifest.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft revision"
        PUBLISHED = "published", "Published"

    consultation = models.ForeignKey(
        "consultation.Consultation", on_delete=models.PROTECT, related_name="results_releases"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    reason = models.TextField(blank=True)  # why this version exists (shown to readers)
    content = models.JSONField()  # the protected tables: results_tables.results_tables
    # True counts of every published entry, kept (staff only, never served) so that later
    # versions can be checked for differencing against this one.
    counts = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    problems = models.JSONField(default=list, blank=True)  # what the differencing check found
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    manifest = models.JSONField(null=True, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["consultation", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "version"], name="results_release_version"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(published_at__isnull=False) & ~Q(manifest_sha256="")),
                name="results_release_published_complete",
            ),
            models.CheckConstraint(
                condition=Q(version=1) | Q(status="draft") | ~Q(reason=""),
                name="results_release_revision_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Results of consultation {self.consultation_id}, version {self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED
