"""The open data API (read-only, published data only) and the ingestion endpoint.

Open data: Django REST framework views, documented by drf-spectacular, CORS open (settings),
rate-limited per IP by DRF's AnonRateThrottle, and cached until the next publication.

Ingestion: a plain Django view, exempt from CSRF because it accepts no cookies or sessions: each
request is authenticated by an API key and an HMAC signature (see signing.py).
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from anpr_info import cache as anpr_cache
from anpr_info import ingestion, registry, selectors
from anpr_info.services.ingest import (
    Problem,
    idempotency_abandon,
    idempotency_begin,
    idempotency_finish,
    request_authenticate,
    signature_remember,
    submission_receive,
)
from anpr_info.signing import (
    IDEMPOTENCY_HEADER,
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sha256_hex,
)

PAGE_SIZE = 1000

# A revision's reason for a CSV return: free text, so a header and never the query string.
REASON_HEADER = "X-ANPR-Reason"


def _site(request: HttpRequest) -> str:
    """The site's address as this request reached it (ALLOWED_HOSTS and the proxy settings
    vouch for the host and scheme), without a trailing slash."""
    return request.build_absolute_uri("/").rstrip("/")


class CachedAPIView(APIView):
    """GET responses are built once per publication and per full URL."""

    def get(self, request, *args, **kwargs):
        # Keyed by the absolute URL: links in the data name the host that was asked.
        data = anpr_cache.cached(
            f"api:{request.build_absolute_uri()}", lambda: self.build(request, *args, **kwargs)
        )
        response = Response(data)
        # Published data change only on publication: ETags come from ConditionalGetMiddleware.
        if latest := selectors.release_latest_summary():
            response["Last-Modified"] = http_date(latest["published_at"].timestamp())
        return response

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
    @extend_schema(responses=MeasureSerializer(many=True), summary="Every published measure")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request):
        return [measure_data(m) for m in registry.MEASURES.values()]


class MeasureDetail(CachedAPIView):
    @extend_schema(responses=MeasureSerializer, summary="One measure's definition")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, code):
        if code not in registry.MEASURES:
            raise NotFound("No such measure.")
        return measure_data(registry.MEASURES[code])


class MeasureFigures(CachedAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("breakdown", str, description="Breakdown code, as on the page."),
            OpenApiParameter("period", str, description="One period (default: over time)."),
            OpenApiParameter(
                "as_of", str, description="Figures as they stood when this release came out."
            ),
        ],
        responses=OpenApiTypes.OBJECT,
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
        responses=ReleaseSerializer(many=True), summary="Published releases, newest first"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request):
        return [release_data(r, request) for r in selectors.releases_published()]


class ReleaseDetail(CachedAPIView):
    @extend_schema(responses=ReleaseSerializer, summary="One published release")
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
        responses=OpenApiTypes.OBJECT,
        summary="A release's manifest (hash it as canonical JSON to check the chain)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, slug):
        return _release(slug).manifest


class ReleaseTableView(CachedAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="One protected table of a release")
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
        responses=OpenApiTypes.OBJECT,
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
        responses=OpenApiTypes.OBJECT,
        summary="Every published manifest, in publication order (for verifying the hash chain)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request):
        return {"genesis": "0" * 64, "manifests": selectors.chain_manifests()}


OBSERVATION_PARAMETERS = [
    OpenApiParameter("measure", str, description="Measure code, for example hits."),
    OpenApiParameter("table", str, description="Table code, for example by_area_category."),
    OpenApiParameter("period", str, description="One period: 2025-03, 2025-Q1 or 2025."),
    OpenApiParameter("period_from", str, description="First period (inclusive)."),
    OpenApiParameter("period_to", str, description="Last period (inclusive)."),
    OpenApiParameter(
        "release", str, description="Figures as first published in this release (slug)."
    ),
    OpenApiParameter("page", int, description="Page number (1000 observations a page)."),
    *[
        OpenApiParameter(
            code, str, description=f"Filter by {d.label.lower()} code ('all' for totals)."
        )
        for code, d in registry.DIMENSIONS.items()
    ],
]


class ObservationList(CachedAPIView):
    @extend_schema(
        parameters=OBSERVATION_PARAMETERS,
        responses=inline_serializer(
            "ObservationPage",
            {
                "count": serializers.IntegerField(),
                "page": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "results": ObservationSerializer(many=True),
            },
        ),
        summary="Published figures (latest versions unless a release is named)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request):
        params = request.query_params
        dims = {code: params[code] for code in registry.DIMENSIONS if params.get(code)}
        if params.get("measure") and params["measure"] not in registry.MEASURES:
            raise ValidationError({"measure": ["Unknown measure."]})
        release = _release(params["release"]) if params.get("release") else None
        qs = selectors.observations_latest(
            measure=params.get("measure"),
            table=params.get("table"),
            period_from=params.get("period_from") or params.get("period"),
            period_to=params.get("period_to") or params.get("period"),
            dims=dims,
            release=release,
        )
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            raise ValidationError({"page": ["A whole number, 1 or more."]}) from None
        count = qs.count()
        start = (page - 1) * PAGE_SIZE
        rows = qs.values_list(
            "measure",
            "table",
            "period",
            "dims",
            "value",
            "flag",
            "release__period",
            "release__version",
        )[start : start + PAGE_SIZE]
        query = request.GET.copy()
        query["page"] = str(page + 1)
        return {
            "count": count,
            "page": page,
            "next": request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
            if start + PAGE_SIZE < count
            else None,
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

    context = anpr_cache.cached("api-docs", build)
    context = {
        **context,
        "datasets": list(registry.DATASETS.values()),
        "headers": {
            "key": KEY_HEADER,
            "timestamp": TIMESTAMP_HEADER,
            "signature": SIGNATURE_HEADER,
            "idempotency": IDEMPOTENCY_HEADER,
        },
        "window": int(getattr(settings, "ANPR_SIGNATURE_WINDOW_SECONDS", 300)),
    }
    return render(request, "anpr_info/api_docs.html", context)


# --- Ingestion ------------------------------------------------------------------------------


def _problem_response(status: int, body: dict, *, replayed: bool = False) -> HttpResponse:
    content_type = "application/problem+json" if status >= 400 else "application/json"
    response = HttpResponse(json.dumps(body), status=status, content_type=content_type)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@csrf_exempt  # No cookies or sessions: every request carries an API key and an HMAC signature.
@require_POST
def ingest_returns(request: HttpRequest) -> HttpResponse:
    """POST a return (JSON or CSV). See the API page for headers and problem types."""
    rate = getattr(settings, "ANPR_INGEST_RATE", "600/m")
    if is_ratelimited(
        request, group="anpr-ingest", key="ip", rate=rate, method="POST", increment=True
    ):
        return _problem_response(
            429,
            Problem(
                429, "rate-limited", "Too many requests", "Slow down and retry later."
            ).as_dict(),
        )
    body = request.body
    try:
        api_key = request_authenticate(
            key=request.headers.get(KEY_HEADER, ""),
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            method=request.method,
            path=request.get_full_path(),
            body=body,
        )
    except Problem as problem:
        return _problem_response(problem.status, problem.as_dict())
    source = api_key.source
    idempotency_key = request.headers.get(IDEMPOTENCY_HEADER, "")
    if "reason" in request.GET:
        # Free text in a URL ends up in every access log on the way; refuse it before use.
        return _problem_response(
            400,
            Problem(
                400,
                "reason-in-url",
                "The reason must not be in the URL",
                "URLs are written to access logs, so free text must not travel in them. Send "
                f"the reason in the {REASON_HEADER} header (UTF-8, percent-encoded) or send the "
                'return as JSON with a "reason" field.',
            ).as_dict(),
        )
    params = {k: request.GET.get(k, "") for k in ("dataset", "period")}
    params["reason"] = unquote(request.headers.get(REASON_HEADER, ""))
    fingerprint = sha256_hex(json.dumps([request.content_type, params]).encode() + b"\n" + body)
    if idempotency_key:
        try:
            stored = idempotency_begin(
                source=source, key=idempotency_key, request_sha256=fingerprint
            )
        except Problem as problem:
            return _problem_response(problem.status, problem.as_dict())
        if stored is not None:
            return _problem_response(stored[0], stored[1], replayed=True)
    try:
        signature_remember(signature=request.headers.get(SIGNATURE_HEADER, ""))
    except Problem as problem:
        if idempotency_key:
            idempotency_abandon(source=source, key=idempotency_key)
        return _problem_response(problem.status, problem.as_dict())
    try:
        status, payload = submission_receive(
            source=source, body=body, content_type=request.content_type, params=params
        )
    except Exception:
        if idempotency_key:
            idempotency_abandon(source=source, key=idempotency_key)
        raise
    if idempotency_key:
        idempotency_finish(source=source, key=idempotency_key, status=status, body=payload)
    return _problem_response(status, payload)


@require_GET
def ingest_schema_index(request: HttpRequest) -> JsonResponse:
    """A Frictionless-style index of the JSON Schemas for every dataset."""
    base = _site(request)
    return JsonResponse(
        {
            "name": "talk-london-anpr-returns",
            "title": "ANPR returns from the police back end",
            "description": "POST each return to /api/ingest/v1/returns/ as JSON (this schema) or as CSV with the same columns and ?dataset=&period= (a revision's reason in the X-ANPR-Reason header, never in the URL).",
            "endpoint": f"{base}/api/ingest/v1/returns/",
            "resources": [
                {
                    "name": d.code,
                    "title": d.title,
                    "grain": d.grain,
                    "fields": list(d.fields),
                    "schema": f"{base}/api/ingest/v1/schema/{d.code}.json",
                }
                for d in registry.DATASETS.values()
            ],
        }
    )


@require_GET
def ingest_schema(request: HttpRequest, dataset: str) -> JsonResponse:
    found = registry.DATASETS.get(dataset)
    if found is None:
        return JsonResponse(
            Problem(404, "not-found", "Not found", "No such dataset.").as_dict(),
            status=404,
            content_type="application/problem+json",
        )
    response = JsonResponse(ingestion.json_schema(found, base_url=_site(request)))
    response["Content-Type"] = "application/schema+json"
    return response
