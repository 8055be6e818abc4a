"""Staff: the preview of a survey, page by page, and its "check your answers" page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from consultation.surveys import selectors
from consultation.surveys.pages import section_after, visible_sections
from consultation.surveys.selectors import answers_summary, survey_structure
from consultation.surveys.staff_views import builder_url, manager_page
from consultation.surveys.views import (
    section_form,
    section_page_context,
    staged_changes,
    staged_update,
)
from talklondon.guards import found_or_404, require_permission_or_404
from talklondon.permissions import can_manage_consultations


def _answers_key(survey_id: int) -> str:
    return f"survey-preview-{survey_id}"


@manager_page()
def preview(request: HttpRequest, survey_id: int, section_id: int | None = None) -> HttpResponse:
    """The survey as a respondent sees it; answers live in the session and are never saved."""
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    structure = survey_structure(survey)
    key = _answers_key(survey.pk)
    if request.method == "GET" and section_id is None:
        request.session.pop(key, None)
    answers = staged_changes(request, key)
    sections = visible_sections(structure, answers)
    if not sections:
        messages.error(request, "Add a section before previewing the survey.")
        return redirect(builder_url(survey.pk))
    page = structure.section(section_id) if section_id else sections[0]
    if page is None or page.pk not in {s.pk for s in sections}:
        return redirect("surveys_staff:preview", survey_id=survey.pk)
    form = section_form(
        structure=structure, section=page, answers=answers, data=request.POST or None
    )
    if request.method == "POST" and form.is_valid():
        staged_update(request, key, form.answers)
        following = section_after(structure, {**answers, **form.answers}, page)
        if request.POST.get("change") == "1" or following is None:
            return redirect("surveys_staff:preview_check", survey_id=survey.pk)
        return redirect(
            "surveys_staff:preview_section", survey_id=survey.pk, section_id=following.pk
        )
    context = section_page_context(structure=structure, section=page, answers=answers, form=form)
    context.update(
        preview=True,
        changing=request.GET.get("change") == "1",
        back_url=(
            reverse(
                "surveys_staff:preview_section",
                kwargs={"survey_id": survey.pk, "section_id": context["previous"].pk},
            )
            if context["previous"]
            else builder_url(survey.pk)
        ),
        action_url=request.get_full_path(),
        can_save_for_later=False,
    )
    return render(request, "surveys/section.html", context)


@require_GET
@require_permission_or_404(can_manage_consultations)
def preview_check(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    structure = survey_structure(survey)
    answers = staged_changes(request, _answers_key(survey.pk))
    return render(
        request,
        "surveys/staff/preview_check.html",
        {
            "survey": survey,
            "summary": answers_summary(structure, answers),
            "can_change": True,
            "change_url_name": "surveys_staff:preview_section",
        },
    )
