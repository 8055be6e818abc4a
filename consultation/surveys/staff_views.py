"""Staff: the list of surveys, a survey's details, its builder page, conditions and live
results; and what every survey staff page shares (the guard, the form page, the builder's
buttons).

The builder's sections, questions and options are in builder_views, the preview in
preview_views, responses (and typing in paper ones) in response_views.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from consultation.surveys import selectors, services
from consultation.surveys.forms import ConditionForm, SurveyForm, condition_description
from consultation.surveys.models import Response, Survey
from consultation.surveys.selectors import results_summary_cached, survey_structure
from talklondon.guards import errors_into_form, found_or_404, require_permission_or_404
from talklondon.permissions import can_manage_consultations, can_view_results

STAFF_RATE = "120/m"


def can_build_or_read_surveys(user) -> bool:
    return can_manage_consultations(user) or can_view_results(user)


def manager_page(*, methods: tuple[str, ...] = ("GET", "POST")) -> Callable:
    """The guard on a consultation manager's page that takes a POST (a form or a button):
    everyone else gets 404, and POSTs are rate-limited."""

    def decorator(view):
        guarded = require_permission_or_404(can_manage_consultations)(view)
        limited = ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)(guarded)
        return require_http_methods(list(methods))(limited)

    return decorator


def form_page(
    request, *, form, title: str, back_url: str, submit: str, intro: str = "", status=200
):
    return render(
        request,
        "surveys/staff/form.html",
        {"form": form, "title": title, "back_url": back_url, "submit": submit, "intro": intro},
        status=400 if form.is_bound and form.errors else status,
    )


def builder_url(survey_id: int) -> str:
    return reverse("surveys_staff:builder", kwargs={"survey_id": survey_id})


def builder_action(request, survey_id: int, action: Callable[[], object], success: str):
    """Run a builder action from a POST button and report the outcome on the builder."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        raise Http404 from exc
    else:
        messages.success(request, success)
    return redirect(builder_url(survey_id))


# --- Lists and survey details --------------------------------------------------------------


@require_GET
@require_permission_or_404(can_build_or_read_surveys)
def survey_list(request: HttpRequest) -> HttpResponse:
    manager = can_manage_consultations(request.user)
    return render(
        request,
        "surveys/staff/list.html",
        {
            "surveys": selectors.surveys_for_staff(),
            "is_manager": manager,
            "is_analyst": can_view_results(request.user),
        },
    )


@manager_page()
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            # A new survey is empty: go straight on to its first section.
            return redirect("surveys_staff:section_create", survey_id=survey.pk)
    return form_page(
        request,
        form=form,
        title="Create a survey",
        back_url=reverse("surveys_staff:list"),
        submit="Create survey",
    )


@manager_page()
def survey_edit(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    initial = {
        "consultation": survey.consultation_id,
        "title": survey.title,
        "slug": survey.slug,
        "intro": survey.intro,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "layout": survey.layout,
    }
    form = SurveyForm(request.POST or None, initial=initial)
    form.fields["consultation"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "consultation"}
        try:
            services.survey_update(actor=request.user, survey=survey, **data)
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Survey details saved.")
            return redirect(builder_url(survey.pk))
    return form_page(
        request,
        form=form,
        title=f"Edit “{survey.title}”",
        back_url=builder_url(survey.pk),
        submit="Save",
    )


@require_GET
@require_permission_or_404(can_manage_consultations)
def builder(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    structure = survey_structure(survey)
    sections = []
    # Q1, Q2… across the whole survey, as on the dashboard, in exports and in results.
    numbers = {q.pk: n for n, q in enumerate(structure.questions, start=1)}
    for section in structure.sections:
        questions = []
        for question in structure.questions_by_section.get(section.pk, []):
            condition = structure.question_conditions.get(question.pk)
            questions.append(
                {
                    "question": question,
                    "number": numbers[question.pk],
                    "options": structure.options_by_question.get(question.pk, []),
                    "condition": condition_description(structure, condition) if condition else "",
                }
            )
        condition = structure.section_conditions.get(section.pk)
        sections.append(
            {
                "section": section,
                "questions": questions,
                "condition": condition_description(structure, condition) if condition else "",
            }
        )
    return render(
        request,
        "surveys/staff/builder.html",
        {
            "survey": survey,
            "sections": sections,
            "locked": services.survey_has_responses(survey),
            "response_count": survey.responses.count(),
            "change_log": survey.change_log.select_related("changed_by")[:30],
        },
    )


# --- Conditions ----------------------------------------------------------------------------


def _condition_page(request, *, survey: Survey, question=None, section=None) -> HttpResponse:
    structure = survey_structure(survey)
    if question is not None:
        earlier = []
        for q in structure.questions:
            if q.pk == question.pk:
                break
            earlier.append(q)
        current = structure.question_conditions.get(question.pk)
        target = f"the question “{question.text}”"
    else:
        earlier = [
            q
            for s in structure.sections
            if s.position < section.position
            or (s.position == section.position and s.pk < section.pk)
            for q in structure.questions_by_section.get(s.pk, [])
        ]
        current = structure.section_conditions.get(section.pk)
        target = f"the section “{section.title}”"
    initial = {}
    if current is not None:
        if current.boolean_value is not None:
            initial["show_when"] = [
                f"{'y' if current.boolean_value else 'n'}{current.depends_on_id}"
            ]
        else:
            initial["show_when"] = [
                f"o{o}" for o in structure.condition_options.get(current.pk, ())
            ]
    form = ConditionForm(
        request.POST or None, structure=structure, earlier=earlier, initial=initial
    )
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            return builder_action(
                request,
                survey.pk,
                lambda: services.condition_clear(
                    actor=request.user, question=question, section=section
                ),
                "The condition was removed.",
            )
        if form.is_valid():
            chosen = form.cleaned_data["show_when"]
            depends_on = structure.question(chosen["depends_on_id"])
            try:
                services.condition_set(
                    actor=request.user,
                    depends_on=depends_on,
                    question=question,
                    section=section,
                    option_ids=chosen["option_ids"],
                    boolean_value=chosen["boolean_value"],
                )
            except ValidationError as exc:
                errors_into_form(form, exc)
            else:
                messages.success(request, "Condition saved.")
                return redirect(builder_url(survey.pk))
    return render(
        request,
        "surveys/staff/condition.html",
        {
            "form": form,
            "survey": survey,
            "target": target,
            "current": condition_description(structure, current) if current else "",
            "has_choices": bool(form.fields["show_when"].choices),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@manager_page()
def question_condition(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    return _condition_page(request, survey=question.section.survey, question=question)


@manager_page()
def section_condition(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    return _condition_page(request, survey=section.survey, section=section)


# --- Results -------------------------------------------------------------------------------


@require_GET
@require_permission_or_404(can_view_results)
def results(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    channel = request.GET.get("channel", "")
    if channel not in Response.Channel.values:
        channel = ""
    summary = results_summary_cached(survey, channel=channel)
    return render(
        request,
        "surveys/staff/results.html",
        {"survey": survey, "channel": channel, "channels": Response.Channel.choices, **summary},
    )
