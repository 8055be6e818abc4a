"""RFC 9457 problem details: the one way every API answer that is an error is built.

Used by the ingestion API, the open data API (as DRF's exception handler), the error pages that
answer /api/ URLs (404, 400, 500) and the busy page (503). A problem has a `type` that points at
its explanation in the API docs when it has a slug (`/api/docs/#problem-<slug>`), otherwise
`about:blank`; a short `title`; the HTTP `status`; a `detail` for people; and any extra members
(per-row `errors`, `findings`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

CONTENT_TYPE = "application/problem+json"
DOCS_PREFIX = "/api/docs/#problem-"

# The realm every 401 names, so that clients know how to authenticate (RFC 9110).
AUTHENTICATE_HEADER = 'ANPR-HMAC realm="ingest"'


@dataclass
class Problem(Exception):
    """An error that ends the request; every layer may raise it, the edge renders it."""

    status: int
    slug: str
    title: str
    detail: str = ""
    extra: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"

    def as_dict(self) -> dict:
        return problem_body(
            self.status, self.title, self.detail, slug=self.slug, extra=self.extra or None
        )


def problem_body(
    status: int, title: str, detail: str = "", *, slug: str = "", extra: dict | None = None
) -> dict:
    body = {
        "type": f"{DOCS_PREFIX}{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra or {})
    return body


def problem_response(
    problem: Problem | None = None, *, body: dict | None = None, status: int | None = None
) -> HttpResponse:
    """A plain Django response for a problem (or for a stored problem body and status)."""
    if problem is not None:
        body, status = problem.as_dict(), problem.status
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (problem.headers if problem is not None else {}).items():
        response[name] = value
    if status == 401 and not response.has_header("WWW-Authenticate"):
        response["WWW-Authenticate"] = AUTHENTICATE_HEADER
    return response


def _title(exc) -> str:
    return str(getattr(exc, "default_detail", "Error"))


def problem_exception_handler(exc, context):
    """DRF's exception handler: every APIException and every Problem as problem details."""
    if isinstance(exc, Problem):
        response = Response(exc.as_dict(), status=exc.status, headers=exc.headers or None)
        if exc.status == 401:
            response["WWW-Authenticate"] = AUTHENTICATE_HEADER
        response.content_type = CONTENT_TYPE
        return response
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    slug = ""
    if isinstance(exc, exceptions.Throttled):
        slug = "rate-limited"
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        body = problem_body(response.status_code, _title(exc), str(detail["detail"]), slug=slug)
    else:
        body = problem_body(
            response.status_code,
            _title(exc),
            "The request was not valid.",
            slug=slug,
            extra={"errors": detail},
        )
    response.data = body
    # DRF picks the header from `content_type` when it renders; setting the header would be lost.
    response.content_type = CONTENT_TYPE
    return response


class ProblemSerializer(serializers.Serializer):
    """What a problem looks like, for the OpenAPI schema."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    errors = serializers.JSONField(required=False, help_text="Per-row or per-parameter errors.")
    findings = serializers.ListField(child=serializers.DictField(), required=False)


def problem_responses(descriptions: dict[int, str]) -> dict:
    """Documented error responses of an API operation: {status: what it means}."""
    return {
        (status, CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=description)
        for status, description in descriptions.items()
    }
