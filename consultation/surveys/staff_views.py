"""Staff: the survey builder, preview, responses from other channels, and live results."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation.surveys import selectors, services
from consultation.surveys.forms import (
    AnswersForm,
    ConditionForm,
    OptionForm,
    ResponseEntryForm,
    SectionForm,
    SurveyForm,
    condition_description,
)
from consultation.surveys.models import Question, Response, Survey
from consultation.surveys.selectors import (
    answers_summary,
    likely_duplicates,
    results_summary,
    survey_structure,
)
from consultation.surveys.views import (
    _block_fields,
    section_form,
    section_page_context,
    staged_changes,
    staged_update,
    visible_sections,
)
from talklondon.guards import errors_into_form, found_or_404, require_permission_or_404
from talklondon.permissions import can_manage_consultations, can_view_results

STAFF_RATE = "120/m"


def can_build_or_read_surveys(user) -> bool:
    return can_manage_consultations(user) or can_view_results(user)


def _form_page(
    request, *, form, title: str, back_url: str, submit: str, intro: str = "", status=200
):
    return render(
        request,
        "surveys/staff/form.html",
        {"form": form, "title": title, "back_url": back_url, "submit": submit, "intro": intro},
        status=400 if form.is_bound and form.errors else status,
    )


def _builder_url(survey_id: int) -> str:
    return reverse("surveys_staff:builder", kwargs={"survey_id": survey_id})


# --- Lists and survey details --------------------------------------------------------------


@require_GET
@require_permission_or_404(can_build_or_read_surveys)
def survey_list(request: HttpRequest) -> HttpResponse:
    manager = can_manage_consultations(request.user)
    surveys = (
        Survey.objects.select_related("consultation")
        .annotate(submitted=Count("responses", filter=Q(responses__status="submitted")))
        .order_by("-consultation__opens_at", "pk")
    )
    return render(
        request,
        "surveys/staff/list.html",
        {"surveys": surveys, "is_manager": manager, "is_analyst": can_view_results(request.user)},
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            # A new survey is empty: go straight on to its first section.
            return redirect("surveys_staff:section_create", survey_id=survey.pk)
    return _form_page(
        request,
        form=form,
        title="Create a survey",
        back_url=reverse("surveys_staff:list"),
        submit="Create survey",
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
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
            services.survey_update(user=request.user, survey=survey, **data)
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Survey details saved.")
            return redirect(_builder_url(survey.pk))
    return _form_page(
        request,
        form=form,
        title=f"Edit “{survey.title}”",
        back_url=_builder_url(survey.pk),
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


# --- Sections, questions, options ----------------------------------------------------------


def _act(request, survey_id: int, action, success: str) -> HttpResponse:
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
    return redirect(_builder_url(survey_id))


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def section_create(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        section = services.section_create(user=request.user, survey=survey, **form.cleaned_data)
        # A new section is empty: go straight on to its first question.
        return redirect("surveys_staff:question_create", section_id=section.pk)
    return _form_page(
        request,
        form=form,
        title="Add a section",
        back_url=_builder_url(survey.pk),
        submit="Add section",
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def section_edit(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    form = SectionForm(
        request.POST or None, initial={"title": section.title, "intro": section.intro}
    )
    if request.method == "POST" and form.is_valid():
        services.section_update(user=request.user, section=section, **form.cleaned_data)
        return redirect(_builder_url(section.survey_id))
    return _form_page(
        request,
        form=form,
        title=f"Edit the section “{section.title}”",
        back_url=_builder_url(section.survey_id),
        submit="Save",
    )


@require_POST
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def section_action(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    action = request.POST.get("action")
    if action == "delete":  # removing is confirmed on its own page first
        return redirect("surveys_staff:section_remove", section_id=section.pk)
    return _act(
        request,
        section.survey_id,
        lambda: services.section_move(user=request.user, section=section, direction=action),
        "Section moved.",
    )


# Questions are created and edited with their options in builder_views.


@require_POST
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def question_action(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    action = request.POST.get("action")
    survey_id = question.section.survey_id
    if action == "delete":  # removing is confirmed on its own page first
        return redirect("surveys_staff:question_remove", question_id=question.pk)
    return _act(
        request,
        survey_id,
        lambda: services.question_move(user=request.user, question=question, direction=action),
        "Question moved.",
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def option_create(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    form = OptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.option_create(user=request.user, question=question, **form.cleaned_data)
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Option added.")
            if "another" in request.POST:
                return redirect("surveys_staff:option_create", question_id=question.pk)
            return redirect(_builder_url(question.section.survey_id))
    return _form_page(
        request,
        form=form,
        title=f"Add an option to “{question.text}”",
        back_url=_builder_url(question.section.survey_id),
        submit="Add option",
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def option_edit(request: HttpRequest, option_id: int) -> HttpResponse:
    option = found_or_404(selectors.option_for_staff(option_id=option_id))
    form = OptionForm(request.POST or None, initial={"label": option.label})
    del form.fields["is_other"]
    survey_id = option.question.section.survey_id
    if request.method == "POST" and form.is_valid():
        services.option_update(user=request.user, option=option, label=form.cleaned_data["label"])
        messages.success(request, "Option saved.")
        return redirect(_builder_url(survey_id))
    return _form_page(
        request, form=form, title="Edit the option", back_url=_builder_url(survey_id), submit="Save"
    )


@require_POST
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def option_action(request: HttpRequest, option_id: int) -> HttpResponse:
    option = found_or_404(selectors.option_for_staff(option_id=option_id))
    action = request.POST.get("action")
    survey_id = option.question.section.survey_id
    if action == "delete":  # removing is confirmed on its own page first
        return redirect("surveys_staff:option_remove", option_id=option.pk)
    return _act(
        request,
        survey_id,
        lambda: services.option_move(user=request.user, option=option, direction=action),
        "Option moved.",
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
            return _act(
                request,
                survey.pk,
                lambda: services.condition_clear(
                    user=request.user, question=question, section=section
                ),
                "The condition was removed.",
            )
        if form.is_valid():
            chosen = form.cleaned_data["show_when"]
            depends_on = structure.question(chosen["depends_on_id"])
            try:
                services.condition_set(
                    user=request.user,
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
                return redirect(_builder_url(survey.pk))
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


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def question_condition(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    return _condition_page(request, survey=question.section.survey, question=question)


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def section_condition(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    return _condition_page(request, survey=section.survey, section=section)


# --- Preview -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def preview(request: HttpRequest, survey_id: int, section_id: int | None = None) -> HttpResponse:
    """The survey as a respondent sees it; answers live in the session and are never saved."""
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    structure = survey_structure(survey)
    key = f"survey-preview-{survey.pk}"
    if request.method == "GET" and section_id is None:
        request.session.pop(key, None)
    answers = staged_changes(request, key)
    sections = visible_sections(structure, answers)
    if not sections:
        messages.error(request, "Add a section before previewing the survey.")
        return redirect(_builder_url(survey.pk))
    page = structure.section(section_id) if section_id else sections[0]
    if page is None or page.pk not in {s.pk for s in sections}:
        return redirect("surveys_staff:preview", survey_id=survey.pk)
    form = section_form(
        structure=structure, section=page, answers=answers, data=request.POST or None
    )
    if request.method == "POST" and form.is_valid():
        staged_update(request, key, form.answers)
        answers.update(form.answers)
        following = visible_sections(structure, answers)
        index = next(i for i, s in enumerate(following) if s.pk == page.pk)
        if request.POST.get("change") == "1" or index + 1 >= len(following):
            return redirect("surveys_staff:preview_check", survey_id=survey.pk)
        return redirect(
            "surveys_staff:preview_section", survey_id=survey.pk, section_id=following[index + 1].pk
        )
    context = section_page_context(structure=structure, section=page, answers=answers, form=form)
    context["blocks"] = [_block_fields(form, block) for block in form.blocks]
    context.update(
        preview=True,
        changing=request.GET.get("change") == "1",
        back_url=(
            reverse(
                "surveys_staff:preview_section",
                kwargs={"survey_id": survey.pk, "section_id": context["previous"].pk},
            )
            if context["previous"]
            else _builder_url(survey.pk)
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
    answers = staged_changes(request, f"survey-preview-{survey.pk}")
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


# --- Responses from other channels ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
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
            district = next(
                (
                    v["text"]
                    for qid, v in answers_form.answers.items()
                    if v and structure.question(qid).type == Question.Type.POSTCODE_DISTRICT
                ),
                "",
            )
            texts = [
                v["text"]
                for qid, v in answers_form.answers.items()
                if v
                and structure.question(qid).type
                in (Question.Type.LONG_TEXT, Question.Type.SHORT_TEXT)
            ]
            duplicates = likely_duplicates(
                survey,
                name=cleaned["respondent_name"],
                district=district,
                texts=texts,
                answers=answers_form.answers,
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
                        user=request.user,
                        channel=cleaned["channel"],
                        channel_reference=cleaned["channel_reference"],
                        respondent_name=cleaned["respondent_name"],
                        answers=answers_form.answers,
                        token=cleaned["token"] or uuid.uuid4().hex,
                        scan=cleaned["scan"],
                    )
                except ValidationError as exc:
                    if hasattr(exc, "error_dict") and set(exc.message_dict) <= {"scan", "channel"}:
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
    blocks = [_block_fields(answers_form, block) for block in answers_form.blocks]
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


# --- Results -------------------------------------------------------------------------------


@require_GET
@require_permission_or_404(can_view_results)
def results(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    channel = request.GET.get("channel", "")
    if channel not in Response.Channel.values:
        channel = ""
    summary = results_summary(survey, channel=channel)
    return render(
        request,
        "surveys/staff/results.html",
        {"survey": survey, "channel": channel, "channels": Response.Channel.choices, **summary},
    )
