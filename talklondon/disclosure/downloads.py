"""Tidy, self-describing downloads of protected tables, the same in every module.

A CSV is one header row and data rows, nothing else: no titles, blank lines or footnotes. A
hidden figure has an empty `value` and its marker in the `flag` column, following the
Government Statistical Service convention: "c" confidential, "x" not available, "z" not
applicable. Beside each CSV a Frictionless Data Package descriptor (datapackage.json) gives
the title, the unit, the notes, the markers and the release version.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from talklondon.disclosure.engine import MARKERS
from talklondon.spreadsheet_safety import guarded_text


def tidy_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV: a header row, then data rows. Numbers as digits; text made formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([v if isinstance(v, int) else guarded_text(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def datapackage(
    *,
    name: str,
    title: str,
    version: str,
    csv_name: str,
    fields: list[dict],
    description: str = "",
    unit: str = "",
    notes: Sequence[str] = (),
    created: str = "",
    homepage: str = "",
) -> dict:
    """A Frictionless Data Package descriptor for one tidy CSV.

    `fields` are Table Schema fields; the "value" and "flag" fields are described here."""
    described = []
    for field in fields:
        field = dict(field)
        if field["name"] == "value":
            field.setdefault("type", "integer")
            field.setdefault(
                "description",
                f"The figure ({unit})" if unit else "The figure",
            )
            field.setdefault("constraints", {"minimum": 0})
        elif field["name"] == "flag":
            field.setdefault("type", "string")
            field.setdefault(
                "description",
                "Empty when the figure is published; otherwise why it is not: "
                + "; ".join(f"{code}: {meaning}" for code, meaning in MARKERS.items()),
            )
            field.setdefault("constraints", {"enum": ["", *MARKERS]})
        else:
            field.setdefault("type", "string")
        described.append(field)
    descriptor = {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "version": version,
        "licenses": [
            {
                "name": "OGL-UK-3.0",
                "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                "title": "Open Government Licence v3.0",
            }
        ],
        "resources": [
            {
                "name": name,
                "path": csv_name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "title": title,
                "description": " ".join([description, *notes]).strip(),
                "schema": {"fields": described, "missingValues": [""]},
            }
        ],
    }
    if created:
        descriptor["created"] = created
    if homepage:
        descriptor["homepage"] = homepage
    if description or notes:
        descriptor["description"] = " ".join([description, *notes]).strip()
    return descriptor
