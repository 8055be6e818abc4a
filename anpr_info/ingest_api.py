"""The ingestion API on Django REST framework: the police back end POSTs each return here.

No cookies or sessions (so no CSRF): every request is authenticated by an API key and an HMAC
signature of its exact bytes (`HmacSignatureAuthentication`, see signing.py). The order is:

1. rate limit per client address, before the body is read;
2. size limit, from Content-Length, before the body is read (413);
3. key, timestamp window and signature (401);
4. Idempotency-Key (one service, `idempotent_call`: a stored answer is replayed);
5. replay protection (a signature is accepted once);
6. `submission_receive`: parse within the limits, tripwire, the published schema, store.

Every error, at every step, is an RFC 9457 problem built by talklondon.problems.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from anpr_info import registry, returns
from anpr_info.models import ApiKey
from anpr_info.services.submissions import (
    idempotent_call,
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
from talklondon.problems import (
    AUTHENTICATE_HEADER,
    CONTENT_TYPE,
    Problem,
    problem_response,
    problem_responses,
)

PARAMS = ("dataset", "period")
# A revision's reason for a CSV return: free text, so a header and never the query string
# (URLs are written to every access log on the way).
REASON_HEADER = "X-ANPR-Reason"


def _reason_in_url() -> Problem:
    return Problem(
        400,
        "reason-in-url",
        "The reason must not be in the URL",
        "URLs are written to access logs, so free text must not travel in them. Send the "
        f"reason in the {REASON_HEADER} header (UTF-8, percent-encoded) or send the return as "
        'JSON with a "reason" field.',
    )


def _site(request: HttpRequest) -> str:
    """The site's address as this request reached it (ALLOWED_HOSTS and the proxy settings
    vouch for the host and scheme), without a trailing slash."""
    return request.build_absolute_uri("/").rstrip("/")


def _too_large() -> Problem:
    limit = settings.ANPR_INGEST_MAX_BYTES
    return Problem(
        413, "too-large", "Return too large", f"Send at most {limit} bytes in one return."
    )


@dataclass(frozen=True)
class SourceClient:
    """The authenticated caller: a police back end, through one of its API keys."""

    api_key: ApiKey
    is_authenticated: bool = True

    @property
    def source(self):
        return self.api_key.source


class HmacSignatureAuthentication(BaseAuthentication):
    """X-ANPR-Key + X-ANPR-Timestamp + X-ANPR-Signature over the exact body (see signing.py)."""

    def authenticate(self, request):
        django_request = request._request
        limit = settings.ANPR_INGEST_MAX_BYTES
        try:
            declared = int(django_request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise _too_large()
        try:
            body = django_request.body
        except RequestDataTooBig:
            raise _too_large() from None
        if len(body) > limit:
            raise _too_large()
        headers = django_request.headers
        api_key = request_authenticate(
            key=headers.get(KEY_HEADER, ""),
            timestamp=headers.get(TIMESTAMP_HEADER, ""),
            signature=headers.get(SIGNATURE_HEADER, ""),
            method=django_request.method,
            path=django_request.get_full_path(),
            body=body,
        )
        return SourceClient(api_key), api_key

    def authenticate_header(self, request) -> str:
        return AUTHENTICATE_HEADER


class HmacSignatureScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the signature (the full rules are on the API page)."""

    target_class = HmacSignatureAuthentication
    name = "anprSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": KEY_HEADER,
            "description": f"The API key, with {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} "
            "(HMAC-SHA256 of the timestamp, method, path and exact body): see /api/docs/.",
        }


class IngestThrottle(SimpleRateThrottle):
    """Per client address, checked before the body is read or the signature checked, so that a
    flood of unsigned requests is refused as cheaply as signed ones."""

    scope = "anpr-ingest"

    def get_rate(self) -> str:
        return settings.ANPR_INGEST_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RawBodyParser(BaseParser):
    """The view reads the signed bytes itself; these declare what it accepts (for the schema)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):  # pragma: no cover
        return None


class JsonReturnParser(RawBodyParser):
    media_type = "application/json"


class CsvReturnParser(RawBodyParser):
    media_type = "text/csv"


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    dataset = serializers.CharField()
    period = serializers.CharField()
    revision = serializers.IntegerField()
    rows = serializers.IntegerField()
    body_sha256 = serializers.CharField()
    received_at = serializers.DateTimeField()


class IngestReturns(APIView):
    """POST a return (JSON or CSV). See the API page for headers and problem types."""

    authentication_classes = [HmacSignatureAuthentication]
    permission_classes: list = []
    throttle_classes: list = []
    parser_classes = [JsonReturnParser, CsvReturnParser]
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        throttle = IngestThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        super().initial(request, *args, **kwargs)

    @extend_schema(
        summary="Send one return (police back end only, signed)",
        request={"application/json": OpenApiTypes.OBJECT, "text/csv": OpenApiTypes.STR},
        parameters=[
            *(
                OpenApiParameter(name, str, description=f"CSV only: the return's {name}.")
                for name in PARAMS
            ),
            OpenApiParameter(
                REASON_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                description="CSV only: why a revision is sent (UTF-8, percent-encoded).",
            ),
        ],
        responses={
            201: SubmissionSerializer,
            200: SubmissionSerializer,
            **problem_responses(
                {
                    400: "Unreadable body or a bad Idempotency-Key",
                    401: "Missing or bad key, timestamp or signature, or a replay",
                    409: "A request with this Idempotency-Key is still in progress",
                    413: "Over the size or row limit",
                    422: "Invalid rows, personal data suspected, or a reused Idempotency-Key",
                    429: "Too many requests",
                }
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        django_request = request._request
        source = request.auth.source
        if "reason" in django_request.GET:
            return problem_response(_reason_in_url())
        body = django_request.body
        params = {name: django_request.GET.get(name, "") for name in PARAMS}
        params["reason"] = unquote(django_request.headers.get(REASON_HEADER, ""))
        content_type = django_request.content_type
        fingerprint = sha256_hex(json.dumps([content_type, params]).encode() + b"\n" + body)
        signature = django_request.headers.get(SIGNATURE_HEADER, "")

        def work() -> tuple[int, dict]:
            signature_remember(signature=signature)
            return submission_receive(
                source=source, body=body, content_type=content_type, params=params
            )

        status, payload, replayed = idempotent_call(
            source=source,
            key=django_request.headers.get(IDEMPOTENCY_HEADER, ""),
            request_sha256=fingerprint,
            work=work,
        )
        response = Response(payload, status=status)
        if status >= 400:
            response.content_type = CONTENT_TYPE
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


# --- The published schemas ------------------------------------------------------------------


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
        return problem_response(Problem(404, "not-found", "Not found", "No such dataset."))
    response = JsonResponse(returns.json_schema(found, base_url=_site(request)))
    response["Content-Type"] = "application/schema+json"
    return response
