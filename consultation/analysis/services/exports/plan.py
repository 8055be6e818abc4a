"""One export's plan (dataset, filters, columns, pseudonymiser) and how a failure is recorded:
shared by the background build and the streamed download.
"""

from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone

from consultation.analysis.exports.datasets import (
    RESPONDENT,
    CodebookRow,
    ExportFilters,
    dataset_get,
)
from consultation.analysis.exports.pgcopy import CopyCsv, copy_export_sql
from consultation.analysis.exports.pseudonyms import Pseudonymiser
from consultation.analysis.exports.writers import (
    WriteStats,
    csv_stream,
    xlsx_write,
)
from consultation.analysis.models import ExportRecord

Status = ExportRecord.Status


class ExportPlan:
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


def export_fail(record_id: int, reason: str) -> None:
    ExportRecord.objects.filter(pk=record_id).update(
        status=Status.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


def failure_reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
