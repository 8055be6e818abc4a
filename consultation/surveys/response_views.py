"""Staff: one page per survey response (channel, answers, versions, likely duplicates)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from consultation.surveys.response_selectors import response_detail, responses_for_staff
from talklondon.permissions import can_manage_consultations, can_view_results


@require_GET
def response(request: HttpRequest, response_id: int) -> HttpResponse:
    """Managers (who enter responses) see names and scans; analysts see everything else."""
    manager = can_manage_consultations(request.user)
    if not (manager or can_view_results(request.user)):
        raise Http404
    found = get_object_or_404(responses_for_staff(), pk=response_id)
    return render(
        request,
        "surveys/staff/response.html",
        {
            "detail": response_detail(found),
            "response": found,
            "survey": found.survey,
            "show_identity": manager,
        },
    )
