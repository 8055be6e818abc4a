"""Answering a survey: start page, one page per section, check your answers, confirmation."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation.surveys.answers import Structure
from consultation.surveys.drafts import draft_answers_has_changes
from consultation.surveys.forms import AnswersForm
from consultation.surveys.models import Response, Section
from consultation.surveys.pages import progress_count, section_after, visible_sections
from consultation.surveys.selectors import (
    RespondentState,
    answers_summary,
    respondent_state,
    response_answers,
    response_current_answers,
    survey_structure_for_respondents,
)
from consultation.surveys.services import (
    survey_changes_discard,
    survey_response_start,
    survey_response_submit,
    survey_section_save,
)
from talklondon.permissions import participation_problem

FIELD_QUESTION_RE = re.compile(r"^q(\d+)")


# Staff previews keep their answers in the session (respondents' pending answers are kept in
# their response's row: consultation.surveys.drafts).
def staged_changes(request: HttpRequest, key: str) -> dict[int, dict | None]:
    return {int(qid): value for qid, value in request.session.get(key, {}).items()}


def staged_update(request: HttpRequest, key: str, answers: dict[int, dict | None]) -> None:
    changes = request.session.get(key, {})
    changes.update({str(qid): value for qid, value in answers.items()})
    request.session[key] = changes


def section_page_context(
    *, structure: Structure, section: Section, answers: dict, form: AnswersForm
) -> dict:
    sections = visible_sections(structure, answers)
    index = next(i for i, s in enumerate(sections) if s.pk == section.pk)
    return {
        "survey": structure.survey,
        "section": section,
        "form": form,
        "blocks": [block_fields(form, block) for block in form.blocks],
        "position": index + 1,
        "count": progress_count(structure, answers),
        "previous": sections[index - 1] if index > 0 else None,
        "next": sections[index + 1] if index + 1 < len(sections) else None,
    }


def block_fields(form: AnswersForm, block: dict) -> dict:
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
#
# Each page loads what it needs in one pass (`respondent_state`: the survey, the person's
# response with its pending answers, and the email check, in one query; the structure from the
# per-process copy) and hands it to the service, which does not load it again.


def _state(request: HttpRequest, slug: str) -> RespondentState:
    state = respondent_state(slug, request.user)
    if state is None:
        raise Http404
    return state


def _problem(request: HttpRequest, state: RespondentState) -> str | None:
    """Why this person cannot answer the survey now, or None."""
    problem = participation_problem(request.user, email_verified=state.email_verified)
    survey = state.survey
    if problem is None and not survey.is_open:
        problem = "This survey has closed." if survey.is_closed else "This survey is not open yet."
    return problem


@require_GET
def start(request: HttpRequest, slug: str) -> HttpResponse:
    state = _state(request, slug)
    structure = survey_structure_for_respondents(state.survey)
    return render(
        request,
        "surveys/start.html",
        {
            "survey": state.survey,
            "response": state.response,
            "problem": _problem(request, state),
            "section_count": len(structure.sections),
            "question_count": len(structure.questions),
        },
    )


def _answering(request: HttpRequest, slug: str) -> RespondentState | HttpResponse:
    """The person's state on a page of their response, or where they go instead: told why
    they cannot answer now (a POST), or sent to the start page."""
    state = _state(request, slug)
    problem = _problem(request, state)
    if problem or state.response is None:
        if request.method == "POST" and problem:
            return _refuse(request, state, problem)
        return redirect("surveys:start", slug=slug)
    return state


def _refuse(request, state: RespondentState, message: str, status: int = 403) -> HttpResponse:
    return render(
        request,
        "surveys/start.html",
        {
            "survey": state.survey,
            "response": state.response,
            "problem": message,
            "section_count": 0,
        },
        status=status,
    )


@require_POST
@ratelimit(key="user_or_ip", rate="20/m", method="POST", block=True)
def begin(request: HttpRequest, slug: str) -> HttpResponse:
    state = _state(request, slug)
    survey = state.survey
    structure = survey_structure_for_respondents(survey)
    response = state.response
    if response is None:
        try:
            response = survey_response_start(survey=survey, actor=request.user, structure=structure)
        except PermissionDenied as exc:
            return _refuse(request, state, str(exc) or "You cannot answer this survey.")
    elif problem := _problem(request, state):
        return _refuse(request, state, problem)
    if response.is_submitted:
        return redirect("surveys:my_response", slug=slug)
    return redirect(_resume_url(structure, response))


def _resume_url(structure: Structure, response: Response) -> str:
    """Where the person stopped: their next page, or "check your answers"."""
    slug = structure.survey.slug
    answers = response_current_answers(response)
    if structure.survey.is_one_page:
        if response.current_section_id or not answers:
            return reverse("surveys:one_page", kwargs={"slug": slug})
        return reverse("surveys:check", kwargs={"slug": slug})
    sections = visible_sections(structure, answers)
    current = response.current_section_id
    if current and any(s.pk == current for s in sections):
        return reverse("surveys:section", kwargs={"slug": slug, "section_id": current})
    if not answers and sections:
        return reverse("surveys:section", kwargs={"slug": slug, "section_id": sections[0].pk})
    return reverse("surveys:check", kwargs={"slug": slug})


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="60/m", method="POST", block=True)
def section(request: HttpRequest, slug: str, section_id: int) -> HttpResponse:
    state = _answering(request, slug)
    if isinstance(state, HttpResponse):
        return state
    response = state.response
    structure = survey_structure_for_respondents(state.survey)
    page = structure.section(section_id)
    if page is None:
        return redirect("surveys:start", slug=slug)
    answers = response_current_answers(response)
    if page.pk not in {s.pk for s in visible_sections(structure, answers)}:
        # An earlier answer means this page does not apply (any more).
        return redirect(_resume_url(structure, response))
    changing = request.GET.get("change") == "1" or request.POST.get("change") == "1"
    later = request.POST.get("action") == "later" and not response.is_submitted
    data = request.POST if request.method == "POST" else None
    form = section_form(
        structure=structure,
        section=page,
        answers=answers,
        data=data,
        enforce_required=not later,
    )
    if request.method == "POST" and form.is_valid():
        # The page after this one depends on this page's answers (a condition may show or
        # hide a later section).
        following = section_after(structure, {**answers, **form.answers}, page)
        if changing or response.is_submitted or following is None:
            next_url = reverse("surveys:check", kwargs={"slug": slug})
        else:
            next_url = reverse("surveys:section", kwargs={"slug": slug, "section_id": following.pk})
        saved = _page_save(
            request, state, structure, section=page, form=form, later=later, next_url=next_url
        )
        if saved is not None:
            return saved
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


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="60/m", method="POST", block=True)
def one_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Every question of a short survey on one page ("one page" layout), then "check your
    answers": two POSTs in all. The first answers start the response."""
    state = _state(request, slug)
    survey, response = state.survey, state.response
    problem = _problem(request, state)
    if not survey.is_one_page or problem:
        if request.method == "POST" and problem:
            return _refuse(request, state, problem)
        return redirect("surveys:start", slug=slug)
    structure = survey_structure_for_respondents(survey)
    answers = response_current_answers(response) if response is not None else {}
    submitted = response is not None and response.is_submitted
    changing = request.GET.get("change") == "1" or request.POST.get("change") == "1"
    later = request.POST.get("action") == "later" and not submitted
    form = AnswersForm(
        request.POST if request.method == "POST" else None,
        structure=structure,
        questions=structure.questions,
        values=answers,
        enforce_required=not later,
        whole_survey=True,
    )
    if request.method == "POST" and form.is_valid():
        saved = _page_save(
            request,
            state,
            structure,
            section=None,
            form=form,
            later=later,
            next_url=reverse("surveys:check", kwargs={"slug": slug}),
        )
        if saved is not None:
            return saved
    blocks, heading = [], None
    for block in form.blocks:
        block = block_fields(form, block)
        if block["question"].section_id != heading:
            heading = block["question"].section_id
            block["heading"] = structure.section(heading)
        blocks.append(block)
    return render(
        request,
        "surveys/one_page.html",
        {
            "survey": survey,
            "response": response,
            "form": form,
            "blocks": blocks,
            "changing": changing,
            "back_url": reverse(
                "surveys:check" if changing else "surveys:start", kwargs={"slug": slug}
            ),
            "action_url": request.get_full_path(),
            "can_save_for_later": not submitted,
        },
    )


def _page_save(
    request: HttpRequest,
    state: RespondentState,
    structure: Structure,
    *,
    section: Section | None,
    form: AnswersForm,
    later: bool,
    next_url: str,
) -> HttpResponse | None:
    """Save a page of answers: one section, or the whole survey (`section=None`, the "one
    page" layout, whose first answers also start the response).

    Returns the page to go to (`next_url`, the start page after "save and come back later",
    or the refusal), or None when the service refused the answers: the form then shows why.
    """
    response = state.response
    try:
        if response is None and section is None:
            # The "one page" layout's first answers start the response, in one INSERT.
            survey_response_start(
                survey=state.survey,
                actor=request.user,
                structure=structure,
                email_verified=state.email_verified,
                answers=form.answers,
                enforce_required=not later,
            )
        else:
            if response is None:
                response = survey_response_start(
                    survey=state.survey,
                    actor=request.user,
                    structure=structure,
                    email_verified=state.email_verified,
                )
            survey_section_save(
                response=response,
                actor=request.user,
                section=section,
                answers=form.answers,
                enforce_required=not later,
                structure=structure,
                email_verified=state.email_verified,
            )
    except PermissionDenied as exc:
        return _refuse(request, state, str(exc))
    except ValidationError as exc:
        _add_errors(form, exc)
        return None
    if later:
        messages.success(
            request,
            "Your answers have been saved. Come back to finish at any time before the survey closes.",
        )
        return redirect("surveys:start", slug=state.survey.slug)
    return redirect(next_url)


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
    state = _answering(request, slug)
    if isinstance(state, HttpResponse):
        return state
    response = state.response
    structure = survey_structure_for_respondents(state.survey)
    errors = []
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            survey_changes_discard(response=response, actor=request.user)
            messages.success(request, "Your changes have been discarded.")
            return redirect("surveys:my_response", slug=slug)
        token = str(request.POST.get("token", ""))[:64]
        try:
            survey_response_submit(
                response=response,
                actor=request.user,
                token=token,
                structure=structure,
                email_verified=state.email_verified,
            )
        except PermissionDenied as exc:
            return _refuse(request, state, str(exc))
        except ValidationError as exc:
            errors = errors_to_links(
                structure,
                exc,
                lambda section_id: (
                    reverse("surveys:one_page", kwargs={"slug": slug})
                    if state.survey.is_one_page
                    else reverse("surveys:section", kwargs={"slug": slug, "section_id": section_id})
                )
                + "?change=1",
            )
        else:
            return redirect("surveys:confirmation", slug=slug)
    return render(
        request,
        "surveys/check.html",
        {
            "survey": state.survey,
            "response": response,
            "summary": answers_summary(structure, response_current_answers(response)),
            "errors": errors,
            "token": uuid.uuid4().hex,
            "has_changes": draft_answers_has_changes(response),
            "can_change": True,
        },
        status=400 if errors else 200,
    )


@require_GET
def confirmation(request: HttpRequest, slug: str) -> HttpResponse:
    state = _state(request, slug)
    response = state.response
    if response is None or not response.is_submitted:
        return redirect("surveys:start", slug=slug)
    return render(
        request, "surveys/confirmation.html", {"survey": state.survey, "response": response}
    )


@require_GET
def my_response(request: HttpRequest, slug: str) -> HttpResponse:
    """The person's own answers: readable at any time, changeable while the survey is open."""
    state = _state(request, slug)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    response = state.response
    if response is None:
        return redirect("surveys:start", slug=slug)
    structure = survey_structure_for_respondents(state.survey)
    can_change = _problem(request, state) is None
    # The answers as submitted: changes not yet submitted are shown on "check your answers".
    answers = response_answers(response) if response.is_submitted else None
    return render(
        request,
        "surveys/my_response.html",
        {
            "survey": state.survey,
            "response": response,
            "summary": answers_summary(
                structure, answers if answers is not None else response_current_answers(response)
            ),
            "can_change": can_change and response.is_submitted,
            "can_continue": can_change and not response.is_submitted,
            "has_changes": draft_answers_has_changes(response),
        },
    )
