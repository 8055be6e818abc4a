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


def table_schema(fields: Iterable[dict], *, unit: str = "") -> dict:
    """A Table Schema for a tidy CSV. `fields` are Table Schema fields; the "value" and "flag"
    fields are described here, so every download explains its markers the same way."""
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
    return {"fields": described, "missingValues": [""]}


def data_resource(
    *,
    name: str,
    path: str,
    title: str,
    fields: Iterable[dict],
    description: str = "",
    unit: str = "",
    notes: Sequence[str] = (),
    sha256: str = "",
) -> dict:
    """A Frictionless Tabular Data Resource: one tidy CSV and its schema. `sha256` (of the CSV
    as served) lets `frictionless validate` prove the file is the one described."""
    resource = {
        "name": name,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": title,
        "description": " ".join([description, *notes]).strip(),
        "schema": table_schema(fields, unit=unit),
    }
    if sha256:
        resource["hash"] = f"sha256:{sha256}"
    return resource


def datapackage(
    *,
    name: str,
    title: str,
    version: str,
    csv_name: str = "",
    fields: Iterable[dict] = (),
    description: str = "",
    unit: str = "",
    notes: Sequence[str] = (),
    created: str = "",
    homepage: str = "",
    resources: Sequence[dict] = (),
    properties: dict | None = None,
) -> dict:
    """A Frictionless Data Package descriptor: for one tidy CSV (`csv_name` and its `fields`),
    or for several `resources` made by data_resource. `properties` are further top-level
    properties (Data Package descriptors allow them), such as a release's hash."""
    if not resources:
        resources = [
            data_resource(
                name=name,
                path=csv_name,
                title=title,
                fields=fields,
                description=description,
                unit=unit,
                notes=notes,
            )
        ]
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
        "resources": list(resources),
    }
    if created:
        descriptor["created"] = created
    if homepage:
        descriptor["homepage"] = homepage
    if description or notes:
        descriptor["description"] = " ".join([description, *notes]).strip()
    descriptor.update(properties or {})
    return descriptor
