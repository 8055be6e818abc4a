"""Staff: one page per survey response (channel, answers, versions, likely duplicates), and
responses from other channels (paper, email, letter, event) typed in, with their scans."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from consultation.surveys import selectors, services
from consultation.surveys.forms import AnswersForm, ResponseEntryForm
from consultation.surveys.models import Response
from consultation.surveys.response_selectors import (
    likely_duplicates,
    response_detail,
    response_page_for_staff,
)
from consultation.surveys.selectors import survey_structure
from consultation.surveys.staff_views import can_build_or_read_surveys, manager_page
from consultation.surveys.views import block_fields
from talklondon.guards import errors_into_form, found_or_404, require_permission_or_404
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


@manager_page()
def response_enter(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Type in a paper, email, letter or event response, with likely duplicates flagged."""
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    structure = survey_structure(survey)
    data = request.POST if request.method == "POST" else None
    details = ResponseEntryForm(data, request.FILES or None, initial={"token": uuid.uuid4().hex})
    answers_form = AnswersForm(
        data, structure=structure, questions=structure.questions, enforce_required=False
    )
    duplicates = []
    if request.method == "POST":
        details_ok = details.is_valid()
        answers_ok = answers_form.is_valid()
        if details_ok and answers_ok:
            cleaned = details.cleaned_data
            duplicates = likely_duplicates(
                structure, name=cleaned["respondent_name"], answers=answers_form.answers
            )
            if duplicates and not cleaned["confirm_duplicate"]:
                details.add_error(
                    "confirm_duplicate",
                    "This looks like a response we already have. Check the likely duplicates, then confirm to record it anyway",
                )
            else:
                try:
                    response = services.survey_response_enter(
                        survey=survey,
                        actor=request.user,
                        channel=cleaned["channel"],
                        channel_reference=cleaned["channel_reference"],
                        respondent_name=cleaned["respondent_name"],
                        answers=answers_form.answers,
                        token=cleaned["token"] or uuid.uuid4().hex,
                        scan=cleaned["scan"],
                        results_email=cleaned["results_email"],
                    )
                except ValidationError as exc:
                    if hasattr(exc, "error_dict") and set(exc.message_dict) <= {
                        "scan",
                        "channel",
                        "results_email",
                    }:
                        errors_into_form(details, exc)
                    else:
                        errors_into_form(answers_form, exc)
                except PermissionDenied as exc:
                    raise Http404 from exc
                else:
                    note = (
                        f" It is flagged as a likely duplicate of {response.likely_duplicate_of.reference}."
                        if response.likely_duplicate_of
                        else ""
                    )
                    messages.success(request, f"Response {response.reference} recorded.{note}")
                    return redirect("surveys_staff:response_enter", survey_id=survey.pk)
    blocks = [block_fields(answers_form, block) for block in answers_form.blocks]
    return render(
        request,
        "surveys/staff/entry.html",
        {
            "survey": survey,
            "details": details,
            "answers_form": answers_form,
            "blocks": blocks,
            "duplicates": duplicates,
            "recent": Response.objects.filter(survey=survey)
            .exclude(channel=Response.Channel.ONLINE)
            .select_related("likely_duplicate_of", "entered_by")
            .order_by("-pk")[:10],
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@require_permission_or_404(can_manage_consultations)
def response_scan(request: HttpRequest, response_id: int) -> HttpResponse:
    """Download the scan of a paper response (personal data: managers only, never public)."""
    response = found_or_404(selectors.response_for_staff(response_id=response_id))
    if not response.scan:
        raise Http404
    return FileResponse(response.scan.open("rb"), as_attachment=True)
