"""The open data API (read-only, published data only). Ingestion is in ingest_api.py.

Open data: Django REST framework views, documented by drf-spectacular, CORS open (settings),
rate-limited per IP by DRF's AnonRateThrottle, and cached until the next publication.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from anpr_info import api_filters, registry, selectors
from anpr_info.signing import (
    IDEMPOTENCY_HEADER,
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from talklondon.problems import problem_responses

PAGE_SIZE = api_filters.PAGE_SIZE


# Every open data endpoint may answer these, as RFC 9457 problem details.
PROBLEM_RESPONSES = problem_responses(
    {
        400: "Unknown, repeated or malformed query parameters",
        404: "No such published object",
        429: "Too many requests from this address",
    }
)

# A revision's reason for a CSV return: free text, so a header and never the query string.
REASON_HEADER = "X-ANPR-Reason"


def _site(request: HttpRequest) -> str:
    """The site's address as this request reached it (ALLOWED_HOSTS and the proxy settings
    vouch for the host and scheme), without a trailing slash."""
    return request.build_absolute_uri("/").rstrip("/")


class CachedAPIView(APIView):
    """GET responses are built once per publication and per normalised request: the view's
    name, its path parameters (already checked by the URL converters) and its cleaned query
    parameters. Unknown or repeated query parameters are a 400 (see api_filters)."""

    query_params: tuple[str, ...] = ()

    def get(self, request, *args, **kwargs):
        query = self.query(request)
        # Keyed by the site's address too: links in the data name the host that was asked
        # (one of ALLOWED_HOSTS, so this cannot be filled from outside).
        data = selectors.published_cached(
            _site(request) + api_filters.cache_key(type(self).__name__, kwargs, query),
            lambda: self.build(request, *args, **kwargs),
        )
        response = Response(data)
        # Published data change only on publication: ETags come from ConditionalGetMiddleware.
        if latest := selectors.release_latest_summary():
            response["Last-Modified"] = http_date(latest["published_at"].timestamp())
        return response

    def query(self, request) -> dict:
        return api_filters.query_clean(request, self.query_params)

    def build(self, request, *args, **kwargs):  # pragma: no cover - overridden
        raise NotImplementedError

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # The shared handler sets the header, but DRF's renderer would overwrite it.
        response.content_type = "application/problem+json"
        return response


# --- Serializers (they document the responses) ----------------------------------------------


class DimensionValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    parent = serializers.CharField(help_text="Command unit, for areas.")
    sensitive = serializers.BooleanField(help_text="Tier C: annual London-wide figure only.")


class DimensionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    values = DimensionValueSerializer(many=True)


class TableSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    rows = serializers.ListField(child=serializers.CharField())
    columns = serializers.ListField(child=serializers.CharField())
    additive = serializers.BooleanField()


class MeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    grain = serializers.ChoiceField(choices=["day", "month", "quarter"])
    tier = serializers.ChoiceField(choices=["A", "B"])
    unit = serializers.CharField()
    rounding = serializers.ChoiceField(choices=["exact", "3sf", "base5"])
    dimensions = DimensionSerializer(many=True)
    tables = TableSerializer(many=True)


def measure_data(measure: registry.Measure) -> dict:
    return {
        "code": measure.code,
        "title": measure.title,
        "description": measure.description,
        "grain": measure.grain,
        "tier": measure.tier,
        "unit": measure.unit,
        "rounding": measure.rounding,
        "dimensions": [
            {
                "code": d.code,
                "label": d.label,
                "description": d.description,
                "values": [
                    {"code": v.code, "label": v.label, "parent": v.parent, "sensitive": v.sensitive}
                    for v in d.values
                ],
            }
            for d in (registry.DIMENSIONS[c] for c in measure.dimensions)
        ],
        "tables": [
            {
                "code": t.code,
                "title": t.title,
                "rows": list(t.rows),
                "columns": list(t.columns),
                "additive": t.additive,
            }
            for t in measure.tables
        ],
    }


class ReleaseTableRefSerializer(serializers.Serializer):
    measure = serializers.CharField()
    table = serializers.CharField()
    period = serializers.CharField()
    sha256 = serializers.CharField()
    url = serializers.URLField()


class ReleaseSerializer(serializers.Serializer):
    slug = serializers.CharField()
    period = serializers.CharField()
    version = serializers.IntegerField()
    sequence = serializers.IntegerField()
    announced_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField()
    notes = serializers.CharField()
    manifest_sha256 = serializers.CharField()
    previous_manifest_sha256 = serializers.CharField()
    manifest_url = serializers.URLField()
    tables = ReleaseTableRefSerializer(many=True)


def release_data(release, request) -> dict:
    base = request.build_absolute_uri(f"/api/v1/releases/{release.slug}")
    return {
        "slug": release.slug,
        "period": release.period,
        "version": release.version,
        "sequence": release.sequence,
        "announced_at": release.announced_at.isoformat(),
        "published_at": release.published_at.isoformat(),
        "notes": release.notes,
        "manifest_sha256": release.manifest_sha256,
        "previous_manifest_sha256": release.manifest["previous_manifest_sha256"],
        "manifest_url": f"{base}/manifest/",
        "tables": [
            {
                "measure": t["measure"],
                "table": t["table"],
                "period": t["period"],
                "sha256": t["sha256"],
                "url": f"{base}/tables/{t['measure']}/{t['table']}/{t['period']}/",
            }
            for t in release.manifest["tables"]
        ],
    }


class ObservationSerializer(serializers.Serializer):
    measure = serializers.CharField()
    table = serializers.CharField()
    period = serializers.CharField()
    dimensions = serializers.DictField(child=serializers.CharField())
    value = serializers.IntegerField(allow_null=True)
    flag = serializers.CharField(
        help_text='"c" confidential (hidden), "x" not available (sensitive category), "z" not applicable.'
    )
    release = serializers.CharField()


# --- Open data views --------------------------------------------------------------------------


class MeasureList(CachedAPIView):
    @extend_schema(
        responses={200: MeasureSerializer(many=True), **PROBLEM_RESPONSES},
        summary="Every published measure",
        operation_id="v1_measures_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request):
        return [measure_data(m) for m in registry.MEASURES.values()]


class MeasureDetail(CachedAPIView):
    @extend_schema(
        responses={200: MeasureSerializer, **PROBLEM_RESPONSES}, summary="One measure's definition"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, code):
        if code not in registry.MEASURES:
            raise NotFound("No such measure.")
        return measure_data(registry.MEASURES[code])


class MeasureFigures(CachedAPIView):
    query_params = ("breakdown", "period", "as_of")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "breakdown",
                str,
                pattern=r"^[a-z0-9_+]{1,100}$",
                description="Breakdown code, as on the page (for example area+category).",
            ),
            OpenApiParameter(
                "period",
                str,
                pattern=api_filters.PERIOD_VALUE.regex.pattern,
                description="One period (default: over time).",
            ),
            OpenApiParameter(
                "as_of",
                str,
                pattern=api_filters.RELEASE_VALUE.regex.pattern,
                description="Figures as they stood when this release came out (its slug).",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT, **PROBLEM_RESPONSES},
        summary="A measure's breakdown: exactly the table its page shows",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, code):
        from django.http import Http404

        from anpr_info import charts

        try:
            state = charts.chart_state(code, request.query_params)
        except Http404:
            raise NotFound("No published release with this name.") from None
        if not state:
            raise NotFound("No such measure.")
        return charts.records_data(state, charts.chart_data(state))


class ReleaseList(CachedAPIView):
    @extend_schema(
        responses={200: ReleaseSerializer(many=True), **PROBLEM_RESPONSES},
        summary="Published releases, newest first",
        operation_id="v1_releases_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request):
        return [release_data(r, request) for r in selectors.releases_published()]


class ReleaseDetail(CachedAPIView):
    @extend_schema(
        responses={200: ReleaseSerializer, **PROBLEM_RESPONSES}, summary="One published release"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, slug):
        return release_data(_release(slug), request)


def _release(slug):
    from django.http import Http404

    try:
        return selectors.release_published_get(slug)
    except Http404:
        raise NotFound("No published release with this name.") from None


class ReleaseManifest(CachedAPIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **PROBLEM_RESPONSES},
        summary="A release's manifest (hash it as canonical JSON to check the chain)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, slug):
        return _release(slug).manifest


class ReleaseTableView(CachedAPIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **PROBLEM_RESPONSES},
        summary="One protected table of a release",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, slug, measure, table, period):
        from django.http import Http404

        release = _release(slug)
        try:
            return selectors.release_table_get(release, measure, table, period).payload
        except Http404:
            raise NotFound("No such table in this release.") from None


class ReleaseTables(CachedAPIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **PROBLEM_RESPONSES},
        summary="Every protected table of a release, in manifest order (one request to check "
        "a release's digests)",
        operation_id="v1_releases_tables_all",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, slug):
        release = _release(slug)
        payloads = {(t.measure, t.table, t.period): t.payload for t in release.tables.all()}
        return {
            "release": release.slug,
            "manifest_sha256": release.manifest_sha256,
            "tables": [
                payloads[(e["measure"], e["table"], e["period"])]
                for e in release.manifest["tables"]
            ],
        }


class Chain(CachedAPIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **PROBLEM_RESPONSES},
        summary="Every published manifest, in publication order (for verifying the hash chain)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request):
        return {"genesis": "0" * 64, "manifests": selectors.chain_manifests()}


class ObservationList(CachedAPIView):
    @extend_schema(
        parameters=api_filters.observation_parameters(),
        responses={
            200: inline_serializer(
                "ObservationPage",
                {
                    "count": serializers.IntegerField(),
                    "page": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "results": ObservationSerializer(many=True),
                },
            ),
            **PROBLEM_RESPONSES,
        },
        summary="Published figures (latest versions unless a release is named)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def query(self, request) -> dict:
        return api_filters.observation_query(request)

    def build(self, request):
        query = self.query(request)
        release = _release(query["release"]) if query.get("release") else None
        qs = selectors.observations_latest(
            measure=query.get("measure"),
            table=query.get("table"),
            period_from=query.get("period_from") or query.get("period"),
            period_to=query.get("period_to") or query.get("period"),
            dims={code: query[code] for code in registry.DIMENSIONS if query.get(code)},
            release=release,
        ).values_list(
            "measure",
            "table",
            "period",
            "dims",
            "value",
            "flag",
            "release__period",
            "release__version",
        )
        pagination = api_filters.ObservationPagination()
        rows = pagination.paginate(qs, request, query["page"])
        following = pagination.next_query(query)
        return {
            "count": pagination.count,
            "page": query["page"],
            "next": f"{_site(request)}{request.path}?{following}" if following else None,
            "results": [
                {
                    "measure": m,
                    "table": t,
                    "period": p,
                    "dimensions": d,
                    "value": v,
                    "flag": f,
                    "release": f"{rp}-v{rv}",
                }
                for m, t, p, d, v, f, rp, rv in rows
            ],
        }


# --- API documentation page (server-rendered, no CDN) ----------------------------------------


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    def build():
        from drf_spectacular.generators import SchemaGenerator

        schema = SchemaGenerator().get_schema(request=None, public=True)
        endpoints = []
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                endpoints.append(
                    {
                        "path": path,
                        "method": method.upper(),
                        "summary": operation.get("summary") or operation.get("operationId", ""),
                        "parameters": [
                            {
                                "name": p["name"],
                                "in": p["in"],
                                "description": p.get("description", ""),
                                "required": p.get("required", False),
                            }
                            for p in operation.get("parameters", [])
                        ],
                    }
                )
        return {"endpoints": endpoints, "info": schema.get("info", {})}

    context = selectors.published_cached("api-docs", build)
    context = {
        **context,
        "datasets": list(registry.DATASETS.values()),
        "headers": {
            "key": KEY_HEADER,
            "timestamp": TIMESTAMP_HEADER,
            "signature": SIGNATURE_HEADER,
            "idempotency": IDEMPOTENCY_HEADER,
        },
        "window": settings.ANPR_SIGNATURE_WINDOW_SECONDS,
    }
    return render(request, "anpr_info/api_docs.html", context)
