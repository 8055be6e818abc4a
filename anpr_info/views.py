"""Public pages of the ANPR transparency module: dashboard, charts, methodology, releases, feed.

Everything here reads published releases only, through selectors, and caches by publication."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_GET

from anpr_info import cache as anpr_cache
from anpr_info import charts, registry, selectors
from anpr_info.services.releases import PAGE_CACHE_NAMESPACE
from talklondon.page_cache import cache_anonymous_page

VERIFY_SCRIPT = Path(__file__).parent / "verify" / "anpr_verify.py"


def _measure_cards() -> list[dict]:
    cards = []
    for measure in registry.MEASURES.values():
        options = selectors.breakdowns(measure)
        cards.append(
            {
                "measure": measure,
                "breakdowns": options,
                "default": options[0],
            }
        )
    return cards


@require_GET
@cache_anonymous_page(PAGE_CACHE_NAMESPACE, params=())
def dashboard(request: HttpRequest) -> HttpResponse:
    context = anpr_cache.cached(
        "dashboard",
        lambda: {
            "ratios": selectors.headline_ratios(),
            "latest": selectors.releases_published()
            .values("period", "version", "published_at")
            .first(),
        },
    )
    context["cards"] = _measure_cards()
    context["upcoming"] = list(selectors.releases_upcoming()[:3])
    return render(request, "anpr_info/dashboard.html", context)


def _state_or_404(code: str, request: HttpRequest) -> dict:
    state = charts.chart_state(code, request.GET)
    if not state:
        raise Http404
    return state


@require_GET
@cache_anonymous_page(PAGE_CACHE_NAMESPACE, params=("breakdown", "period"))
def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    data = charts.chart_data(state)
    title = charts.chart_title(state, data)
    query = charts.state_query(state)
    base = settings.SITE_URL
    page_url = reverse("anpr_info:measure", args=[code])
    svg_url = reverse("anpr_info:chart_svg", args=[code])
    svg = ""
    if any(r["value"] is not None for r in data["records"]):
        svg = charts.svg_for_inline(
            charts.chart_svg(state),
            title=title,
            description="The figures are in the table after the chart.",
        )
    embed = (
        f'<a href="{base}{page_url}?{query}"><img src="{base}{svg_url}?{query}" '
        f'alt="{title}. Figures and downloads on Talk London." width="640"></a>'
    )
    context = {
        "state": state,
        "measure": state["measure"],
        "breakdown": state["breakdown"],
        "breakdowns": selectors.breakdowns(state["measure"]),
        "data": data,
        "title": title,
        "svg": svg,
        "query": query,
        "permalink": f"{base}{page_url}?{query}",
        "embed": embed,
        "tier_description": registry.TIER_DESCRIPTIONS[state["measure"].tier],
        "has_sensitive": state["measure"].has_sensitive,
        "period_options": [(p, registry.period_label(p)) for p in reversed(data["periods"])],
    }
    return render(request, "anpr_info/measure.html", context)


@require_GET
def chart_spec(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    data = charts.chart_data(state)
    body = {
        "spec": charts.chart_spec(state, data),
        "title": charts.chart_title(state, data),
        "query": charts.state_query(state),
        "records": data["records"],
    }
    return HttpResponse(json.dumps(body), content_type="application/json")


@require_GET
def chart_svg(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    response = HttpResponse(charts.chart_svg(state), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="{code}-{state["breakdown"].code}.svg"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def chart_png(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    response = HttpResponse(charts.chart_png(state), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{code}-{state["breakdown"].code}.png"'
    return response


@require_GET
def chart_csv(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    response = HttpResponse(
        charts.records_csv(state, charts.chart_data(state)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{code}-{state["breakdown"].code}.csv"'
    return response


@require_GET
def chart_json(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    response = HttpResponse(
        charts.records_json(state, charts.chart_data(state)), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{code}-{state["breakdown"].code}.json"'
    )
    return response


@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    context = {
        "measures": list(registry.MEASURES.values()),
        "dimensions": list(registry.DIMENSIONS.values()),
        "datasets": list(registry.DATASETS.values()),
        "tiers": registry.TIER_DESCRIPTIONS,
        "upcoming": list(selectors.releases_upcoming()[:12]),
        "chain_length": selectors.releases_published().count(),
    }
    return render(request, "anpr_info/methodology.html", context)


@require_GET
def verify_script(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(VERIFY_SCRIPT.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="anpr_verify.py"'
    return response


@require_GET
@cache_anonymous_page(PAGE_CACHE_NAMESPACE, params=())
def release_list(request: HttpRequest) -> HttpResponse:
    releases = list(selectors.releases_published())
    return render(
        request,
        "anpr_info/release_list.html",
        {"releases": releases, "upcoming": list(selectors.releases_upcoming())},
    )


@require_GET
def release_detail(request: HttpRequest, slug: str) -> HttpResponse:
    release = selectors.release_published_get(slug)
    tables = []
    for table in release.tables.all():
        measure = registry.MEASURES[table.measure]
        tables.append(
            {
                "table": table,
                "measure": measure,
                "definition": registry.table(table.measure, table.table),
                "period_label": registry.period_label(table.period),
            }
        )
    context = {
        "release": release,
        "tables": tables,
        "diffs": selectors.release_diffs(release),
        "period_label": registry.period_label(release.period),
    }
    return render(request, "anpr_info/release_detail.html", context)


@require_GET
def release_table(
    request: HttpRequest, slug: str, measure: str, table: str, period: str
) -> HttpResponse:
    release = selectors.release_published_get(slug)
    found = selectors.release_table_get(release, measure, table, period)
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            charts.payload_csv(found.payload), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{slug}-{measure}-{table}-{period}.csv"'
        )
        return response
    payload = found.payload
    row_dims, col_dims = payload["row_dimensions"], payload["column_dimensions"]
    columns = []
    rows: dict[tuple, dict] = {}
    for row, col, value, flag in payload["cells"]:
        key = tuple(row)
        col_key = tuple(col)
        if col_key not in columns:
            columns.append(col_key)
        rows.setdefault(key, {})[col_key] = f"[{flag}]" if value is None else f"{value:,}"
    header = [
        ", ".join(selectors.value_label(d, v) for d, v in zip(col_dims, c, strict=False)) or "Value"
        for c in columns
    ]
    body = [
        {
            "label": ", ".join(
                selectors.value_label(d, v) for d, v in zip(row_dims, r, strict=False)
            ),
            "cells": [cells.get(c, "") for c in columns],
        }
        for r, cells in rows.items()
    ]
    context = {
        "release": release,
        "table": found,
        "measure": registry.MEASURES[measure],
        "definition": registry.table(measure, table),
        "header": header,
        "rows": body,
        "row_heading": ", ".join(
            registry.DIMENSIONS[d].label if d != "date" else "Day" for d in row_dims
        ),
        "period_label": registry.period_label(period),
    }
    return render(request, "anpr_info/release_table.html", context)


class ReleaseFeed(Feed):
    """Atom feed of published releases."""

    feed_type = Atom1Feed
    title = "ANPR transparency statistics: releases"
    subtitle = "Monthly statistics on how the Metropolitan Police use ANPR data from TfL cameras."

    def link(self):
        return reverse("anpr_info:release_list")

    def items(self):
        return list(selectors.releases_published()[:50])

    def item_title(self, item):
        label = registry.period_label(item.period)
        return f"ANPR statistics for {label}" + (
            f" (revision {item.version})" if item.version > 1 else ""
        )

    def item_description(self, item):
        text = f"Published {item.published_at:%d %B %Y %H:%M}. Manifest SHA-256 {item.manifest_sha256}."
        if item.notes:
            text += f" Changes: {item.notes}"
        return text

    def item_link(self, item):
        return reverse("anpr_info:release_detail", args=[item.slug])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_guid(self, item):
        return f"{settings.SITE_URL}/anpr/releases/{item.slug}/#{item.manifest_sha256}"
