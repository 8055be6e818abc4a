"""Releases: announce on the calendar, prepare the protected tables, approve (two-person rule),
embargo, publish at the announced time, and chain every manifest to the one before."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from anpr_info import registry
from anpr_info.models import Observation, Release, ReleaseTable, Submission
from anpr_info.selectors import PUBLISHED_NAMESPACE
from talklondon import disclosure
from talklondon.cache import namespace_bump
from talklondon.hashchain import GENESIS, manifest_sha256, sha256_of
from talklondon.models import User
from talklondon.page_cache import page_cache_invalidate
from talklondon.permissions import can_manage_releases

Key = disclosure.Key

# Public pages and API lists cached for anonymous visitors (talklondon.page_cache).
PAGE_CACHE_NAMESPACE = "anpr"


def _check(actor: User) -> None:
    if not can_manage_releases(actor):
        raise PermissionDenied("Only Statistics publishers manage ANPR releases.")


def _locked(release: Release) -> Release:
    return Release.objects.select_for_update().get(pk=release.pk)


# --- Calendar ---------------------------------------------------------------------------------


@transaction.atomic
def release_announce(
    *, period: str, announced_at: dt.datetime, actor: User, notes: str = ""
) -> Release:
    """Put a release for a month on the calendar. If that month is already published this is a
    revision: a new version, which must say why in its notes."""
    _check(actor)
    if not registry.period_valid(period, "month"):
        raise ValidationError({"period": "Enter a month as YYYY-MM, for example 2025-03."})
    month_end = registry.period_bounds(period)[1]
    if timezone.localtime(announced_at).date() <= month_end:
        raise ValidationError({"announced_at": "Announce a time after the end of the month."})
    if Release.objects.filter(period=period).exclude(status=Release.Status.PUBLISHED).exists():
        raise ValidationError({"period": "A release for this month is already on the calendar."})
    latest = Release.objects.filter(period=period).order_by("-version").first()
    if latest is not None and not notes.strip():
        raise ValidationError(
            {
                "notes": f"{registry.period_label(period)} is already published: explain the revision."
            }
        )
    release = Release.objects.create(
        period=period,
        version=(latest.version + 1) if latest else 1,
        announced_at=announced_at,
        notes=notes.strip(),
        created_by=actor,
    )
    page_cache_invalidate(PAGE_CACHE_NAMESPACE)  # the dashboard lists upcoming releases
    return release


@transaction.atomic
def release_reschedule(*, release: Release, announced_at: dt.datetime, actor: User) -> Release:
    """Move an unpublished release to another time (the calendar shows the change)."""
    _check(actor)
    release = _locked(release)
    if release.is_published:
        raise ValidationError("A published release cannot be moved.")
    release.announced_at = announced_at
    release.save(update_fields=["announced_at"])
    page_cache_invalidate(PAGE_CACHE_NAMESPACE)
    return release


# --- Building the tables ----------------------------------------------------------------------


def _latest_submissions(dataset: str, period: str) -> list[Submission]:
    """The latest revision from each source for one dataset and period."""
    latest: dict[int, Submission] = {}
    for sub in Submission.objects.filter(dataset=dataset, period=period).order_by("revision"):
        latest[sub.source_id] = sub
    return list(latest.values())


def _cells(measure: registry.Measure, table: registry.Table, subs: list[Submission]) -> dict:
    cells: dict[Key, int] = defaultdict(int)
    for sub in subs:
        for row, col, value in sub.aggregates.get(f"{measure.code}/{table.code}", []):
            cells[(tuple(row), tuple(col))] += value
    return cells


def _combinations(dims: tuple[str, ...], period: str) -> list[tuple[str, ...]]:
    if not dims:
        return [()]
    combos: list[tuple[str, ...]] = [()]
    for dim in dims:
        if dim == "date":
            first, last = registry.period_bounds(period)
            values = [
                (first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)
            ]
        else:
            values = list(registry.DIMENSIONS[dim].codes)
        combos = [c + (v,) for c in combos for v in values]
    return combos


def _flagged(combos, dims, attribute: str) -> set:
    flagged = set()
    for combo in combos:
        for dim, value in zip(dims, combo, strict=True):
            if dim == "date":
                continue
            v = registry.DIMENSIONS[dim].value(value)
            if v is not None and getattr(v, attribute):
                flagged.add(combo)
    return flagged


def table_payload(
    measure: registry.Measure,
    table: registry.Table,
    period: str,
    protected: disclosure.ProtectedTable,
) -> dict:
    """The canonical content of a published table (what the hash covers)."""
    cells = [
        [list(row), list(col), p.value, p.flag] for (row, col), p in sorted(protected.cells.items())
    ]
    return {
        "measure": measure.code,
        "table": table.code,
        "period": period,
        "tier": "C" if table.code == registry.ANNUAL_TABLE else measure.tier,
        "unit": measure.unit,
        "row_dimensions": list(table.rows),
        "column_dimensions": list(table.columns),
        "cells": cells,
        "notes": protected.notes,
    }


def _previous_suppressed(measure: str, table: str, period: str) -> set[Key]:
    previous = (
        ReleaseTable.objects.filter(
            measure=measure, table=table, period=period, release__status=Release.Status.PUBLISHED
        )
        .order_by("-release__sequence")
        .first()
    )
    if previous is None:
        return set()
    return {(tuple(r), tuple(c)) for r, c in previous.suppressed}


def _earlier_versions(
    measure: registry.Measure, table_code: str, period: str, true_of
) -> list[tuple[dict, dict]]:
    """Each published version of a table for a period, as (published figures, true counts):
    `true_of(submissions)` counts again from the returns that version was made from."""
    versions = []
    for old in (
        ReleaseTable.objects.filter(
            measure=measure.code,
            table=table_code,
            period=period,
            release__status=Release.Status.PUBLISHED,
        )
        .select_related("release")
        .order_by("release__sequence")
    ):
        true = true_of(list(old.release.submissions.filter(dataset=measure.dataset)))
        figures = {(tuple(r), tuple(c)): value for r, c, value, _flag in old.payload["cells"]}
        versions.append((figures, true))
    return versions


def _protect_measure(measure: registry.Measure, period: str, subs: list[Submission]):
    specs = _specs(measure, period, subs)
    earlier = []
    for table, spec in zip(measure.tables, specs, strict=True):
        if measure.tier != "B":
            earlier.append([])
            continue

        def true_of(recorded, table=table, spec=spec):
            found = [s for s in recorded if s.period == period]
            return disclosure.published_grid(
                {**spec, "values": _cells(measure, table, found)}
            ).values

        earlier.append(_earlier_versions(measure, table.code, period, true_of))
    results = disclosure.protect_revision(specs, earlier, protect=partial(_protect_specs, measure))
    return list(zip(measure.tables, results, strict=True))


def _specs(measure: registry.Measure, period: str, subs: list[Submission]) -> list[dict]:
    dataset = registry.DATASETS[measure.dataset]
    specs = []
    for table in measure.tables:
        rows = _combinations(table.rows, period)
        cols = _combinations(table.columns, period)
        na_rows = set()
        if dataset.met_only_area and "area" in table.rows:
            position = table.rows.index("area")
            na_rows = {r for r in rows if r[position] == registry.CITY_OF_LONDON}
        specs.append(
            {
                "values": _cells(measure, table, subs),
                "rows": rows,
                "cols": cols,
                "tier": measure.tier,
                "rounding": measure.rounding,
                "additive": table.additive,
                "sensitive_rows": _flagged(rows, table.rows, "sensitive"),
                "sensitive_cols": _flagged(cols, table.columns, "sensitive"),
                "not_applicable_rows": na_rows,
                "forced": _previous_suppressed(measure.code, table.code, period),
            }
        )
    return specs


def _protect_specs(measure: registry.Measure, specs: list[dict]) -> list[disclosure.ProtectedTable]:
    if measure.tier == "B" and len(specs) > 1:
        # Tables with the same columns publish the same column totals: protect them together.
        shared = {
            (disclosure.total_key(len(t.rows)), c)
            for t, spec in zip(measure.tables, specs, strict=True)
            for c in spec["cols"] + [disclosure.total_key(len(t.columns))]
        }
        return disclosure.protect_linked(specs, shared=shared)
    return [disclosure.protect_table(**spec) for spec in specs]


def _year_periods(measure: registry.Measure, year: str) -> list[str]:
    """The periods of the measure's grain that make up the year."""
    if measure.grain == "quarter":
        return [f"{year}-Q{q}" for q in range(1, 5)]
    first, _last = registry.period_bounds(year)
    return [registry.month_period(first.year, m) for m in range(1, 13)]


def _annual_totals(measure: registry.Measure, year: str, subs_of) -> tuple[dict, int, set[int]]:
    """The year's London-wide count of each sensitive category, from `subs_of(period)` for
    each period of the year: (counts, periods found, submissions used)."""
    table = measure.tables[0]
    sensitive = _sensitive(table)
    totals: dict[Key, int] = defaultdict(int)
    found, used = 0, set()
    for period in _year_periods(measure, year):
        subs = subs_of(period)
        found += bool(subs)
        used |= {s.pk for s in subs}
        for (row, _col), value in _cells(measure, table, subs).items():
            for position, code in sensitive:
                if row[position] == code:
                    totals[((code,), ())] += value
    return totals, found, used


def _sensitive(table: registry.Table) -> list[tuple[int, str]]:
    """(position in the row, code) of each sensitive category of a table's rows."""
    return [
        (position, value.code)
        for position, dim in enumerate(table.rows)
        for value in registry.DIMENSIONS[dim].values
        if value.sensitive
    ]


def _annual_sensitive(
    measure: registry.Measure, year: str
) -> tuple[registry.Table, disclosure.ProtectedTable, int, set[int]] | None:
    """Tier C: the year's London-wide total of each sensitive category, and the submissions
    it counts (recorded with the release, so a revision can be compared with it)."""
    table = measure.tables[0]
    sensitive = _sensitive(table)
    if not sensitive:
        return None
    rows = [(code,) for _position, code in sensitive]
    totals, found, used = _annual_totals(
        measure, year, partial(_latest_submissions, measure.dataset)
    )
    spec = {
        "values": {(r, ()): totals.get((r, ()), 0) for r in rows},
        "rows": rows,
        "cols": [()],
        "tier": "B",
        "rounding": "base5",
        "additive": False,
        "forced": _previous_suppressed(measure.code, registry.ANNUAL_TABLE, year),
    }

    def true_of(recorded):
        by_period = defaultdict(list)
        for s in recorded:
            by_period[s.period].append(s)
        counts = _annual_totals(measure, year, lambda period: by_period.get(period, []))[0]
        return {(r, ()): counts.get((r, ()), 0) for r in rows}

    earlier = _earlier_versions(measure, registry.ANNUAL_TABLE, year, true_of)
    [protected] = disclosure.protect_revision([spec], [earlier])
    periods = len(_year_periods(measure, year))
    if found < periods:
        protected.notes.append(f"Based on {found} of {periods} periods received.")
    annual = registry.Table(
        registry.ANNUAL_TABLE, "Annual, London-wide (sensitive categories)", (table.rows[0],)
    )
    return annual, protected, found, used


def release_tables_build(release: Release) -> tuple[list[ReleaseTable], set[int], list[str]]:
    """Protected tables for everything the release covers, from the latest revisions received.
    Returns the unsaved tables, the submissions used and notes about anything missing."""
    covered = registry.periods_in_release(release.period)
    tables: list[ReleaseTable] = []
    used: set[int] = set()
    missing: list[str] = []
    for measure in registry.MEASURES.values():
        period = covered.get(measure.period_grain)
        if period is not None:
            subs = _latest_submissions(measure.dataset, period)
            if not subs:
                missing.append(
                    f"{measure.title}: no return received for {registry.period_label(period)}."
                )
            else:
                used |= {s.pk for s in subs}
                for table, protected in _protect_measure(measure, period, subs):
                    tables.append(_release_table(release, measure, table, period, protected))
        if "year" in covered and measure.has_sensitive:
            annual = _annual_sensitive(measure, covered["year"])
            if annual and annual[2]:
                table, protected, _found, counted = annual
                used |= counted
                tables.append(_release_table(release, measure, table, covered["year"], protected))
    return tables, used, missing


def _release_table(release, measure, table, period, protected) -> ReleaseTable:
    payload = table_payload(measure, table, period, protected)
    return ReleaseTable(
        release=release,
        measure=measure.code,
        table=table.code,
        period=period,
        payload=payload,
        sha256=sha256_of(payload),
        suppressed=[[list(r), list(c)] for r, c in sorted(protected.suppressed)],
    )


@transaction.atomic
def release_prepare(*, release: Release, actor: User) -> Release:
    """Build (or rebuild) a draft's tables from the latest returns. The preparer cannot approve."""
    _check(actor)
    release = _locked(release)
    if release.status != Release.Status.DRAFT:
        raise ValidationError("Only a draft can be prepared. Return it to draft first.")
    if registry.period_bounds(release.period)[1] >= timezone.localdate():
        raise ValidationError("The month has not ended yet.")
    tables, used, missing = release_tables_build(release)
    if not tables:
        raise ValidationError("No returns have been received for this month yet.")
    release.tables.all().delete()
    ReleaseTable.objects.bulk_create(tables)
    release.submissions.set(used)
    release.prepared_by = actor
    release.prepared_at = timezone.now()
    release.content_sha256 = sha256_of(sorted(t.sha256 for t in tables))
    release.missing = missing
    release.save(update_fields=["prepared_by", "prepared_at", "content_sha256", "missing"])
    return release


@transaction.atomic
def release_approve(*, release: Release, actor: User, content_sha256: str = "") -> Release:
    """A second Statistics publisher checks and approves the prepared tables.

    The approver may not be the person who prepared the draft or uploaded any return in it.
    `content_sha256` (from the approval form) makes sure they approve what they looked at."""
    _check(actor)
    release = _locked(release)
    if release.status != Release.Status.DRAFT or release.prepared_by_id is None:
        raise ValidationError("Only a prepared draft can be approved.")
    if actor.pk == release.prepared_by_id or release.submissions.filter(uploaded_by=actor).exists():
        raise PermissionDenied(
            "Two-person rule: another Statistics publisher must approve data you prepared or uploaded."
        )
    if content_sha256 and content_sha256 != release.content_sha256:
        raise ValidationError("The tables changed since you opened them. Check them again.")
    # Imported here: the selectors module reads the models this module writes.
    from anpr_info.selectors import release_revision_changes

    changes = release_revision_changes(release)
    if changes is not None and not changes.changed:
        raise ValidationError(
            f"This revision changes no published figure from version {changes.published.version}. "
            "Prepare it again once corrected returns have arrived, or delete it."
        )
    release.status = Release.Status.APPROVED
    release.approved_by = actor
    release.approved_at = timezone.now()
    release.save(update_fields=["status", "approved_by", "approved_at"])
    return release


@transaction.atomic
def release_embargo(*, release: Release, actor: User) -> Release:
    """Lock an approved release until its announced time; beat publishes it then."""
    _check(actor)
    release = _locked(release)
    if release.status != Release.Status.APPROVED:
        raise ValidationError("Only an approved release can be put under embargo.")
    release.status = Release.Status.EMBARGOED
    release.embargoed_at = timezone.now()
    release.save(update_fields=["status", "embargoed_at"])
    return release


@transaction.atomic
def release_reopen(*, release: Release, actor: User) -> Release:
    """Take an approved or embargoed release back to draft (for example, a late correction)."""
    _check(actor)
    release = _locked(release)
    if release.status not in (Release.Status.APPROVED, Release.Status.EMBARGOED):
        raise ValidationError("Only an approved or embargoed release can go back to draft.")
    release.status = Release.Status.DRAFT
    release.approved_by = None
    release.approved_at = None
    release.embargoed_at = None
    release.save(update_fields=["status", "approved_by", "approved_at", "embargoed_at"])
    return release


# --- Publication ------------------------------------------------------------------------------


def _observations(release: Release, table: ReleaseTable) -> list[Observation]:
    payload = table.payload
    row_dims, col_dims = payload["row_dimensions"], payload["column_dimensions"]
    result = []
    for row, col, value, flag in payload["cells"]:
        dims = dict(zip(row_dims, row, strict=False)) if row_dims else {}
        dims.update(zip(col_dims, col, strict=False))
        if not row_dims and not col_dims:
            dims = {}
        date = dims.get("date")
        result.append(
            Observation(
                release=release,
                measure=table.measure,
                table=table.table,
                period=table.period,
                date=dt.date.fromisoformat(date) if date and date != registry.TOTAL else None,
                dims=dims,
                value=value,
                flag=flag,
            )
        )
    return result


@transaction.atomic
def release_publish(*, release: Release, now: dt.datetime | None = None) -> Release:
    """Publish one embargoed release whose announced time has come: chain its manifest to the
    last published one, write its observations and clear the caches. Idempotent."""
    now = now or timezone.now()
    release = _locked(release)
    if release.is_published:
        return release
    if release.status != Release.Status.EMBARGOED:
        raise ValidationError("Only an embargoed release is published.")
    if release.announced_at > now:
        raise ValidationError("This release is under embargo until its announced time.")
    previous = (
        Release.objects.select_for_update()
        .filter(status=Release.Status.PUBLISHED)
        .order_by("-sequence")
        .first()
    )
    sequence = (previous.sequence + 1) if previous else 1
    tables = list(release.tables.all())
    manifest = {
        "release": release.slug,
        "period": release.period,
        "version": release.version,
        "sequence": sequence,
        "announced_at": release.announced_at.isoformat(),
        "published_at": now.isoformat(),
        "notes": release.notes,
        "prepared_by_role": "Statistics publisher",
        "approved_by_role": "Statistics publisher (second person)",
        "tables": [
            {"measure": t.measure, "table": t.table, "period": t.period, "sha256": t.sha256}
            for t in tables
        ],
        "previous_manifest_sha256": previous.manifest_sha256 if previous else GENESIS,
    }
    release.manifest = manifest
    release.manifest_sha256 = manifest_sha256(manifest)
    release.previous = previous
    release.sequence = sequence
    release.published_at = now
    release.status = Release.Status.PUBLISHED
    release.save(
        update_fields=[
            "manifest",
            "manifest_sha256",
            "previous",
            "sequence",
            "published_at",
            "status",
        ]
    )
    for table in tables:
        Observation.objects.filter(
            measure=table.measure, table=table.table, period=table.period, is_latest=True
        ).update(is_latest=False)
    Observation.objects.bulk_create(
        [obs for table in tables for obs in _observations(release, table)], batch_size=2000
    )
    transaction.on_commit(partial(namespace_bump, [PUBLISHED_NAMESPACE]))
    # After the data cache's bump (on_commit runs callbacks in order), so that no page is
    # stored under the new page version from the old data.
    page_cache_invalidate(PAGE_CACHE_NAMESPACE)
    return release


def releases_publish_due(*, now: dt.datetime | None = None) -> list[Release]:
    """Publish, in announced order, every embargoed release whose time has come (Celery beat)."""
    now = now or timezone.now()
    published = []
    due = Release.objects.filter(status=Release.Status.EMBARGOED, announced_at__lte=now)
    for release in due.order_by("announced_at", "pk"):
        published.append(release_publish(release=release, now=now))
    return published
