"""Answering a survey: start page, one page per section, check your answers, confirmation."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation.surveys.answers import Structure, visibility
from consultation.surveys.forms import AnswersForm
from consultation.surveys.models import Response, Section, Survey
from consultation.surveys.selectors import (
    answers_summary,
    response_answers,
    response_for_respondent,
    survey_get_public,
    survey_structure_for_respondents,
)
from consultation.surveys.services import (
    survey_response_start,
    survey_response_submit,
    survey_section_save,
)
from talklondon.guards import found_or_404
from talklondon.permissions import participation_problem

FIELD_QUESTION_RE = re.compile(r"^q(\d+)")


def _survey(slug: str) -> Survey:
    return found_or_404(survey_get_public(slug=slug))


# Changes to a submitted response wait in the session until the person submits them, so
# that the submitted (and exported) answers are never half-changed.
def _staged_key(response: Response) -> str:
    return f"survey-changes-{response.pk}"


def staged_changes(request: HttpRequest, key: str) -> dict[int, dict | None]:
    return {int(qid): value for qid, value in request.session.get(key, {}).items()}


def staged_update(request: HttpRequest, key: str, answers: dict[int, dict | None]) -> None:
    changes = request.session.get(key, {})
    changes.update({str(qid): value for qid, value in answers.items()})
    request.session[key] = changes


def visible_sections(structure: Structure, answers: dict) -> list[Section]:
    shown, _ = visibility(structure, answers)
    return [s for s in structure.sections if s.pk in shown]


def section_page_context(
    *, structure: Structure, section: Section, answers: dict, form: AnswersForm
) -> dict:
    sections = visible_sections(structure, answers)
    index = next(i for i, s in enumerate(sections) if s.pk == section.pk)
    return {
        "survey": structure.survey,
        "section": section,
        "form": form,
        "blocks": [_block_fields(form, block) for block in form.blocks],
        "position": index + 1,
        "count": _progress_count(structure, answers),
        "previous": sections[index - 1] if index > 0 else None,
        "next": sections[index + 1] if index + 1 < len(sections) else None,
    }


def _progress_count(structure: Structure, answers: dict) -> int:
    """Sections shown so far, plus those that may still be shown once a question is answered."""
    shown, _ = visibility(structure, answers)
    count = 0
    for section in structure.sections:
        condition = structure.section_conditions.get(section.pk)
        if section.pk in shown or (condition and not answers.get(condition.depends_on_id)):
            count += 1
    return count


def _block_fields(form: AnswersForm, block: dict) -> dict:
    """Attach the bound fields each question renders, by their role."""
    qid = block["question"].pk
    prefix = f"q{qid}"
    fields = [form[name] for name in form.fields if name == prefix or name.startswith(prefix + "_")]
    block = dict(block)
    block["main"] = form[prefix] if prefix in form.fields else None
    block["parts"] = [f for f in fields if f.name != prefix]
    question = block["question"]
    if question.type == question.Type.ORGANISATION:
        block["follow_up_values"] = "organisation"
    else:
        other = form.structure.other_option_id(question)
        block["follow_up_values"] = str(other or "")
    return block


def section_form(
    *, structure: Structure, section: Section, answers: dict, data=None, enforce_required=True
) -> AnswersForm:
    questions = structure.questions_by_section.get(section.pk, [])
    ids = {q.pk for q in questions}
    return AnswersForm(
        data,
        structure=structure,
        questions=questions,
        context_answers={k: v for k, v in answers.items() if k not in ids},
        values={k: v for k, v in answers.items() if k in ids},
        enforce_required=enforce_required,
    )


def errors_to_links(
    structure: Structure, error: ValidationError, section_url
) -> list[dict[str, str]]:
    """Map a service's errors (keyed by field) to links to the page and input concerned."""
    links = []
    if not hasattr(error, "error_dict"):
        return [{"href": "", "message": m} for m in error.messages]
    for field, errors in error.message_dict.items():
        match = FIELD_QUESTION_RE.match(field)
        question = structure.question(int(match.group(1))) if match else None
        for message in errors:
            href = (
                f"{section_url(question.section_id)}#{_anchor(question, field)}" if question else ""
            )
            links.append({"href": href, "message": message})
    return links


def _anchor(question, field: str) -> str:
    radios = {"single_choice", "multiple_choice", "agreement", "yes_no", "organisation", "matrix"}
    if question.type in radios and not field.endswith(("_other", "_name", "_role")):
        return f"id_{field}_0"
    return f"id_{field}"


# --- Respondent views ----------------------------------------------------------------------


def _respondent_state(request: HttpRequest, survey: Survey):
    """(response or None, problem message or None) for the person looking at the survey."""
    response = response_for_respondent(survey, request.user)
    problem = participation_problem(request.user)
    if problem is None and not survey.is_open:
        problem = "This survey has closed." if survey.is_closed else "This survey is not open yet."
    return response, problem


@require_GET
def start(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    response, problem = _respondent_state(request, survey)
    structure = survey_structure_for_respondents(survey)
    return render(
        request,
        "surveys/start.html",
        {
            "survey": survey,
            "response": response,
            "problem": problem,
            "section_count": len(structure.sections),
            "question_count": len(structure.questions),
        },
    )


def _refuse(request, survey, message: str, status: int = 403) -> HttpResponse:
    response = response_for_respondent(survey, request.user)
    return render(
        request,
        "surveys/start.html",
        {"survey": survey, "response": response, "problem": message, "section_count": 0},
        status=status,
    )


@require_POST
@ratelimit(key="user_or_ip", rate="20/m", method="POST", block=True)
def begin(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    try:
        response = survey_response_start(survey=survey, user=request.user)
    except PermissionDenied as exc:
        return _refuse(request, survey, str(exc) or "You cannot answer this survey.")
    if response.is_submitted:
        return redirect("surveys:my_response", slug=slug)
    return redirect(_resume_url(survey, response))


def _resume_url(survey: Survey, response: Response) -> str:
    """Where the person stopped: their next page, or "check your answers"."""
    structure = survey_structure_for_respondents(survey)
    answers = response_answers(response)
    sections = visible_sections(structure, answers)
    current = response.current_section_id
    if current and any(s.pk == current for s in sections):
        return reverse("surveys:section", kwargs={"slug": survey.slug, "section_id": current})
    if not answers and sections:
        return reverse(
            "surveys:section", kwargs={"slug": survey.slug, "section_id": sections[0].pk}
        )
    return reverse("surveys:check", kwargs={"slug": survey.slug})


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="60/m", method="POST", block=True)
def section(request: HttpRequest, slug: str, section_id: int) -> HttpResponse:
    survey = _survey(slug)
    response, problem = _respondent_state(request, survey)
    if problem or response is None:
        if request.method == "POST" and problem:
            return _refuse(request, survey, problem)
        return redirect("surveys:start", slug=slug)
    structure = survey_structure_for_respondents(survey)
    page = structure.section(section_id)
    if page is None:
        return redirect("surveys:start", slug=slug)
    key = _staged_key(response)
    answers = response_answers(response)
    if response.is_submitted:
        answers.update(staged_changes(request, key))
    if page.pk not in {s.pk for s in visible_sections(structure, answers)}:
        # An earlier answer means this page does not apply (any more).
        return redirect(_resume_url(survey, response))
    changing = request.GET.get("change") == "1" or request.POST.get("change") == "1"
    later = request.POST.get("action") == "later"
    data = request.POST if request.method == "POST" else None
    form = section_form(
        structure=structure,
        section=page,
        answers=answers,
        data=data,
        enforce_required=not later,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if response.is_submitted:
                staged_update(request, key, form.answers)
            else:
                survey_section_save(
                    response=response,
                    user=request.user,
                    section=page,
                    answers=form.answers,
                    enforce_required=not later,
                    structure=structure,
                )
        except PermissionDenied as exc:
            return _refuse(request, survey, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if later:
                messages.success(
                    request,
                    "Your answers have been saved. Come back to finish at any time before the survey closes.",
                )
                return redirect("surveys:start", slug=slug)
            answers.update(form.answers)
            following = _following_section(structure, answers, page)
            if changing or response.is_submitted or following is None:
                return redirect("surveys:check", slug=slug)
            return redirect("surveys:section", slug=slug, section_id=following.pk)
    context = section_page_context(structure=structure, section=page, answers=answers, form=form)
    context.update(
        response=response,
        changing=changing,
        back_url=(
            reverse("surveys:check", kwargs={"slug": slug})
            if changing
            else reverse(
                "surveys:section", kwargs={"slug": slug, "section_id": context["previous"].pk}
            )
            if context["previous"]
            else reverse("surveys:start", kwargs={"slug": slug})
        ),
        action_url=request.get_full_path(),
        can_save_for_later=not response.is_submitted,
    )
    return render(request, "surveys/section.html", context)


def _following_section(structure: Structure, answers: dict, page: Section) -> Section | None:
    sections = visible_sections(structure, answers)
    index = next((i for i, s in enumerate(sections) if s.pk == page.pk), None)
    if index is None or index + 1 >= len(sections):
        return None
    return sections[index + 1]


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="10/m", method="POST", block=True)
def check(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    response, problem = _respondent_state(request, survey)
    if problem or response is None:
        if request.method == "POST" and problem:
            return _refuse(request, survey, problem)
        return redirect("surveys:start", slug=slug)
    structure = survey_structure_for_respondents(survey)
    key = _staged_key(response)
    changes = staged_changes(request, key) if response.is_submitted else {}
    errors = []
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            request.session.pop(key, None)
            messages.success(request, "Your changes have been discarded.")
            return redirect("surveys:my_response", slug=slug)
        token = str(request.POST.get("token", ""))[:64]
        try:
            survey_response_submit(
                response=response,
                user=request.user,
                token=token,
                changes=changes or None,
                structure=structure,
            )
        except PermissionDenied as exc:
            return _refuse(request, survey, str(exc))
        except ValidationError as exc:
            errors = errors_to_links(
                structure,
                exc,
                lambda section_id: reverse(
                    "surveys:section", kwargs={"slug": slug, "section_id": section_id}
                )
                + "?change=1",
            )
        else:
            request.session.pop(key, None)
            return redirect("surveys:confirmation", slug=slug)
    answers = {**response_answers(response), **changes}
    return render(
        request,
        "surveys/check.html",
        {
            "survey": survey,
            "response": response,
            "summary": answers_summary(structure, answers),
            "errors": errors,
            "token": uuid.uuid4().hex,
            "has_changes": bool(changes),
            "can_change": True,
        },
        status=400 if errors else 200,
    )


@require_GET
def confirmation(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    response = response_for_respondent(survey, request.user)
    if response is None or not response.is_submitted:
        return redirect("surveys:start", slug=slug)
    return render(request, "surveys/confirmation.html", {"survey": survey, "response": response})


@require_GET
def my_response(request: HttpRequest, slug: str) -> HttpResponse:
    """The person's own answers: readable at any time, changeable while the survey is open."""
    survey = _survey(slug)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    response = response_for_respondent(survey, request.user)
    if response is None:
        return redirect("surveys:start", slug=slug)
    structure = survey_structure_for_respondents(survey)
    can_change = survey.is_open and participation_problem(request.user) is None
    return render(
        request,
        "surveys/my_response.html",
        {
            "survey": survey,
            "response": response,
            "summary": answers_summary(structure, response_answers(response)),
            "can_change": can_change and response.is_submitted,
            "can_continue": can_change and not response.is_submitted,
            "has_changes": bool(request.session.get(_staged_key(response))),
        },
    )
