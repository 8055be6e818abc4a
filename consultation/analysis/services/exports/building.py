"""Building a large export's file in the background (a Celery task), and saying when it is ready."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from consultation.analysis.exports.writers import file_sha256
from consultation.analysis.models import ExportRecord
from consultation.analysis.permissions import can_request_export
from consultation.analysis.services.exports.plan import ExportPlan, export_fail, failure_reason

logger = logging.getLogger(__name__)
audit_logger = logging.getLogger("consultation.analysis.audit")

EXPORT_SUBDIR = "exports"
Status = ExportRecord.Status


def expiry_hours() -> int:
    return settings.EXPORT_EXPIRY_HOURS


def export_directory() -> Path:
    """Where built files wait for their requester, under MEDIA_ROOT with random names."""
    return Path(settings.MEDIA_ROOT) / EXPORT_SUBDIR


def _claim(export_id: int) -> ExportRecord | None:
    """Mark a background export as running, once (tasks are delivered at least once)."""
    with transaction.atomic():
        record = (
            ExportRecord.objects.select_for_update()
            .select_related("requested_by")
            .filter(pk=export_id, delivery=ExportRecord.Delivery.BACKGROUND)
            .first()
        )
        if record is None:
            return None
        stale = record.status == Status.RUNNING and (
            record.started_at is None
            or record.started_at
            < timezone.now() - timedelta(minutes=settings.EXPORT_STALE_RUNNING_MINUTES)
        )
        if record.status != Status.PENDING and not stale:
            return None
        record.status = Status.RUNNING
        record.started_at = timezone.now()
        record.rows_written = 0
        record.save(update_fields=["status", "started_at", "rows_written"])
        return record


def export_build_run(*, export_id: int) -> ExportRecord | None:
    """Build a background export's file (called by the Celery task). Idempotent.

    Writes to a temporary name and renames when complete, so a half-written file is never
    offered; on any failure the record says "failed" with the reason and the partial file goes.
    """
    record = _claim(export_id)
    if record is None:
        return None
    if not can_request_export(record.requested_by, identified=record.identified):
        export_fail(record.pk, "The person who asked for this export no longer has permission.")
        return None
    directory = export_directory()
    directory.mkdir(parents=True, exist_ok=True)
    final_path = directory / f"{secrets.token_urlsafe(24)}.{record.file_format}"
    part_path = final_path.with_name(final_path.name + ".part")

    def progress(rows: int) -> None:
        ExportRecord.objects.filter(pk=record.pk).update(rows_written=rows)

    try:
        plan = ExportPlan(record)
        if record.file_format == ExportRecord.Format.CSV:
            with part_path.open("wb") as handle:
                for chunk in plan.csv_chunks(on_progress=progress, fast=True):
                    handle.write(chunk)
        else:
            plan.write_xlsx(str(part_path), on_progress=progress)
        with part_path.open("rb") as handle:
            sha256, size = file_sha256(handle)
        os.replace(part_path, final_path)
    except Exception as exc:
        logger.exception("Export %s failed", record.pk)
        part_path.unlink(missing_ok=True)
        export_fail(record.pk, failure_reason(exc))
        return None

    now = timezone.now()
    record.status = Status.READY
    record.rows_written = plan.stats.rows_written
    record.row_count = plan.stats.rows_written
    record.sha256 = sha256
    record.file_size = size
    record.file_path = str(final_path.relative_to(settings.MEDIA_ROOT))
    record.manifest = plan.manifest(
        sha256=sha256 if record.file_format == ExportRecord.Format.CSV else "", size=size
    )
    record.finished_at = now
    record.expires_at = now + timedelta(hours=expiry_hours())
    record.error = ""
    record.save()
    audit_logger.info("Export %s ready: %s rows, sha256=%s", record.pk, record.row_count, sha256)
    if record.rows_total:
        _email_ready(record)
    return record


def _email_ready(record: ExportRecord) -> None:
    link = settings.SITE_URL + reverse("analysis_staff:export_detail", args=[record.pk])
    expires = timezone.localtime(record.expires_at).strftime("%d %B %Y at %H:%M")
    send_mail(
        subject="Your Talk London export is ready",
        message=(
            f"Your export of {record.dataset_title} ({record.row_count} rows) is ready.\n\n"
            f"Download it from: {link}\n\n"
            f"Only you can download it, after signing in. It will be deleted on {expires}.\n"
        ),
        from_email=None,
        recipient_list=[record.requested_by.email],
    )
