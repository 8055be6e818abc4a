"""Summary tables that are safe to publish: small counts hidden so nobody can be singled out.

Any cell under the threshold (10) is shown as "[c]". Where a row or column total is published
and only one cell in it is hidden, the next smallest cell is hidden too (secondary suppression),
so that a hidden value cannot be worked out by subtraction. Pure functions; used by the
published results CSV downloads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.http import HttpResponse

from consultation.analysis.exports.safety import neutralise_formula

THRESHOLD = 10
SUPPRESSED = "[c]"
NOTE = (
    f"{SUPPRESSED} = fewer than {THRESHOLD} responses, hidden so that no one can be identified. "
    "Some other cells are also hidden so that a hidden value cannot be worked out from the totals."
)


@dataclass(frozen=True)
class SummaryTable:
    """A published table: header, rows of display values, and whether anything was hidden."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    suppressed_cells: int

    @property
    def note(self) -> str:
        return NOTE if self.suppressed_cells else ""


TOTAL = object()  # marks a total in a cell key


def _secondary(hidden: set, lines: list[list], counts: Mapping) -> None:
    """Make every additive line (its cells plus its total) hide none or at least two entries.

    A line with exactly one hidden entry would let anyone recover it by subtraction, so the
    smallest visible entry is hidden too (an inner cell in preference to a total), repeating
    until nothing changes.
    """

    def preference(cell):
        return (TOTAL in cell, counts[cell], str(cell))

    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden_here = [cell for cell in line if cell in hidden]
            if len(hidden_here) == 1:
                visible = [cell for cell in line if cell not in hidden]
                if visible:
                    hidden.add(min(visible, key=preference))
                    changed = True


def suppress_counts(
    counts: Mapping[str, int],
    *,
    title: str = "",
    label: str = "Answer",
    threshold: int = THRESHOLD,
) -> SummaryTable:
    """Counts and percentages per option, with a total row; small counts hidden."""
    table = suppress_crosstab(
        {option: {"Responses": count} for option, count in counts.items()},
        columns=["Responses"],
        title=title,
        row_label=label,
        threshold=threshold,
    )
    total = sum(counts.values())
    rows = []
    for row in table.rows:
        shown = row[1]
        if shown == SUPPRESSED:
            rows.append((row[0], SUPPRESSED, SUPPRESSED))
        else:
            rows.append((row[0], shown, f"{int(shown) * 100 / total:.1f}%"))
    return SummaryTable(
        title=title,
        header=(label, "Responses", "Percentage"),
        rows=tuple(rows),
        suppressed_cells=table.suppressed_cells,
    )


def suppress_crosstab(
    table: Mapping[str, Mapping[str, int]],
    *,
    columns: Sequence[str],
    title: str = "",
    row_label: str = "",
    threshold: int = THRESHOLD,
) -> SummaryTable:
    """A cross-tabulation {row: {column: count}} with row and column totals; small cells hidden.

    With a single column the row totals repeat the cells, so no total column is added.
    """
    row_keys = list(table)
    counts: dict[tuple, int] = {}
    for r in row_keys:
        for c in columns:
            counts[(r, c)] = int(table[r].get(c, 0))
        counts[(r, TOTAL)] = sum(counts[(r, c)] for c in columns)
    for c in columns:
        counts[(TOTAL, c)] = sum(counts[(r, c)] for r in row_keys)
    counts[(TOTAL, TOTAL)] = sum(counts[(r, TOTAL)] for r in row_keys)
    hidden = {cell for cell, count in counts.items() if count < threshold}
    lines = [[*((r, c) for c in columns), (r, TOTAL)] for r in [*row_keys, TOTAL]]
    lines += [[*((r, c) for r in row_keys), (TOTAL, c)] for c in [*columns, TOTAL]]
    _secondary(hidden, lines, counts)

    def show(cell) -> str:
        return SUPPRESSED if cell in hidden else str(counts[cell])

    with_total_column = len(columns) > 1
    rows = []
    for r in [*row_keys, TOTAL]:
        name = "Total" if r is TOTAL else str(r)
        cells = [show((r, c)) for c in columns]
        if with_total_column:
            cells.append(show((r, TOTAL)))
        rows.append((name, *cells))
    header = (row_label, *map(str, columns), *(["Total"] if with_total_column else []))
    shown_cells = {
        cell for cell in hidden if with_total_column or cell[1] is not TOTAL or cell[0] is TOTAL
    }
    return SummaryTable(
        title=title, header=header, rows=tuple(rows), suppressed_cells=len(shown_cells)
    )


def summary_csv(table: SummaryTable) -> bytes:
    """The table as UTF-8 CSV (with BOM), with the suppression note underneath when needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if table.title:
        writer.writerow([neutralise_formula(table.title)])
    writer.writerow([neutralise_formula(h) for h in table.header])
    for row in table.rows:
        writer.writerow([neutralise_formula(v) for v in row])
    if table.note:
        writer.writerow([])
        writer.writerow([table.note])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def summary_csv_response(table: SummaryTable, *, file_name: str) -> HttpResponse:
    """An HTTP download of a suppressed summary table, for the published results page."""
    response = HttpResponse(summary_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
