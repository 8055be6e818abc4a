"""Reads of the ANPR module. Public selectors only ever look at published releases."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from anpr_info import registry
from anpr_info.models import (
    ApiKey,
    Observation,
    QuarantinedBatch,
    Release,
    ReleaseTable,
    Source,
    Submission,
)
from talklondon import disclosure
from talklondon.cache import namespace_cached

TOTAL = registry.TOTAL
# ASCII digits, at most 6 (str.isdigit() is also true of "²", which int() cannot read).
RELEASE_VERSION_RE = re.compile(r"^[1-9][0-9]{0,5}\Z")


# Published figures, charts and API answers are cached until the next publication, which bumps
# this namespace (talklondon/cache.py): nothing stale survives a release, and nothing
# unpublished is ever cached, since only published data is read.
PUBLISHED_NAMESPACE = "anpr-published"


def published_cached(key: str, build: Callable[[], Any]) -> Any:
    """`build()`, kept in the shared cache until the next publication (at most
    ANPR_CACHE_SECONDS)."""
    return namespace_cached(PUBLISHED_NAMESPACE, key, build, timeout=settings.ANPR_CACHE_SECONDS)


# --- Releases ---------------------------------------------------------------------------------


def releases_published() -> QuerySet[Release]:
    return Release.objects.filter(status=Release.Status.PUBLISHED).order_by("-sequence")


def release_published_get(slug: str) -> Release:
    """A published release by slug ("2025-03-v1"); anything else is not found."""
    period, _, version = slug.rpartition("-v")
    if not RELEASE_VERSION_RE.match(version):
        raise Http404
    release = (
        Release.objects.filter(period=period, version=int(version), status=Release.Status.PUBLISHED)
        .prefetch_related("tables")
        .first()
    )
    if release is None:
        raise Http404
    return release


def release_latest_summary() -> dict | None:
    """The release published last (a revision, perhaps): what "as of now" means, and when the
    published figures last changed. Cached until the next publication."""
    return (
        published_cached(
            "latest-release",
            lambda: releases_published()
            .values("period", "version", "sequence", "published_at", "manifest_sha256")
            .first()
            or {},
        )
        or None
    )


def releases_upcoming() -> QuerySet[Release]:
    """The public calendar: announced dates only, never content."""
    return Release.objects.exclude(status=Release.Status.PUBLISHED).order_by("announced_at")


def release_table_get(release: Release, measure: str, table: str, period: str) -> ReleaseTable:
    found = release.tables.filter(measure=measure, table=table, period=period).first()
    if found is None:
        raise Http404
    return found


def _payload_cells(payload: dict) -> dict:
    return {
        (tuple(row), tuple(col)): disclosure.Published(value, flag)
        for row, col, value, flag in payload["cells"]
    }


def release_diffs(release: Release) -> list[dict]:
    """For each table of a release, what changed from the previous published version of the
    same table and period (a revision), or nothing if it is the first."""
    result = []
    for table in release.tables.all():
        previous = (
            ReleaseTable.objects.filter(
                measure=table.measure,
                table=table.table,
                period=table.period,
                release__status=Release.Status.PUBLISHED,
                release__sequence__lt=release.sequence or 10**9,
            )
            .select_related("release")
            .order_by("-release__sequence")
            .first()
        )
        if previous is None:
            continue
        changes = disclosure.diff_cells(
            _payload_cells(previous.payload), _payload_cells(table.payload)
        )
        result.append(
            {
                "table": table,
                "title": table_title(table),
                "previous": previous.release,
                "changes": [
                    {"cell": cell_label(table.payload, key), "before": before, "after": after}
                    for key, before, after in changes
                ],
            }
        )
    return result


@dataclass
class RevisionChanges:
    """How a revision differs from the published figures of its period, cell by cell."""

    published: Release  # the latest published version of the same period
    diffs: list[dict]  # release_diffs(): per table with a published predecessor
    new_tables: list[str]  # tables the published version did not have, in words
    dropped_tables: list[str]  # published tables this revision no longer has

    @property
    def changed(self) -> bool:
        return bool(self.new_tables or self.dropped_tables or any(d["changes"] for d in self.diffs))

    @property
    def changed_cells(self) -> int:
        return sum(len(d["changes"]) for d in self.diffs)


def table_title(table: ReleaseTable) -> str:
    """A release table in words: "Hits: by area and category, 2025-03"."""
    measure = registry.MEASURES[table.measure]
    definition = registry.table(table.measure, table.table)
    return f"{measure.title}: {definition.title[:1].lower()}{definition.title[1:]}, {table.period}"


def release_revision_changes(release: Release) -> RevisionChanges | None:
    """What a revision changes from the version of its period published before it (for a
    published revision, the one it replaced); None for a first release."""
    earlier = Release.objects.filter(period=release.period, status=Release.Status.PUBLISHED)
    if release.sequence is not None:
        earlier = earlier.filter(sequence__lt=release.sequence)
    published = earlier.order_by("-sequence").first()
    if published is None:
        return None
    diffs = release_diffs(release)
    compared = {d["table"].pk for d in diffs}
    tables = list(release.tables.all())
    now = {(t.measure, t.table, t.period) for t in tables}
    return RevisionChanges(
        published=published,
        diffs=diffs,
        new_tables=[table_title(t) for t in tables if t.pk not in compared],
        dropped_tables=sorted(
            f"{measure} {table} {period}"
            for measure, table, period in published.tables.values_list("measure", "table", "period")
            if (measure, table, period) not in now
        ),
    )


def cell_label(payload: dict, key) -> str:
    row, col = key
    parts = []
    for dim, value in zip(payload["row_dimensions"], row, strict=False):
        parts.append(value_label(dim, value))
    for dim, value in zip(payload["column_dimensions"], col, strict=False):
        parts.append(value_label(dim, value))
    return ", ".join(parts) or "Total"


def value_label(dim: str, value: str) -> str:
    if dim == "date":
        return "All days" if value == TOTAL else value
    return registry.DIMENSIONS[dim].label_for(value)


def chain_manifests() -> list[dict]:
    return list(
        Release.objects.filter(status=Release.Status.PUBLISHED)
        .order_by("sequence")
        .values_list("manifest", flat=True)
    )


def chain_check() -> list[str]:
    """Verify the whole published chain against the stored tables."""
    from talklondon.hashchain import chain_verify

    payloads = {
        (t.release.slug, t.measure, t.table, t.period): t.payload
        for t in ReleaseTable.objects.filter(
            release__status=Release.Status.PUBLISHED
        ).select_related("release")
    }
    return chain_verify(
        chain_manifests(),
        lambda manifest, entry: payloads.get(
            (manifest["release"], entry["measure"], entry["table"], entry["period"]), {}
        ),
    )


# --- Observations and charts ------------------------------------------------------------------


def observations_latest(
    *,
    measure: str | None = None,
    table: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    dims: dict[str, str] | None = None,
    release: Release | None = None,
) -> QuerySet[Observation]:
    """Published figures: the latest version of each, or those of one published release."""
    if release is not None:
        qs = Observation.objects.filter(release=release, release__status=Release.Status.PUBLISHED)
    else:
        qs = Observation.objects.filter(is_latest=True, release__status=Release.Status.PUBLISHED)
    if measure:
        qs = qs.filter(measure=measure)
    if table:
        qs = qs.filter(table=table)
    if period_from:
        qs = qs.filter(period__gte=period_from)
    if period_to:
        qs = qs.filter(period__lte=period_to)
    for dim, value in (dims or {}).items():
        qs = qs.filter(**{f"dims__{dim}": value})
    return qs.select_related("release").order_by("measure", "table", "period", "pk")


@dataclass(frozen=True)
class Breakdown:
    code: str
    label: str
    table: str
    kind: str  # "total", "rows", "columns", "day", "annual"


def breakdowns(measure: registry.Measure) -> list[Breakdown]:
    """The charts a measure offers, derived from its tables (no free-form table builder)."""
    result: list[Breakdown] = []
    first = measure.tables[0]
    if first.additive and measure.code != "reads":
        result.append(Breakdown("total", "Total", first.code, "total"))
    if measure.code == "reads":
        result.append(Breakdown("total", "Total", first.code, "total"))
        result.append(Breakdown("day", "By day", first.code, "day"))
    seen = {b.code for b in result}
    for table in measure.tables:
        for dims, kind in ((table.rows, "rows"), (table.columns, "columns")):
            if not dims or "date" in dims:
                continue
            code = "+".join(dims)
            if code in seen:
                continue
            seen.add(code)
            label = " and ".join(registry.DIMENSIONS[d].label.lower() for d in dims)
            result.append(Breakdown(code, f"By {label}", table.code, kind))
    if measure.has_sensitive:
        result.append(
            Breakdown("annual", "Annual, sensitive categories", registry.ANNUAL_TABLE, "annual")
        )
    return result


def breakdown_get(measure: registry.Measure, code: str | None) -> Breakdown:
    options = breakdowns(measure)
    for option in options:
        if option.code == code:
            return option
    return options[0]


def _published_observations(
    measure: str, table: str, as_of: Release | None
) -> QuerySet[Observation]:
    """A table's published figures: the latest version of each period, or, `as_of` a release,
    the version of each period that was current just after that release was published."""
    qs = Observation.objects.filter(
        measure=measure, table=table, release__status=Release.Status.PUBLISHED
    )
    if as_of is None:
        return qs.filter(is_latest=True)
    return qs.filter(release__sequence__lte=as_of.sequence)


def periods_published(measure: str, table: str, as_of: Release | None = None) -> list[str]:
    # order_by() drops the model's default ordering, whose pk would defeat distinct().
    return sorted(
        _published_observations(measure, table, as_of)
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )


def period_start(period: str) -> str:
    return registry.period_bounds(period)[0].isoformat()


def _totals_filter(kind: str, table_def: registry.Table) -> dict:
    """Narrow the query to the cells a breakdown reads (the loop below still decides), so a
    daily table's thousands of cells are not loaded to draw its monthly total."""
    totals = {
        "total": table_def.rows + table_def.columns,
        "rows": table_def.columns,
        "columns": table_def.rows,
        "day": table_def.columns,
    }.get(kind, ())
    lookups = {f"dims__{d}": TOTAL for d in totals if d != "date"}
    if "date" in table_def.rows and kind in ("total", "rows", "columns"):
        lookups["date__isnull"] = True
    return lookups


def _sorts_by_value(dims: tuple[str, ...]) -> bool:
    return all(d != "date" and not registry.DIMENSIONS[d].ordered for d in dims)


def chart_records(
    measure: registry.Measure,
    breakdown: Breakdown,
    period: str | None,
    as_of: Release | None = None,
) -> dict:
    """A breakdown's table: exactly the figures the page, its chart, every download, the embed
    and the API show for it. Nothing else computes them, so they cannot disagree.

    Records: {"period", "x", "series", "series_label", "value", "display"}; value is None for
    [x], [c] and [z] cells, which the chart leaves out and the table shows. `as_of` a published
    release gives the figures as they stood when it was published (a permalink's view)."""
    table_def = registry.table(measure.code, breakdown.table)
    periods = periods_published(measure.code, breakdown.table, as_of)
    single = (
        breakdown.code == "area" or breakdown.kind == "annual" or bool(period)
    ) and breakdown.kind != "day"
    if single or (breakdown.kind == "day" and period):
        period = period if period in periods else (periods[-1] if periods else None)
        wanted = [period] if period else []
    else:
        wanted = periods
    rows = _published_observations(measure.code, breakdown.table, as_of).filter(
        period__in=wanted, **_totals_filter(breakdown.kind, table_def)
    )
    observations = list(
        rows.order_by().values_list("period", "dims", "value", "flag", "date", "release__sequence")
    )
    if as_of is not None:
        # Keep, for each period, only the version from the last release up to `as_of`.
        newest: dict[str, int] = {}
        for obs in observations:
            newest[obs[0]] = max(newest.get(obs[0], 0), obs[5])
        observations = [obs for obs in observations if obs[5] == newest[obs[0]]]
    rows_dims, col_dims = table_def.rows, table_def.columns
    records = []
    day_totals: dict[str, list] = defaultdict(lambda: [0, ""])
    for obs_period, dims, value, flag, date, _sequence in observations:
        row_vals = tuple(dims.get(d) for d in rows_dims)
        col_vals = tuple(dims.get(d) for d in col_dims)
        row_total = all(v == TOTAL for v in row_vals)
        col_total = (not col_dims) or all(v == TOTAL for v in col_vals)
        if breakdown.kind == "total":
            if row_total and col_total:
                records.append(_record(obs_period, "total", "Total", value, flag))
        elif breakdown.kind == "day":
            if date and col_total and rows_dims[1:] and row_vals[1] != TOTAL:
                entry = day_totals[date.isoformat()]
                if value is None:
                    entry[1] = disclosure.CONFIDENTIAL
                else:
                    entry[0] += value
        elif breakdown.kind == "rows":
            if not row_total and col_total:
                code = "+".join(row_vals)
                label = ", ".join(
                    value_label(d, v) for d, v in zip(rows_dims, row_vals, strict=True)
                )
                records.append(_record(obs_period, code, label, value, flag))
        elif breakdown.kind == "columns":
            if row_total and not col_total:
                code = "+".join(col_vals)
                label = ", ".join(
                    value_label(d, v) for d, v in zip(col_dims, col_vals, strict=True)
                )
                records.append(_record(obs_period, code, label, value, flag))
        elif breakdown.kind == "annual":
            code = row_vals[0]
            records.append(_record(obs_period, code, value_label(rows_dims[0], code), value, flag))
    if breakdown.kind == "day":
        for date, (value, flag) in sorted(day_totals.items()):
            records.append(
                {
                    "period": date[:7],
                    "x": date,
                    "series": "total",
                    "series_label": "Total",
                    "value": None if flag else value,
                    "display": f"[{flag}]" if flag else f"{value:,}",
                }
            )
    order = {
        v.code: i
        for d in rows_dims + col_dims
        if d != "date"
        for i, v in enumerate(registry.DIMENSIONS[d].values)
    }
    records.sort(key=lambda r: (r["x"], order.get(r["series"].split("+")[0], 0), r["series"]))
    shown = {"rows": rows_dims, "columns": col_dims, "annual": rows_dims[:1]}.get(breakdown.kind)
    if single and shown and _sorts_by_value(shown):
        # Order has no meaning here: largest first, hidden figures last (stable for ties).
        records.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0)))
    return {
        "records": records,
        "single_period": single,
        "period": period if (single or breakdown.kind == "day") else None,
        "periods": periods,
        "x_type": "temporal" if not single else "nominal",
    }


def _record(period: str, code: str, label: str, value, flag) -> dict:
    return {
        "period": period,
        "x": period_start(period) if registry.period_grain(period) != "year" else period,
        "series": code,
        "series_label": label,
        "value": value,
        "display": f"[{flag}]" if value is None else f"{value:,}",
    }


def headline_ratios() -> dict | None:
    """Hits per million reads, searches per million stored reads and the share of records
    deleted on time, for the latest month with all three published."""
    totals: dict[tuple[str, str], int] = {}
    rows = Observation.objects.filter(
        is_latest=True,
        release__status=Release.Status.PUBLISHED,
        measure__in=["reads", "hits", "searches", "retention_deleted"],
        table__in=[
            "daily_by_owner_zone",
            "by_area_category",
            "by_purpose_age_authorisation",
            "by_status",
        ],
    ).values_list("measure", "table", "period", "dims", "value")
    status: dict[tuple[str, str], int] = {}
    for measure, table, period, dims, value in rows:
        if value is None:
            continue
        if table == "by_status":
            status[(period, dims.get("status"))] = value
        elif all(v == TOTAL for k, v in dims.items() if k != "date") and (
            measure != "reads" or dims.get("date") == TOTAL
        ):
            totals[(measure, period)] = value
    months = sorted({p for (m, p) in totals if m == "reads"}, reverse=True)
    for month in months:
        hits = totals.get(("hits", month))
        searches = totals.get(("searches", month))
        due, deleted = status.get((month, "due")), status.get((month, "deleted_on_time"))
        if hits is None or searches is None or not due or deleted is None:
            continue
        year_back = [p for p in months if p <= month and p > _months_before(month, 12)]
        stored = sum(totals[("reads", p)] for p in year_back)
        reads = totals[("reads", month)]
        return {
            "period": month,
            "period_label": registry.period_label(month),
            "hits_per_million_reads": round(hits / reads * 1_000_000, 1) if reads else None,
            "searches_per_million_stored_reads": round(searches / stored * 1_000_000, 2)
            if stored
            else None,
            "stored_months": len(year_back),
            "share_deleted_on_time": round(deleted / due * 100, 4),
        }
    return None


def _months_before(month: str, count: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- Staff ------------------------------------------------------------------------------------


def sources_with_keys() -> QuerySet[Source]:
    return Source.objects.prefetch_related("keys").order_by("name")


def submissions_recent(limit: int = 50) -> QuerySet[Submission]:
    return Submission.objects.select_related("source", "uploaded_by").defer("aggregates")[:limit]


def quarantine_list(limit: int = 50) -> QuerySet[QuarantinedBatch]:
    return QuarantinedBatch.objects.select_related("source", "reviewed_by")[:limit]


def releases_calendar() -> QuerySet[Release]:
    return Release.objects.select_related("prepared_by", "approved_by").order_by("-announced_at")


def release_staff_get(pk: int) -> Release:
    release = (
        Release.objects.select_related("prepared_by", "approved_by", "created_by")
        .prefetch_related("tables")
        .filter(pk=pk)
        .first()
    )
    if release is None:
        raise Http404
    return release


def now() -> dt.datetime:
    return timezone.now()


# --- Objects by id, for the staff routes that take one -----------------------------------------
# Statistics publishers (the staff guard) may reach every source, key and quarantined batch.


def source_for_staff(*, source_id: int) -> Source | None:
    return Source.objects.filter(pk=source_id).first()


def api_key_for_staff(*, key_id: int) -> ApiKey | None:
    return ApiKey.objects.select_related("source").filter(pk=key_id).first()


def quarantined_batch_for_staff(*, batch_id: int) -> QuarantinedBatch | None:
    return QuarantinedBatch.objects.filter(pk=batch_id).first()
