"""Staff: one page per survey response (channel, answers, versions, likely duplicates)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consultation.surveys.response_selectors import response_detail, response_page_for_staff
from consultation.surveys.staff_views import can_build_or_read_surveys
from talklondon.guards import found_or_404, require_permission_or_404
from talklondon.permissions import can_manage_consultations


@require_GET
@require_permission_or_404(can_build_or_read_surveys)
def response(request: HttpRequest, response_id: int) -> HttpResponse:
    """Managers (who enter responses) see names and scans; analysts see everything else."""
    found = found_or_404(response_page_for_staff(response_id=response_id))
    return render(
        request,
        "surveys/staff/response.html",
        {
            "detail": response_detail(found),
            "response": found,
            "survey": found.survey,
            "show_identity": can_manage_consultations(request.user),
        },
    )
