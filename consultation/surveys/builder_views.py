"""Staff: the builder's sections, questions and options (add, edit, move, remove), and
publishing a draft survey.

The builder's "Remove" controls lead to a confirmation page; nothing is removed until the
person confirms, having been told what goes with it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from consultation.surveys import selectors, services
from consultation.surveys.builder_forms import QuestionWithOptionsForm
from consultation.surveys.forms import OptionForm, SectionForm
from consultation.surveys.models import Option, Question, Section, Survey
from consultation.surveys.services.builder import (
    option_delete_refusal,
    question_delete_refusal,
    section_delete_refusal,
)
from consultation.surveys.services.question_options import question_options_set
from consultation.surveys.staff_views import builder_action, builder_url, form_page, manager_page
from talklondon.guards import errors_into_form, found_or_404

# --- Sections ------------------------------------------------------------------------------


@manager_page()
def section_create(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        section = services.section_create(actor=request.user, survey=survey, **form.cleaned_data)
        # A new section is empty: go straight on to its first question.
        return redirect("surveys_staff:question_create", section_id=section.pk)
    return form_page(
        request,
        form=form,
        title="Add a section",
        back_url=builder_url(survey.pk),
        submit="Add section",
    )


@manager_page()
def section_edit(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    form = SectionForm(
        request.POST or None, initial={"title": section.title, "intro": section.intro}
    )
    if request.method == "POST" and form.is_valid():
        services.section_update(actor=request.user, section=section, **form.cleaned_data)
        return redirect(builder_url(section.survey_id))
    return form_page(
        request,
        form=form,
        title=f"Edit the section “{section.title}”",
        back_url=builder_url(section.survey_id),
        submit="Save",
    )


# --- Questions: each with its options, in one form -----------------------------------------

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
LOCKED_QUESTION_INTRO = (
    "People have answered this survey: you can correct wording and add options, but "
    "not change the type of question or remove options. To correct an option's wording, "
    "use Edit next to it on the builder. Every change is logged."
)


def _question_form(request, *, section: Section, question: Question | None) -> HttpResponse:
    """Add a question at the end of `section` (`question=None`) or edit `question`, with its
    options; "Save and add another question" (or section) goes on to the next thing to write."""
    if question is None:
        initial = {"required": True}
    else:
        options = list(question.options.order_by("position", "pk"))
        initial = {field: getattr(question, field) for field in QUESTION_FIELDS}
        initial["options"] = "\n".join(o.label for o in options if not o.is_other)
        initial["other"] = next((o.label for o in options if o.is_other), "")
    form = QuestionWithOptionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in QUESTION_FIELDS}
        try:
            with transaction.atomic():
                if question is None:
                    saved = services.question_create(actor=request.user, section=section, **fields)
                else:
                    saved = services.question_update(
                        actor=request.user, question=question, **fields
                    )
                question_options_set(
                    actor=request.user,
                    question=saved,
                    labels=data["option_labels"],
                    other=data["other"],
                )
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            added = question is None
            messages.success(
                request, f"Question added: “{saved.text}”." if added else "Question saved."
            )
            return _after_question(request, section)
    if question is None:
        title, intro = f"Add a question to “{section.title}”", ""
    else:
        locked = services.survey_has_responses(section.survey)
        title, intro = "Edit the question", LOCKED_QUESTION_INTRO if locked else ""
    return render(
        request,
        "surveys/staff/question_form.html",
        {
            "form": form,
            "survey": section.survey,
            "section": section,
            "title": title,
            "intro": intro,
            "back_url": builder_url(section.survey_id),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _after_question(request, section: Section) -> HttpResponse:
    if request.POST.get("next") == "another":
        return redirect("surveys_staff:question_create", section_id=section.pk)
    if request.POST.get("next") == "section":
        return redirect("surveys_staff:section_create", survey_id=section.survey_id)
    return redirect(builder_url(section.survey_id))


@manager_page()
def question_create(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    return _question_form(request, section=section, question=None)


@manager_page()
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    return _question_form(request, section=question.section, question=question)


# --- Options -------------------------------------------------------------------------------


@manager_page()
def option_create(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    form = OptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.option_create(actor=request.user, question=question, **form.cleaned_data)
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Option added.")
            if "another" in request.POST:
                return redirect("surveys_staff:option_create", question_id=question.pk)
            return redirect(builder_url(question.section.survey_id))
    return form_page(
        request,
        form=form,
        title=f"Add an option to “{question.text}”",
        back_url=builder_url(question.section.survey_id),
        submit="Add option",
    )


@manager_page()
def option_edit(request: HttpRequest, option_id: int) -> HttpResponse:
    option = found_or_404(selectors.option_for_staff(option_id=option_id))
    form = OptionForm(request.POST or None, initial={"label": option.label})
    del form.fields["is_other"]
    survey_id = option.question.section.survey_id
    if request.method == "POST" and form.is_valid():
        services.option_update(actor=request.user, option=option, label=form.cleaned_data["label"])
        messages.success(request, "Option saved.")
        return redirect(builder_url(survey_id))
    return form_page(
        request, form=form, title="Edit the option", back_url=builder_url(survey_id), submit="Save"
    )


# --- The Up, Down and Remove buttons beside each section, question and option --------------


def _move_or_remove(
    request, *, survey_id: int, move: Callable[[str], object], moved: str, remove_url: str
) -> HttpResponse:
    """Move one place up or down now; Remove goes to its confirmation page first."""
    action = request.POST.get("action")
    if action == "delete":
        return redirect(remove_url)
    return builder_action(request, survey_id, lambda: move(action), moved)


@manager_page(methods=("POST",))
def section_action(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    return _move_or_remove(
        request,
        survey_id=section.survey_id,
        move=lambda way: services.section_move(actor=request.user, section=section, direction=way),
        moved="Section moved.",
        remove_url=reverse("surveys_staff:section_remove", kwargs={"section_id": section.pk}),
    )


@manager_page(methods=("POST",))
def question_action(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    return _move_or_remove(
        request,
        survey_id=question.section.survey_id,
        move=lambda way: services.question_move(
            actor=request.user, question=question, direction=way
        ),
        moved="Question moved.",
        remove_url=reverse("surveys_staff:question_remove", kwargs={"question_id": question.pk}),
    )


@manager_page(methods=("POST",))
def option_action(request: HttpRequest, option_id: int) -> HttpResponse:
    option = found_or_404(selectors.option_for_staff(option_id=option_id))
    return _move_or_remove(
        request,
        survey_id=option.question.section.survey_id,
        move=lambda way: services.option_move(actor=request.user, option=option, direction=way),
        moved="Option moved.",
        remove_url=reverse("surveys_staff:option_remove", kwargs={"option_id": option.pk}),
    )


# --- Confirmations: removing, and publishing -----------------------------------------------


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
            "back_url": builder_url(survey.pk),
        },
    )


def _remove(
    request,
    *,
    survey: Survey,
    remove: Callable[[], object],
    removed: str,
    confirmation: Callable[[], dict],
) -> HttpResponse:
    """Remove once the person has confirmed (the POST); first the page that asks (the GET),
    saying what goes with it and, where it would be refused, why (`confirmation()`)."""
    if request.method == "POST":
        return builder_action(request, survey.pk, remove, removed)
    return _confirm(request, survey=survey, **confirmation())


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _section_removal(section: Section) -> dict:
    questions = list(section.questions.order_by("position", "pk").values_list("text", flat=True))
    lines = [f"This removes the section “{section.title}”"]
    if questions:
        lines[0] += f" and its {_plural(len(questions), 'question')}:"
        lines.extend(f"“{text}”" for text in questions)
    else:
        lines[0] += ". It has no questions."
    return {
        "title": f"Remove the section “{section.title}”?",
        "lines": lines,
        "button": "Yes, remove the section",
        "refusal": section_delete_refusal(section),
    }


def _question_removal(question: Question) -> dict:
    options = question.options.count()
    lines = [f"This removes the question “{question.text}”"]
    lines[0] += f" and its {_plural(options, 'option')}." if options else "."
    return {
        "title": "Remove this question?",
        "lines": lines,
        "button": "Yes, remove the question",
        "refusal": question_delete_refusal(question),
    }


def _option_removal(option: Option) -> dict:
    return {
        "title": "Remove this option?",
        "lines": [f"This removes “{option.label}” from the question “{option.question.text}”."],
        "button": "Yes, remove the option",
        "refusal": option_delete_refusal(option),
    }


@manager_page()
def section_remove(request: HttpRequest, section_id: int) -> HttpResponse:
    section = found_or_404(selectors.section_for_staff(section_id=section_id))
    return _remove(
        request,
        survey=section.survey,
        remove=lambda: services.section_delete(actor=request.user, section=section),
        removed=f"Section “{section.title}” removed.",
        confirmation=lambda: _section_removal(section),
    )


@manager_page()
def question_remove(request: HttpRequest, question_id: int) -> HttpResponse:
    question = found_or_404(selectors.question_for_staff(question_id=question_id))
    return _remove(
        request,
        survey=question.section.survey,
        remove=lambda: services.question_delete(actor=request.user, question=question),
        removed="Question removed.",
        confirmation=lambda: _question_removal(question),
    )


@manager_page()
def option_remove(request: HttpRequest, option_id: int) -> HttpResponse:
    option = found_or_404(selectors.option_for_staff(option_id=option_id))
    return _remove(
        request,
        survey=option.question.section.survey,
        remove=lambda: services.option_delete(actor=request.user, option=option),
        removed="Option removed.",
        confirmation=lambda: _option_removal(option),
    )


@manager_page()
def survey_publish(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = found_or_404(selectors.survey_for_staff(survey_id=survey_id))
    if request.method == "POST":
        return builder_action(
            request,
            survey.pk,
            lambda: services.survey_publish(actor=request.user, survey=survey),
            "Survey published. Respondents can now reach it while it is open.",
        )
    if not survey.is_draft:
        return redirect(builder_url(survey.pk))
    questions = Question.objects.filter(section__survey=survey).count()
    return _confirm(
        request,
        survey=survey,
        title=f"Publish “{survey.title}”?",
        lines=[
            f"It has {_plural(questions, 'question')}.",
            f"The consultation “{survey.consultation.title}” will link to it, and people can "
            f"answer it from {survey.opens:%-d %B %Y %H:%M} to {survey.closes:%-d %B %Y %H:%M}.",
            "Once anyone has answered, questions and options can no longer be removed.",
        ],
        button="Publish survey",
        warning=False,
    )
