"""Site pages: the fixed information pages, the staff home and friendly error pages.

The home page lists consultations, so it lives with them (consultation.views.home).
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from talklondon import permissions, personal_data
from talklondon.guards import require_permission_or_404
from talklondon.problems import Problem, problem_response


def page(template_name: str, title: str, extra: dict | None = None):
    """A fixed information page (privacy, accessibility, cookies, house rules, contact)."""

    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        context = {"page_title": title, **(extra or {})}
        return render(request, f"pages/{template_name}.html", context)

    view.__name__ = f"page_{template_name}"
    return view


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: its tables are the personal-data inventory, in plain words."""
    context = {
        "page_title": "Privacy notice",
        "sections": personal_data.privacy_notice_sections(audience="you"),
        "staff_sections": personal_data.privacy_notice_sections(audience="staff"),
        "everyone_sections": personal_data.privacy_notice_sections(audience="everyone"),
    }
    return render(request, "pages/privacy.html", context)


@require_GET
@require_permission_or_404(permissions.is_staff_member)
def staff_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "can_moderate": permissions.can_moderate(user),
        "can_manage_consultations": permissions.can_manage_consultations(user),
        "can_view_results": permissions.can_view_results(user),
        "can_export_identified": permissions.can_export_identified(user),
        "can_manage_releases": permissions.can_manage_releases(user),
        "can_oversee_personal_data": permissions.can_oversee_personal_data(user),
        "roles": sorted(user.groups.values_list("name", flat=True)),
    }
    return render(request, "staff/home.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale or missing CSRF token: explain it and let the person go back and try again."""
    return render(request, "errors/csrf.html", status=403)


def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/rate_limited.html", status=429)


def _api_problem(
    request: HttpRequest, status: int, title: str, detail: str = "", slug: str = ""
) -> HttpResponse | None:
    """API clients get JSON problem details (RFC 9457) even for URLs no view answers."""
    if not request.path.startswith("/api/"):
        return None
    return problem_response(Problem(status, slug, title, detail))


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    return _api_problem(request, 404, "Not found") or render(request, "errors/404.html", status=404)


def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    """A request Django refused before any view (a body over the size limit, a bad host...)."""
    if isinstance(exception, RequestDataTooBig):
        problem = _api_problem(
            request,
            413,
            "Request too large",
            f"Send at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes in one request.",
            "too-large",
        )
    else:
        problem = _api_problem(request, 400, "Bad request", "The request could not be read.")
    return problem or render(request, "errors/400.html", status=400)


# Failures of a backing service that pass on their own (a PostgreSQL restart or failover, a
# Redis blip that got past the resilient cache): the person should wait a moment and try again.
UNAVAILABLE = (
    InterfaceError,
    OperationalError,
    BrokerError,
    RedisConnectionError,
    RedisTimeoutError,
)
RETRY_AFTER_SECONDS = 30


def error_500(request: HttpRequest) -> HttpResponse:
    """The friendly error page; a 503 with Retry-After while a backing service is unavailable.

    Django calls this inside its exception handler, so the exception is still in
    `sys.exc_info()`. Neither page touches the database or the session: both may be what failed.
    """
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return service_unavailable(request)
    problem = _api_problem(request, 500, "Internal server error")
    if problem is not None:
        return problem
    return render(request, "errors/500.html", status=500)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503: the service is briefly unavailable; nothing already accepted was lost."""
    detail = (
        "The service is briefly unavailable. Nothing already accepted has been lost. "
        f"Try again in {RETRY_AFTER_SECONDS} seconds."
    )
    response = _api_problem(request, 503, "Service unavailable", detail)
    if response is None:
        html = render_to_string("errors/503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
