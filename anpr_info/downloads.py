"""A release's tables as open data: tidy CSVs and the Frictionless Data Package beside them.

One data package per release, because a release is what is frozen, versioned and hashed: a
journalist who cites a figure cites the release it came from, and the package names that
release, its version and its hash. Each table is one resource, a tidy CSV at
`tables/<measure>/<table>/<period>.csv` beside the package's `datapackage.json`, so
`frictionless validate <url of datapackage.json>` checks every table of the release as served.
"""

from __future__ import annotations

import hashlib

from anpr_info import charts, registry, selectors
from anpr_info.models import Release, ReleaseTable
from talklondon.disclosure import TOTAL
from talklondon.disclosure.downloads import data_resource, datapackage

PUBLISHER = "Mayor's Office for Policing and Crime (MOPAC)"


def table_csv_path(table: ReleaseTable) -> str:
    """The CSV's path relative to the release's datapackage.json (and its URL)."""
    return f"tables/{table.measure}/{table.table}/{table.period}.csv"


def _fields(payload: dict) -> list[dict]:
    dims = payload["row_dimensions"] + payload["column_dimensions"]
    described = {
        "measure": "The measure's code (see the methodology)",
        "table": "The table's code within the measure",
        "period": "The month (YYYY-MM), quarter (YYYY-Qn) or year (YYYY) the figure covers",
        "value": "",  # described by the shared helper, with the unit
        "flag": "",
    }
    for dim in dims:
        label = "Day" if dim == "date" else registry.DIMENSIONS[dim].label
        described[dim] = f"{label}: code (\u201c{TOTAL}\u201d for the total)"
        described[f"{dim}_label"] = f"{label}: name"
    return [
        {"name": column, **({"description": described[column]} if described[column] else {})}
        for column in charts.payload_columns(payload)
    ]


def _resource(table: ReleaseTable) -> dict:
    payload = table.payload
    measure = registry.MEASURES[table.measure]
    definition = registry.table(table.measure, table.table)
    return data_resource(
        name=f"{table.measure}-{table.table}-{table.period}".lower(),
        path=table_csv_path(table),
        title=f"{measure.title}: {definition.title.lower()}, {registry.period_label(table.period)}",
        fields=_fields(payload),
        description=(
            f"{measure.description} Tier {payload['tier']}: "
            f"{registry.TIER_DESCRIPTIONS[payload['tier']]}"
        ),
        unit=measure.unit,
        notes=payload.get("notes") or (),
        sha256=hashlib.sha256(charts.payload_csv(payload)).hexdigest(),
    )


def release_resources(release: Release) -> list[dict]:
    """Every table of a published release as a data resource. A published release never
    changes, so these are kept until the next publication like every public figure."""
    return selectors.published_cached(
        f"datapackage:{release.slug}",
        lambda: [_resource(table) for table in release.tables.all()],
    )


def release_datapackage(release: Release, *, homepage: str) -> dict:
    """The Frictionless Data Package descriptor of a published release."""
    period = registry.period_label(release.period)
    revision = f", revision {release.version}" if release.version > 1 else ""
    return datapackage(
        name=f"anpr-statistics-{release.slug}",
        title=f"How the police use ANPR data: {period}{revision}",
        version=str(release.version),
        description=(
            "Monthly statistics on how the Metropolitan Police use ANPR data from TfL cameras, "
            f"as published in release {release.slug} (version {release.version} of the "
            f"figures for {period}). {release.notes or 'First release for this month.'} "
            "Figures are protected by disclosure control; see the methodology."
        ),
        created=release.published_at.isoformat(),
        homepage=homepage,
        resources=release_resources(release),
        properties={
            "contributors": [{"title": PUBLISHER, "role": "publisher"}],
            # The hashes the release's manifest and the public hash chain vouch for.
            "release": {
                "slug": release.slug,
                "period": release.period,
                "version": release.version,
                "content_sha256": release.content_sha256,
                "manifest_sha256": release.manifest_sha256,
            },
        },
    )
