"""Requesting, building, streaming and expiring exports. Every export leaves an ExportRecord.

Delivery: exports of up to EXPORT_STREAM_MAX_ROWS rows stream straight to the browser
(CSV chunk by chunk; XLSX via a temporary file on disk); larger ones are built by a Celery task
into MEDIA_ROOT/exports/<random name>, offered in "My exports" for EXPORT_EXPIRY_HOURS and then
deleted. Exports that match no rows are built at once as a headers-only file with a clear message.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from consultation.analysis.exports.datasets import (
    ALL_FILTERS,
    RESPONDENT,
    CodebookRow,
    Dataset,
    ExportFilters,
    NoIdentifiedVariant,
    UnknownDataset,
    dataset_get,
)
from consultation.analysis.exports.pgcopy import CopyCsv, copy_export_sql
from consultation.analysis.exports.pseudonyms import Pseudonymiser
from consultation.analysis.exports.writers import (
    HashingChunks,
    WriteStats,
    csv_stream,
    file_sha256,
    xlsx_write,
)
from consultation.analysis.models import ExportRecord
from consultation.analysis.permissions import can_request_export
from consultation.analysis.purpose import purpose_problem
from talklondon.outbox import outbox_enqueue

logger = logging.getLogger(__name__)
audit_logger = logging.getLogger("consultation.analysis.audit")

EXPORT_SUBDIR = "exports"
BUILD_TASK = "consultation.analysis.tasks.export_build"
Status = ExportRecord.Status


def stream_max_rows() -> int:
    return settings.EXPORT_STREAM_MAX_ROWS


def expiry_hours() -> int:
    return settings.EXPORT_EXPIRY_HOURS


def export_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_SUBDIR


# --- Requesting ---------------------------------------------------------------------------


def export_request(
    *,
    user,
    dataset_key: str,
    file_format: str,
    filters: ExportFilters,
    identified: bool = False,
    purpose: str = "",
) -> ExportRecord:
    """Check and record an export request, and start a background build if it is large.

    Returns the record. Its `delivery` says what happens next: STREAM means the caller should
    return `export_stream_response(...)`; BACKGROUND means a task (or, for an export matching
    nothing, this function) builds the file.
    """
    if not can_request_export(user, identified=identified):
        raise PermissionDenied("You cannot request this kind of export.")
    try:
        dataset = dataset_get(dataset_key, identified=identified)
    except UnknownDataset:
        raise ValidationError({"dataset": "Choose a dataset from the list."}) from None
    except NoIdentifiedVariant:
        raise ValidationError(
            {"kind": "This dataset has no identified version. Choose anonymised."}
        ) from None
    if file_format not in ExportRecord.Format.values:
        raise ValidationError({"file_format": "Choose CSV or XLSX."})
    purpose = purpose.strip()
    if identified and purpose_problem(purpose):
        raise ValidationError({"purpose": purpose_problem(purpose)})
    export_filters_check(dataset=dataset, filters=filters)

    total = dataset.count(filters)
    delivery = (
        ExportRecord.Delivery.STREAM
        if 0 < total <= stream_max_rows()
        else ExportRecord.Delivery.BACKGROUND
    )
    if delivery == ExportRecord.Delivery.BACKGROUND and total > 0:
        active = ExportRecord.objects.filter(
            requested_by=user,
            delivery=ExportRecord.Delivery.BACKGROUND,
            status__in=[Status.PENDING, Status.RUNNING],
        ).count()
        if active >= settings.EXPORT_MAX_ACTIVE_PER_PERSON:
            raise ValidationError(
                f"You already have {active} exports being prepared. Wait for one to finish, "
                "then try again."
            )

    now = timezone.now()
    with transaction.atomic():
        record = ExportRecord.objects.create(
            requested_by=user,
            requested_at=now,
            dataset_key=dataset.key,
            dataset_title=f"{dataset.title} ({'identified' if identified else 'anonymised'})",
            file_format=file_format,
            identified=identified,
            purpose=purpose,
            filters=filters.to_json(),
            delivery=delivery,
            status=Status.RUNNING if delivery == ExportRecord.Delivery.STREAM else Status.PENDING,
            rows_total=total,
        )
        record.file_name = export_file_name(record)
        record.save(update_fields=["file_name"])
        if delivery == ExportRecord.Delivery.BACKGROUND and total > 0:
            outbox_enqueue(task_name=BUILD_TASK, kwargs={"export_id": record.pk})
    audit_logger.info(
        "Export %s requested by user %s: %s, %s, %s, %s rows, filters=%s%s",
        record.pk,
        user.pk,
        dataset.key,
        record.kind_label,
        file_format,
        total,
        json.dumps(record.filters),
        f", purpose={purpose!r}" if identified else "",
    )
    if total == 0:
        # Tiny: build it now, so the person sees the "nothing matched" message straight away.
        export_build_run(export_id=record.pk)
        record.refresh_from_db()
    return record


def export_filters_check(*, dataset: Dataset, filters: ExportFilters) -> None:
    """Refuse filters the dataset cannot apply, rather than silently ignoring them."""
    supported = dataset.supported_filters & ALL_FILTERS
    errors = {}
    if (filters.date_from or filters.date_to) and "dates" not in supported:
        errors["date_from"] = f"{dataset.title} cannot be filtered by date. Leave the dates empty."
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors["date_to"] = "The end date must be the same as or after the start date."
    if filters.channel:
        if "channel" not in supported:
            errors["channel"] = f"{dataset.title} has no channels. Choose All channels."
        elif filters.channel not in {value for value, _ in dataset.channel_choices}:
            errors["channel"] = "Choose a channel from the list."
    if filters.borough and "borough" not in supported:
        errors["borough"] = f"{dataset.title} cannot be filtered by borough. Choose All boroughs."
    if filters.include_drafts and "drafts" not in supported:
        errors["include_drafts"] = f"{dataset.title} has no drafts. Choose final responses only."
    if errors:
        raise ValidationError(errors)


def export_file_name(record: ExportRecord) -> str:
    """What the download is called: dataset, anonymised/identified, time and record number."""
    stamp = timezone.localtime(record.requested_at).strftime("%Y%m%d-%H%M")
    return f"talklondon-{record.dataset_key}-{record.kind_label}-{stamp}-{record.pk}.{record.file_format}"


# --- Building -----------------------------------------------------------------------------


class _Plan:
    """Everything needed to write one export: dataset, filters, columns and pseudonymiser."""

    def __init__(self, record: ExportRecord):
        self.record = record
        self.dataset = dataset_get(record.dataset_key, identified=record.identified)
        self.filters = ExportFilters.from_json(record.filters)
        self.columns = self.dataset.columns(self.filters)
        # A fresh random salt per build, never stored: ids cannot be linked across exports.
        self.pseudonymise = Pseudonymiser()
        self.stats = WriteStats()

    @property
    def header(self) -> list[str]:
        return [column.header for column in self.columns]

    def rows(self):
        """Rows in column order with respondent ids pseudonymised."""
        source = self.dataset.rows(self.filters)
        width = len(self.columns)
        respondent_positions = [i for i, c in enumerate(self.columns) if c.kind == RESPONDENT]
        for row in source:
            if len(row) != width:
                raise ValueError(
                    f"The {self.dataset.key} dataset gave a row of {len(row)} values for "
                    f"{width} columns."
                )
            if respondent_positions:
                row = list(row)
                for position in respondent_positions:
                    row[position] = self.pseudonymise(row[position])
            yield row

    def codebook(self):
        return (entry.as_tuple() for entry in self.dataset.codebook(self.filters))

    def manifest(self, *, sha256: str = "", size: int | None = None) -> dict:
        record = self.record
        manifest = {
            "export_id": record.pk,
            "file_name": record.file_name,
            "dataset": record.dataset_key,
            "dataset_title": record.dataset_title,
            "kind": record.kind_label,
            "format": record.file_format,
            "requested_by": record.requested_by.email,
            "requested_at": timezone.localtime(record.requested_at).isoformat(),
            "generated_at": timezone.localtime().isoformat(),
            "purpose": record.purpose,
            "filters": record.filters,
            "filters_described": self.filters.describe(),
            "row_count": self.stats.rows_written,
            "columns": self.header,
            "respondent_ids": (
                "Respondent ids are HMAC-SHA256 pseudonyms of account ids under a random key "
                "made for this file and then discarded: stable within this file only."
            ),
            "formula_safety": (
                "Text starting with =, +, - or @ (or their full-width forms, or any of them after "
                "spaces or control characters), a tab or a carriage return starts with an added "
                "apostrophe so that spreadsheet software does not run it as a formula."
            ),
        }
        if record.identified:
            manifest["identified"] = (
                "IDENTIFIED: this file contains personal data. Handle it under the stated purpose "
                "and delete it when that purpose is met."
            )
        if self.stats.rows_written == 0:
            manifest["message"] = (
                "No rows matched these filters: the file contains the column headings only."
            )
        if record.file_format == ExportRecord.Format.XLSX:
            manifest["characters_removed"] = self.stats.xml_characters_removed
            manifest["characters_removed_note"] = (
                "Control characters that an XLSX file cannot hold were removed from text cells "
                "(the CSV format keeps them)."
            )
            manifest["sha256"] = (
                "Not in this sheet: a file cannot contain its own hash. The SHA-256 is on the "
                "export record page and in the export log."
            )
        if sha256:
            manifest["sha256"] = sha256
            manifest["size_bytes"] = size
        return manifest

    def manifest_items(self, stats: WriteStats) -> list[tuple[str, str]]:
        items = []
        for key, value in self.manifest().items():
            if isinstance(value, (list, dict)):
                value = json.dumps(value, ensure_ascii=False)
            items.append((key, "" if value is None else str(value)))
        return items

    def write_xlsx(self, target, on_progress=None) -> None:
        xlsx_write(
            target,
            header=self.header,
            rows=self.rows(),
            codebook_header=CodebookRow.HEADERS,
            codebook=self.codebook(),
            manifest=self.manifest_items,
            stats=self.stats,
            on_progress=on_progress,
        )

    def csv_chunks(self, on_progress=None, *, fast: bool = False):
        """The CSV as byte chunks. `fast`: let PostgreSQL write it with COPY when the dataset
        offers `copy_select` (large background exports); otherwise the Python writer."""
        select = None
        if fast and connection.vendor == "postgresql" and hasattr(self.dataset, "copy_select"):
            select = self.dataset.copy_select(self.filters)
        if select is None:
            return csv_stream(
                header=self.header, rows=self.rows(), stats=self.stats, on_progress=on_progress
            )
        return self._copy_chunks(*select, on_progress=on_progress)

    def _copy_chunks(self, select_sql, params, *, on_progress=None):
        sql, all_params = copy_export_sql(
            select_sql=select_sql,
            params=params,
            columns=self.columns,
            pseudonymiser=self.pseudonymise,
        )
        copy = CopyCsv(sql, all_params)
        yield from csv_stream(header=self.header, rows=(), stats=WriteStats())
        yield from copy
        self.stats.rows_written = copy.rows or 0
        if on_progress:
            on_progress(self.stats.rows_written)


def _fail(record_id: int, reason: str) -> None:
    ExportRecord.objects.filter(pk=record_id).update(
        status=Status.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


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
        _fail(record.pk, "The person who asked for this export no longer has permission.")
        return None
    directory = export_directory()
    directory.mkdir(parents=True, exist_ok=True)
    final_path = directory / f"{secrets.token_urlsafe(24)}.{record.file_format}"
    part_path = final_path.with_name(final_path.name + ".part")

    def progress(rows: int) -> None:
        ExportRecord.objects.filter(pk=record.pk).update(rows_written=rows)

    try:
        plan = _Plan(record)
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
        _fail(record.pk, _reason(exc))
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


# --- Streaming small exports ----------------------------------------------------------------


def _owned_record(*, user, export_id: int) -> ExportRecord:
    record = (
        ExportRecord.objects.select_related("requested_by")
        .filter(pk=export_id, requested_by=user)
        .first()
    )
    if record is None or not can_request_export(user, identified=record.identified):
        raise PermissionDenied("Not your export.")
    return record


def export_stream_response(*, user, export_id: int):
    """The HTTP response that streams a small export to its requester, recording the outcome.

    CSV is generated chunk by chunk; its SHA-256 is computed on the way out and saved, with the
    manifest, once the last chunk has gone. XLSX (a zip) is written to a temporary file on disk
    first, hashed, then sent. Raises PermissionDenied for anyone but the requester.
    """
    record = _owned_record(user=user, export_id=export_id)
    if record.delivery != ExportRecord.Delivery.STREAM or record.status != Status.RUNNING:
        raise PermissionDenied("This export is not waiting to be streamed.")
    ExportRecord.objects.filter(pk=record.pk).update(started_at=timezone.now())
    try:
        plan = _Plan(record)
        if record.file_format == ExportRecord.Format.XLSX:
            return _stream_xlsx(record, plan)
        return _stream_csv(record, plan)
    except Exception as exc:
        logger.exception("Export %s failed before streaming", record.pk)
        _fail(record.pk, _reason(exc))
        raise ExportFailed(_reason(exc)) from exc


class ExportFailed(Exception):
    """The export failed before anything was sent; the record says why."""


def _stream_csv(record: ExportRecord, plan: _Plan) -> StreamingHttpResponse:
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
            _fail(record.pk, "The download was interrupted before it finished.")
            raise
        except Exception as exc:
            logger.exception("Export %s failed while streaming", record.pk)
            _fail(record.pk, _reason(exc))
            raise
        if finished:
            _delivered(record, plan, hashing.sha256.hexdigest(), hashing.size, manifest_hash=True)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record.file_name}"'
    response["X-Export-Id"] = str(record.pk)
    return response


def _stream_xlsx(record: ExportRecord, plan: _Plan) -> FileResponse:
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


def _delivered(record: ExportRecord, plan: _Plan, sha256: str, size: int, *, manifest_hash):
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


def export_file_open(*, user, export_id: int):
    """(open file, record) for a ready background export of `user`; PermissionDenied otherwise."""
    record = _owned_record(user=user, export_id=export_id)
    if record.status != Status.READY or not record.file_path:
        raise PermissionDenied("This export has no file to download.")
    if record.expires_at and record.expires_at <= timezone.now():
        raise PermissionDenied("This export has expired.")
    path = Path(settings.MEDIA_ROOT) / record.file_path
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        _fail(record.pk, "The file is missing from storage.")
        raise PermissionDenied("The file is missing.") from None
    audit_logger.info("Export %s downloaded by user %s", record.pk, user.pk)
    # For the data protection officer's oversight: when the file left the system.
    now = timezone.now()
    ExportRecord.objects.filter(pk=record.pk).update(
        downloads=F("downloads") + 1, last_downloaded_at=now
    )
    ExportRecord.objects.filter(pk=record.pk, first_downloaded_at__isnull=True).update(
        first_downloaded_at=now
    )
    return handle, record


def export_manifest_get(*, user, export_id: int) -> tuple[ExportRecord, bytes]:
    """The manifest JSON of one of `user`'s finished exports."""
    record = _owned_record(user=user, export_id=export_id)
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
