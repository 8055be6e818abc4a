"""Public pages of the ANPR transparency module: dashboard, charts, methodology, releases, feed.

Everything here reads published releases only, through selectors, and caches by publication."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from anpr_info import charts, downloads, registry, selectors, tilemap
from anpr_info.services.releases import PAGE_CACHE_NAMESPACE
from talklondon.page_cache import cache_anonymous_page
from talklondon.svg import svg_for_inline

VERIFY_SCRIPT = Path(__file__).parent / "verify" / "anpr_verify.py"


def _measure_cards() -> list[dict]:
    cards = []
    for measure in registry.MEASURES.values():
        options = [
            {"breakdown": b, "query": urlencode({"breakdown": b.code})}
            for b in selectors.breakdowns(measure)
        ]
        cards.append({"measure": measure, "breakdowns": options, "default": options[0]})
    return cards


def _dashboard_figures() -> dict:
    """Headline figures, with the one period they describe and the release they come from; and
    the most recent publication, which may be a revision of an earlier month."""
    ratios = selectors.headline_ratios()
    source = None
    if ratios:
        source = (
            selectors.releases_published()
            .filter(period=ratios["period"])
            .order_by("-version")
            .values("period", "version", "published_at")
            .first()
        )
    latest = selectors.releases_published().values("period", "version", "published_at").first()
    for release in (source, latest):
        if release:
            release["slug"] = charts.release_slug(release)
            release["period_label"] = registry.period_label(release["period"])
    return {"ratios": ratios, "source": source, "latest": latest}


@require_GET
@cache_anonymous_page(PAGE_CACHE_NAMESPACE, params=())
def dashboard(request: HttpRequest) -> HttpResponse:
    context = selectors.published_cached("dashboard", _dashboard_figures)
    context["cards"] = _measure_cards()
    context["upcoming"] = list(selectors.releases_upcoming()[:3])
    return render(request, "anpr_info/dashboard.html", context)


def _state_or_404(code: str, request: HttpRequest) -> dict:
    state = charts.chart_state(code, request.GET)
    if not state:
        raise Http404
    return state


def _absolute(request: HttpRequest, name: str, code: str, query: str) -> str:
    """A public URL on the host this page was asked for (ALLOWED_HOSTS and the proxy settings
    vouch for it), so links work wherever the site is served."""
    return request.build_absolute_uri(f"{reverse(name, args=[code])}?{query}")


def _revision_banner(state: dict, data: dict) -> dict | None:
    """For a permalink to an older release: when it was published and whether the figures in
    this view have changed since."""
    as_of = state["as_of"]
    if as_of is None:
        return None
    current = charts.chart_data({**state, "as_of": None})
    changed = [r for r in current["records"] if r not in data["records"]]
    return {
        "release": as_of,
        "latest": charts.release_slug(state["latest"]),
        "changed": bool(changed) or len(current["records"]) != len(data["records"]),
    }


@require_GET
@cache_anonymous_page(PAGE_CACHE_NAMESPACE, params=("breakdown", "period", "as_of"))
def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    measure = state["measure"]
    data = charts.chart_data(state)
    title = charts.chart_title(state, data)
    query = charts.state_query(state)
    pinned = charts.state_query(state, pinned=True)
    svg = ""
    if any(r["value"] is not None for r in data["records"]):
        svg = svg_for_inline(
            charts.chart_svg(state, titled=False),
            title=title,
            description="The figures are in the table after the chart.",
        )
    permalink = _absolute(request, "anpr_info:measure", code, pinned)
    image = _absolute(request, "anpr_info:chart_svg", code, pinned)
    # Plain text (shown in a text area, escaped once more there) of valid, escaped HTML.
    embed = (
        f'<a href="{escape(permalink)}"><img src="{escape(image)}" '
        f'alt="{escape(title)}. Figures and downloads on Talk London." width="640"></a>'
    )
    latest_query = charts.state_query({**state, "as_of": None})
    area = next((b for b in selectors.breakdowns(measure) if b.code == "area"), None)
    map_svg = ""
    if area is not None and state["breakdown"].code == "area" and data["records"]:
        map_svg = tilemap.tile_map_svg(data["records"], title=title, unit=measure.unit)
    map_query = charts.state_query({**state, "breakdown": area, "period": ""}) if area else ""
    context = {
        "state": state,
        "measure": measure,
        "breakdown": state["breakdown"],
        "breakdowns": selectors.breakdowns(measure),
        "data": data,
        "title": title,
        "svg": svg,
        "query": query,
        "permalink": permalink,
        "embed": embed,
        "banner": _revision_banner(state, data),
        "latest_url": f"{reverse('anpr_info:measure', args=[code])}?{latest_query}",
        "release": state["as_of"].slug
        if state["as_of"]
        else (charts.release_slug(state["latest"]) if state["latest"] else ""),
        "map_available": area is not None,
        "map_svg": map_svg,
        "map_url": f"{reverse('anpr_info:measure', args=[code])}?{map_query}#map",
        "tier_description": registry.TIER_DESCRIPTIONS[measure.tier],
        "has_sensitive": measure.has_sensitive,
        "period_options": [(p, registry.period_label(p)) for p in reversed(data["periods"])],
    }
    return render(request, "anpr_info/measure.html", context)


def _open_data(response: HttpResponse, state: dict) -> HttpResponse:
    """Every open-data download: readable from any origin (like the API) and dated by the
    publication it reflects, for conditional requests (ETags come from ConditionalGetMiddleware)."""
    response["Access-Control-Allow-Origin"] = "*"
    latest = state.get("latest")
    if latest:
        response["Last-Modified"] = http_date(latest["published_at"].timestamp())
    return response


@require_GET
def chart_spec(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    data = charts.chart_data(state)
    body = {
        "spec": charts.chart_spec(state, data, titled=False, width="container"),
        "title": charts.chart_title(state, data),
        "query": charts.state_query(state),
        "permalink": _absolute(
            request, "anpr_info:measure", code, charts.state_query(state, pinned=True)
        ),
        "records": data["records"],
    }
    return _open_data(HttpResponse(json.dumps(body), content_type="application/json"), state)


def _chart_file(
    state: dict, body, content_type: str, extension: str, *, disposition: str = "attachment"
) -> HttpResponse:
    """A chart's picture or figures as an open-data file named after the chart."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{_file_name(state)}.{extension}"'
    return _open_data(response, state)


@require_GET
def chart_svg(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    return _chart_file(state, charts.chart_svg(state), "image/svg+xml", "svg", disposition="inline")


@require_GET
def chart_png(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    return _chart_file(state, charts.chart_png(state), "image/png", "png")


@require_GET
def chart_csv(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    body = charts.records_csv(state, charts.chart_data(state))
    return _chart_file(state, body, "text/csv; charset=utf-8", "csv")


@require_GET
def chart_datapackage(request: HttpRequest, code: str) -> HttpResponse:
    """The Frictionless Data Package beside a chart's CSV, for the same query."""
    state = _state_or_404(code, request)
    data = charts.chart_data(state)
    homepage = _absolute(request, "anpr_info:measure", code, charts.state_query(state, pinned=True))
    descriptor = downloads.chart_datapackage(
        state, data, charts.records_csv(state, data), homepage=homepage
    )
    return _open_data(
        HttpResponse(
            json.dumps(descriptor, indent=1), content_type="application/json; charset=utf-8"
        ),
        state,
    )


@require_GET
def chart_json(request: HttpRequest, code: str) -> HttpResponse:
    state = _state_or_404(code, request)
    body = charts.records_json(state, charts.chart_data(state))
    return _chart_file(state, body, "application/json", "json")


def _file_name(state: dict) -> str:
    """measure-breakdown[-period][-release]: only safe characters, whatever the codes hold."""
    parts = [state["measure"].code, state["breakdown"].code.replace("+", "-and-")]
    if state.get("period"):
        parts.append(state["period"])
    if state.get("as_of") is not None:
        parts.append(state["as_of"].slug)
    return "-".join(parts)


@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    latest = charts.latest_release()
    context = {
        "measures": list(registry.MEASURES.values()),
        "dimensions": list(registry.DIMENSIONS.values()),
        "datasets": list(registry.DATASETS.values()),
        "tiers": registry.TIER_DESCRIPTIONS,
        "upcoming": list(selectors.releases_upcoming()[:12]),
        "chain_length": selectors.releases_published().count(),
        "latest_release": charts.release_slug(latest) if latest else "",
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


def _release_open_data(response: HttpResponse, release) -> HttpResponse:
    """A release's open data: readable from any origin, dated by its publication (frozen since)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Last-Modified"] = http_date(release.published_at.timestamp())
    return response


def _published_table(slug: str, measure: str, table: str, period: str):
    """(release, table) of a published release; anything else is not found."""
    release = selectors.release_published_get(slug)
    return release, selectors.release_table_get(release, measure, table, period)


def _table_csv(release, found) -> HttpResponse:
    response = HttpResponse(
        charts.payload_csv(found.payload), content_type="text/csv; charset=utf-8"
    )
    name = f"{release.slug}-{found.measure}-{found.table}-{found.period}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return _release_open_data(response, release)


@require_GET
def release_table_csv(
    request: HttpRequest, slug: str, measure: str, table: str, period: str
) -> HttpResponse:
    """A published table as a tidy CSV, at the path its release's data package names."""
    return _table_csv(*_published_table(slug, measure, table, period))


@require_GET
def release_datapackage(request: HttpRequest, slug: str) -> HttpResponse:
    """The Frictionless Data Package describing every table of a published release."""
    release = selectors.release_published_get(slug)
    homepage = request.build_absolute_uri(reverse("anpr_info:release_detail", args=[slug]))
    response = HttpResponse(
        json.dumps(downloads.release_datapackage(release, homepage=homepage), indent=1),
        content_type="application/json; charset=utf-8",
    )
    return _release_open_data(response, release)


@require_GET
def release_table(
    request: HttpRequest, slug: str, measure: str, table: str, period: str
) -> HttpResponse:
    release, found = _published_table(slug, measure, table, period)
    if request.GET.get("format") == "csv":  # the older link, kept working
        return _table_csv(release, found)
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
    """Atom feed of published releases. Links name the host the feed was asked for."""

    feed_type = Atom1Feed
    title = "ANPR transparency statistics: releases"
    subtitle = "Monthly statistics on how the Metropolitan Police use ANPR data from TfL cameras."
    # RFC 4287 requires an author for the feed (or every entry).
    author_name = "Mayor's Office for Policing and Crime (MOPAC)"
    request: HttpRequest | None = None

    def __call__(self, request, *args, **kwargs):
        # One instance serves every request: answer from a copy that knows this request.
        feed = copy.copy(self)
        feed.request = request
        return Feed.__call__(feed, request, *args, **kwargs)

    def _url(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def link(self):
        return self._url(reverse("anpr_info:release_list"))

    def feed_url(self):
        return self._url(reverse("anpr_info:release_feed"))

    def author_link(self):
        return self._url(reverse("anpr_info:dashboard"))

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
        return self._url(reverse("anpr_info:release_detail", args=[item.slug]))

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_guid(self, item):
        # An id, not a link: the canonical site's, so it never changes with the serving host.
        return f"{settings.SITE_URL}/anpr/releases/{item.slug}/#{item.manifest_sha256}"
