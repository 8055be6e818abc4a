"""CSV and XLSX writers that stream: a row at a time in, bounded chunks out, nothing whole in memory.

Both guard formula-like text (talklondon/spreadsheet_safety.py). The XLSX writer also removes
characters that XML cannot hold and counts them, so the manifest can say so; CSV keeps every
character.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from talklondon.spreadsheet_safety import FIRST_CHARACTERS, formula_guarded, strip_xml_illegal

UTF8_BOM = "\ufeff".encode()
CSV_CHUNK_ROWS = 1000
PROGRESS_EVERY = 2000


@dataclass
class WriteStats:
    """What the writer did, for the record and the manifest."""

    rows_written: int = 0
    xml_characters_removed: int = 0


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(_zone()).replace(tzinfo=None)


_ZONES: dict[str, ZoneInfo] = {}


def _zone() -> ZoneInfo:
    name = settings.TIME_ZONE
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


# The csv module writes these itself (None as an empty cell) at C speed.
_CSV_NATIVE = frozenset({int, float, type(None)})


def csv_row(row: Sequence) -> list:
    """A row ready for csv.writer: the hot path of every CSV export, so written inline.

    Same result as `[csv_value(v) for v in row]` (None is written empty by the csv module).
    Text whose first character cannot start a formula skips the guard's call.
    """
    return [
        (formula_guarded(v) if v[:1] in FIRST_CHARACTERS else v)
        if type(v) is str
        else (v if type(v) in _CSV_NATIVE else csv_value(v))
        for v in row
    ]


def csv_value(value) -> str:
    """A cell as CSV text: London-time timestamps, empty for None, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return formula_guarded(str(value))


def csv_stream(
    *,
    header: Sequence[str],
    rows: Iterable[Sequence],
    stats: WriteStats,
    on_progress: Callable[[int], None] | None = None,
    chunk_rows: int = CSV_CHUNK_ROWS,
) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads the encoding right), in chunks.

    The first chunk holds the BOM, the header and the first `chunk_rows` rows, so that asking
    for it runs the query: a failure then happens before a browser download has started.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_value(h) for h in header])
    first = True
    pending = 0
    writerow = writer.writerow
    for row in rows:
        writerow(csv_row(row))
        stats.rows_written += 1
        pending += 1
        if pending >= chunk_rows:
            data = buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
            yield (UTF8_BOM + data) if first else data
            first = False
            if on_progress and stats.rows_written % PROGRESS_EVERY < chunk_rows:
                on_progress(stats.rows_written)
    data = buffer.getvalue().encode("utf-8")
    yield (UTF8_BOM + data) if first else data
    if on_progress:
        on_progress(stats.rows_written)


def _xlsx_value(value, stats: WriteStats):
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, date):
        return value
    text, removed = strip_xml_illegal(str(value))
    stats.xml_characters_removed += removed
    # openpyxl would store text starting with "=" as a formula; the apostrophe prevents that too.
    return formula_guarded(text)


def xlsx_write(
    target,
    *,
    header: Sequence[str],
    rows: Iterable[Sequence],
    codebook_header: Sequence[str],
    codebook: Iterable[Sequence],
    manifest: Callable[[WriteStats], Iterable[tuple[str, str]]],
    stats: WriteStats,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Write a workbook with "Data", "Codebook" and "Manifest" sheets to `target` (path or file).

    openpyxl's write-only mode streams each sheet to a temporary file and writes strings inline,
    so memory does not grow with the number of rows. The manifest is built after the data, from
    `manifest(stats)`, so it can state the row count.
    """
    # openpyxl loads here: only the export task writes workbooks, and web workers are spared it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header_row(sheet, labels):
        cells = []
        for label in labels:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(label, stats))
            cell.font = bold
            cells.append(cell)
        return cells

    data = workbook.create_sheet("Data")
    data.freeze_panes = "A2"
    data.append(header_row(data, header))
    for row in rows:
        data.append([_xlsx_value(v, stats) for v in row])
        stats.rows_written += 1
        if on_progress and stats.rows_written % PROGRESS_EVERY == 0:
            on_progress(stats.rows_written)
    if on_progress:
        on_progress(stats.rows_written)

    sheet = workbook.create_sheet("Codebook")
    sheet.append(header_row(sheet, codebook_header))
    for row in codebook:
        sheet.append([_xlsx_value(v, stats) for v in row])

    sheet = workbook.create_sheet("Manifest")
    sheet.append(header_row(sheet, ("Item", "Value")))
    # Built last so that it can report characters removed anywhere in the workbook.
    for item, value in manifest(stats):
        sheet.append([_xlsx_value(item, stats), _xlsx_value(value, stats)])
    workbook.save(target)


class HashingChunks:
    """Pass byte chunks through while computing their SHA-256 and total size."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self.sha256 = hashlib.sha256()
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.sha256.update(chunk)
            self.size += len(chunk)
            yield chunk


def file_sha256(fileobj, *, block_size: int = 1024 * 1024) -> tuple[str, int]:
    """SHA-256 and size of an open binary file, read in blocks from the start."""
    fileobj.seek(0)
    digest = hashlib.sha256()
    size = 0
    while block := fileobj.read(block_size):
        digest.update(block)
        size += len(block)
    fileobj.seek(0)
    return digest.hexdigest(), size
