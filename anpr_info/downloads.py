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


# What each column of an ANPR CSV holds; `value` and `flag` are described by the shared helper.
COLUMNS = {
    "measure": "The measure's code (see the methodology)",
    "table": "The table's code within the measure",
    "breakdown": "The breakdown's code",
    "period": "The month (YYYY-MM), quarter (YYYY-Qn) or year (YYYY) the figure covers",
    "x": "Where the figure sits on the chart's axis: the day, or the first day of the period",
    "series": "The category's code (for a breakdown by area, the borough's GSS code)",
    "series_label": "The category's name",
}


def _fields(payload: dict) -> list[dict]:
    dims = payload["row_dimensions"] + payload["column_dimensions"]
    described = dict(COLUMNS)
    for dim in dims:
        label = "Day" if dim == "date" else registry.DIMENSIONS[dim].label
        described[dim] = f"{label}: code (\u201c{TOTAL}\u201d for the total)"
        described[f"{dim}_label"] = f"{label}: name"
    return _described(charts.payload_columns(payload), described)


def _described(columns: list[str], descriptions: dict[str, str]) -> list[dict]:
    """Table Schema fields with their descriptions."""
    return [
        {
            "name": column,
            **({"description": descriptions[column]} if descriptions.get(column) else {}),
        }
        for column in columns
    ]


def _about(measure: registry.Measure, tier: str) -> str:
    return f"{measure.description} Tier {tier}: {registry.TIER_DESCRIPTIONS[tier]}"


def _resource(table: ReleaseTable) -> dict:
    payload = table.payload
    measure = registry.MEASURES[table.measure]
    definition = registry.table(table.measure, table.table)
    return data_resource(
        name=f"{table.measure}-{table.table}-{table.period}".lower(),
        path=table_csv_path(table),
        title=f"{measure.title}: {definition.title.lower()}, {registry.period_label(table.period)}",
        fields=_fields(payload),
        description=_about(measure, payload["tier"]),
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


def _as_of(state: dict) -> tuple[dict, str]:
    """({slug, manifest_sha256} of the release a chart's figures stand as of, when published)."""
    release = state["as_of"] or state["latest"]
    if release is None:
        return {}, ""
    if isinstance(release, Release):
        return (
            {"slug": release.slug, "manifest_sha256": release.manifest_sha256},
            release.published_at.isoformat(),
        )
    return (
        {"slug": charts.release_slug(release), "manifest_sha256": release["manifest_sha256"]},
        release["published_at"].isoformat(),
    )


def chart_datapackage(state: dict, data: dict, csv: bytes, *, homepage: str) -> dict:
    """The Frictionless Data Package beside one chart's CSV (`csv`, as served): the figures of
    one measure and breakdown, as of the release named in it."""
    measure, breakdown = state["measure"], state["breakdown"]
    release, published = _as_of(state)
    title = charts.chart_title(state, data)
    name = f"anpr-{measure.code}-{breakdown.code}".lower().replace("+", "-and-").replace("_", "-")
    return datapackage(
        name=name,
        title=title,
        version=release.get("slug", ""),
        description=(
            "Statistics on how the Metropolitan Police use ANPR data from TfL cameras: "
            f"{title}, as published up to release {release.get('slug', '(none yet)')}."
        ),
        created=published,
        homepage=homepage,
        resources=[
            data_resource(
                name=name,
                path=f"data.csv?{charts.state_query(state)}",
                title=title,
                fields=_described(charts.RECORD_COLUMNS, COLUMNS),
                description=_about(measure, measure.tier),
                unit=measure.unit,
                sha256=hashlib.sha256(csv).hexdigest(),
            )
        ],
        properties={
            "contributors": [{"title": PUBLISHER, "role": "publisher"}],
            "release": release,
        },
    )
