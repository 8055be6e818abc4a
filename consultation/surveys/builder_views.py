"""Staff: publishing a draft survey, and the confirmation asked before removing anything.

The builder's "Remove" controls are links to these pages; nothing is removed until the
person confirms, having been told what goes with it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from consultation.surveys import selectors, services
from consultation.surveys.builder_forms import QuestionWithOptionsForm
from consultation.surveys.models import Question, Section, Survey
from consultation.surveys.services.builder import (
    option_delete_refusal,
    question_delete_refusal,
    section_delete_refusal,
)
from consultation.surveys.services.question_options import question_options_set
from talklondon.guards import errors_into_form, found_or_404, require_permission_or_404
from talklondon.permissions import can_manage_consultations

STAFF_RATE = "120/m"


def _builder_url(survey_id: int) -> str:
    return reverse("surveys_staff:builder", kwargs={"survey_id": survey_id})


QUESTION_FIELDS = (
    "type",
    "text",
    "hint",
    "required",
    "min_picks",
    "max_picks",
    "char_limit",
    "min_value",
    "max_value",
)


def _question_page(request, *, form, survey, section, title: str, intro: str = ""):
    return render(
        request,
        "surveys/staff/question_form.html",
        {
            "form": form,
            "survey": survey,
            "section": section,
            "title": title,
            "intro": intro,
            "back_url": _builder_url(survey.pk),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _after_question(request, section: Section) -> HttpResponse:
    if request.POST.get("next") == "another":
        return redirect("surveys_staff:question_create", section_id=section.pk)
    if request.POST.get("next") == "section":
        return redirect("surveys_staff:section_create", survey_id=section.survey_id)
    return redirect(_builder_url(section.survey_id))


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def question_create(request: HttpRequest, section_id: int) -> HttpResponse:
    """A question and its options in one form; "Save and add another question" goes on."""
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    form = QuestionWithOptionsForm(request.POST or None, initial={"required": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                question = services.question_create(
                    user=request.user, section=section, **{k: data[k] for k in QUESTION_FIELDS}
                )
                question_options_set(
                    user=request.user,
                    question=question,
                    labels=data["option_labels"],
                    other=data["other"],
                )
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, f"Question added: “{question.text}”.")
            return _after_question(request, section)
    return _question_page(
        request,
        form=form,
        survey=section.survey,
        section=section,
        title=f"Add a question to “{section.title}”",
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    options = list(question.options.order_by("position", "pk"))
    initial = {field: getattr(question, field) for field in QUESTION_FIELDS}
    initial["options"] = "\n".join(o.label for o in options if not o.is_other)
    initial["other"] = next((o.label for o in options if o.is_other), "")
    form = QuestionWithOptionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.question_update(
                    user=request.user, question=question, **{k: data[k] for k in QUESTION_FIELDS}
                )
                question_options_set(
                    user=request.user,
                    question=question,
                    labels=data["option_labels"],
                    other=data["other"],
                )
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Question saved.")
            return _after_question(request, question.section)
    locked = services.survey_has_responses(question.section.survey)
    return _question_page(
        request,
        form=form,
        survey=question.section.survey,
        section=question.section,
        title="Edit the question",
        intro=(
            "People have answered this survey: you can correct wording and add options, but "
            "not change the type of question or remove options. To correct an option's wording, "
            "use Edit next to it on the builder. Every change is logged."
            if locked
            else ""
        ),
    )


def _confirm(
    request, *, survey: Survey, title: str, lines: list[str], button: str, warning=True, refusal=""
):
    return render(
        request,
        "surveys/staff/confirm.html",
        {
            "survey": survey,
            "title": title,
            "lines": lines,
            "button": button,
            "warning": warning,
            "refusal": refusal,
            "back_url": _builder_url(survey.pk),
        },
    )


def _run(request, survey_id: int, action, success: str, *, failure_url: str | None = None):
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(failure_url or _builder_url(survey_id))
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, success)
    return redirect(_builder_url(survey_id))


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def survey_publish(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    if request.method == "POST":
        return _run(
            request,
            survey.pk,
            lambda: services.survey_publish(user=request.user, survey=survey),
            "Survey published. Respondents can now reach it while it is open.",
        )
    if not survey.is_draft:
        return redirect(_builder_url(survey.pk))
    questions = Question.objects.filter(section__survey=survey).count()
    return _confirm(
        request,
        survey=survey,
        title=f"Publish “{survey.title}”?",
        lines=[
            f"It has {questions} question{'s' if questions != 1 else ''}.",
            f"The consultation “{survey.consultation.title}” will link to it, and people can "
            f"answer it from {survey.opens:%-d %B %Y %H:%M} to {survey.closes:%-d %B %Y %H:%M}.",
            "Once anyone has answered, questions and options can no longer be removed.",
        ],
        button="Publish survey",
        warning=False,
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def section_remove(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    if request.method == "POST":
        return _run(
            request,
            section.survey_id,
            lambda: services.section_delete(user=request.user, section=section),
            f"Section “{section.title}” removed.",
        )
    questions = list(section.questions.order_by("position", "pk").values_list("text", flat=True))
    lines = [f"This removes the section “{section.title}”"]
    if questions:
        lines[0] += f" and its {len(questions)} question{'s' if len(questions) != 1 else ''}:"
        lines.extend(f"“{text}”" for text in questions)
    else:
        lines[0] += ". It has no questions."
    return _confirm(
        request,
        survey=section.survey,
        title=f"Remove the section “{section.title}”?",
        lines=lines,
        button="Yes, remove the section",
        refusal=section_delete_refusal(section),
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def question_remove(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    survey = question.section.survey
    if request.method == "POST":
        return _run(
            request,
            survey.pk,
            lambda: services.question_delete(user=request.user, question=question),
            "Question removed.",
        )
    options = question.options.count()
    lines = [f"This removes the question “{question.text}”"]
    lines[0] += f" and its {options} option{'s' if options != 1 else ''}." if options else "."
    return _confirm(
        request,
        survey=survey,
        title="Remove this question?",
        lines=lines,
        button="Yes, remove the question",
        refusal=question_delete_refusal(question),
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=STAFF_RATE, method="POST", block=True)
@require_permission_or_404(can_manage_consultations)
def option_remove(request: HttpRequest, option_id: int) -> HttpResponse:
    option = found_or_404(selectors.option_for_staff(option_id=option_id))
    survey = option.question.section.survey
    if request.method == "POST":
        return _run(
            request,
            survey.pk,
            lambda: services.option_delete(user=request.user, option=option),
            "Option removed.",
        )
    return _confirm(
        request,
        survey=survey,
        title="Remove this option?",
        lines=[f"This removes “{option.label}” from the question “{option.question.text}”."],
        button="Yes, remove the option",
        refusal=option_delete_refusal(option),
    )
