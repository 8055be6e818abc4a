"""The audit record of every data export, which also tracks a background export's progress."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExportRecord(models.Model):
    """One export someone asked for: who, when, what, with which filters, and what came out.

    Records are never deleted: when a file expires only the file goes; the record (with the
    file's SHA-256) stays, so that a copy found later can still be checked against it.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV (opens in any spreadsheet)"
        XLSX = "xlsx", "Excel workbook (XLSX) with codebook and manifest sheets"

    class Delivery(models.TextChoices):
        STREAM = "stream", "Downloaded straight away"
        BACKGROUND = "background", "Prepared in the background"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready to download"
        DELIVERED = "delivered", "Downloaded straight away"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired and deleted"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_records"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    dataset_key = models.CharField(max_length=64)
    dataset_title = models.CharField(max_length=200)
    file_format = models.CharField(max_length=4, choices=Format.choices)
    identified = models.BooleanField(default=False)
    purpose = models.TextField(blank=True)
    filters = models.JSONField(default=dict, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_path = models.CharField(max_length=300, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # When the file left the system (a streamed export: as it was made), for oversight.
    downloads = models.PositiveIntegerField(default=0)
    first_downloaded_at = models.DateTimeField(null=True, blank=True)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="export_by_requester_idx"),
            models.Index(fields=["status", "expires_at"], name="export_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(identified=False) | ~Q(purpose=""),
                name="export_identified_needs_purpose",
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=["csv", "xlsx"]), name="export_known_format"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "running", "ready", "delivered", "failed", "expired"]
                ),
                name="export_known_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.dataset_key}"

    @property
    def kind_label(self) -> str:
        return "identified" if self.identified else "anonymised"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.READY,
            self.Status.DELIVERED,
            self.Status.FAILED,
            self.Status.EXPIRED,
        }

    @property
    def progress_percent(self) -> int:
        if self.status in {self.Status.READY, self.Status.DELIVERED}:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_written * 100 / self.rows_total))

    @property
    def filters_described(self) -> list[str]:
        from consultation.analysis.exports.datasets import ExportFilters

        return ExportFilters.from_json(self.filters).describe()

    @property
    def manifest_file_name(self) -> str:
        return f"{self.file_name}.manifest.json" if self.file_name else ""
