"""Handing an export to its requester: streaming a small one, downloading a built file and
its manifest, and deleting built files once they expire.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from consultation.analysis.exports.writers import (
    HashingChunks,
    file_sha256,
)
from consultation.analysis.models import ExportRecord
from consultation.analysis.permissions import can_request_export
from consultation.analysis.services.exports.plan import ExportPlan, export_fail, failure_reason
from talklondon.models import User

logger = logging.getLogger(__name__)
audit_logger = logging.getLogger("consultation.analysis.audit")

Status = ExportRecord.Status


# --- Streaming small exports ----------------------------------------------------------------


def _owned_record(*, actor: User, export_id: int) -> ExportRecord:
    record = (
        ExportRecord.objects.select_related("requested_by")
        .filter(pk=export_id, requested_by=actor)
        .first()
    )
    if record is None or not can_request_export(actor, identified=record.identified):
        raise PermissionDenied("Not your export.")
    return record


def export_stream_response(*, actor: User, export_id: int):
    """The HTTP response that streams a small export to its requester, recording the outcome.

    CSV is generated chunk by chunk; its SHA-256 is computed on the way out and saved, with the
    manifest, once the last chunk has gone. XLSX (a zip) is written to a temporary file on disk
    first, hashed, then sent. Raises PermissionDenied for anyone but the requester.
    """
    record = _owned_record(actor=actor, export_id=export_id)
    if record.delivery != ExportRecord.Delivery.STREAM or record.status != Status.RUNNING:
        raise PermissionDenied("This export is not waiting to be streamed.")
    ExportRecord.objects.filter(pk=record.pk).update(started_at=timezone.now())
    try:
        plan = ExportPlan(record)
        if record.file_format == ExportRecord.Format.XLSX:
            return _stream_xlsx(record, plan)
        return _stream_csv(record, plan)
    except Exception as exc:
        logger.exception("Export %s failed before streaming", record.pk)
        export_fail(record.pk, failure_reason(exc))
        raise ExportFailed(failure_reason(exc)) from exc


class ExportFailed(Exception):
    """The export failed before anything was sent; the record says why."""


def _stream_csv(record: ExportRecord, plan: ExportPlan) -> StreamingHttpResponse:
    hashing = HashingChunks(plan.csv_chunks())
    chunks = iter(hashing)
    first = next(chunks)  # runs the query now, so errors surface before the download starts

    def body():
        finished = False
        try:
            yield first
            yield from chunks
            finished = True
        except GeneratorExit:
            export_fail(record.pk, "The download was interrupted before it finished.")
            raise
        except Exception as exc:
            logger.exception("Export %s failed while streaming", record.pk)
            export_fail(record.pk, failure_reason(exc))
            raise
        if finished:
            _delivered(record, plan, hashing.sha256.hexdigest(), hashing.size, manifest_hash=True)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record.file_name}"'
    response["X-Export-Id"] = str(record.pk)
    return response


def _stream_xlsx(record: ExportRecord, plan: ExportPlan) -> FileResponse:
    # On disk, deleted when FileResponse closes it; a context manager would close it too early.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        plan.write_xlsx(handle)
        sha256, size = file_sha256(handle)
    except Exception:
        handle.close()
        raise
    _delivered(record, plan, sha256, size, manifest_hash=False)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=record.file_name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Export-Id"] = str(record.pk)
    return response


def _delivered(record: ExportRecord, plan: ExportPlan, sha256: str, size: int, *, manifest_hash):
    now = timezone.now()
    ExportRecord.objects.filter(pk=record.pk).update(
        status=Status.DELIVERED,
        rows_written=plan.stats.rows_written,
        row_count=plan.stats.rows_written,
        sha256=sha256,
        file_size=size,
        manifest=plan.manifest(sha256=sha256 if manifest_hash else "", size=size),
        finished_at=now,
        # Streamed to the browser: downloaded as it was made.
        downloads=1,
        first_downloaded_at=now,
        last_downloaded_at=now,
    )
    audit_logger.info(
        "Export %s delivered: %s rows, sha256=%s", record.pk, plan.stats.rows_written, sha256
    )


# --- Downloading and expiry -----------------------------------------------------------------


def export_file_open(*, actor: User, export_id: int):
    """(open file, record) for a ready background export of `user`; PermissionDenied otherwise."""
    record = _owned_record(actor=actor, export_id=export_id)
    if record.status != Status.READY or not record.file_path:
        raise PermissionDenied("This export has no file to download.")
    if record.expires_at and record.expires_at <= timezone.now():
        raise PermissionDenied("This export has expired.")
    path = Path(settings.MEDIA_ROOT) / record.file_path
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        export_fail(record.pk, "The file is missing from storage.")
        raise PermissionDenied("The file is missing.") from None
    audit_logger.info("Export %s downloaded by user %s", record.pk, actor.pk)
    # For the data protection officer's oversight: when the file left the system.
    now = timezone.now()
    ExportRecord.objects.filter(pk=record.pk).update(
        downloads=F("downloads") + 1, last_downloaded_at=now
    )
    ExportRecord.objects.filter(pk=record.pk, first_downloaded_at__isnull=True).update(
        first_downloaded_at=now
    )
    return handle, record


def export_manifest_get(*, actor: User, export_id: int) -> tuple[ExportRecord, bytes]:
    """The manifest JSON of one of `user`'s finished exports."""
    record = _owned_record(actor=actor, export_id=export_id)
    if not record.manifest:
        raise PermissionDenied("This export has no manifest yet.")
    body = json.dumps(record.manifest, ensure_ascii=False, indent=2).encode()
    return record, body


def export_expire_due(*, now=None) -> int:
    """Delete the files of exports past their expiry time and mark them expired. Idempotent."""
    now = now or timezone.now()
    expired = 0
    due = ExportRecord.objects.filter(status=Status.READY, expires_at__lte=now).values_list(
        "pk", "file_path"
    )
    for pk, file_path in list(due):
        if file_path:
            (Path(settings.MEDIA_ROOT) / file_path).unlink(missing_ok=True)
        ExportRecord.objects.filter(pk=pk, status=Status.READY).update(
            status=Status.EXPIRED, file_path=""
        )
        expired += 1
    if expired:
        audit_logger.info("%s export files expired and deleted", expired)
    return expired
