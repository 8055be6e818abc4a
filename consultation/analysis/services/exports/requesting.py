"""Asking for an export: checks, the ExportRecord, and how it will be delivered.

Delivery: exports of up to EXPORT_STREAM_MAX_ROWS rows stream straight to the browser
(consultation.analysis.services.exports.delivering); larger ones are built by a Celery task
(.building) and offered in "My exports" for EXPORT_EXPIRY_HOURS, then deleted. Exports that
match no rows are built at once as a headers-only file with a clear message.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from consultation.analysis.exports.datasets import (
    ALL_FILTERS,
    Dataset,
    ExportFilters,
    NoIdentifiedVariant,
    UnknownDataset,
    dataset_get,
)
from consultation.analysis.models import ExportRecord
from consultation.analysis.permissions import can_request_export
from consultation.analysis.purpose import purpose_problem
from consultation.analysis.services.exports.building import export_build_run
from talklondon.models import User
from talklondon.outbox import outbox_enqueue

logger = logging.getLogger(__name__)
audit_logger = logging.getLogger("consultation.analysis.audit")

BUILD_TASK = "consultation.analysis.tasks.export_build"
Status = ExportRecord.Status


def stream_max_rows() -> int:
    return settings.EXPORT_STREAM_MAX_ROWS


def export_request(
    *,
    actor: User,
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
    if not can_request_export(actor, identified=identified):
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
            requested_by=actor,
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
            requested_by=actor,
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
        actor.pk,
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
