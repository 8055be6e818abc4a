"""Staff pages for free text: browse and search answers, keep a codebook of themes, tag answers,
review suggested themes and see campaign (near-duplicate) groups. Analysts only.

Suggestions are never applied by themselves: a person accepts (and may rename) or rejects each
one; rejections are remembered in the person's session so that the list gets shorter.

Suggestions and campaign groups are computed by a Celery task when an analyst asks
(services/text_analysis.py); these pages only read the stored run and show its progress.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from consultation.analysis import selectors, text_selectors
from consultation.analysis.forms import (
    AnswerReviewForm,
    SuggestionAcceptForm,
    TagForm,
    ThemeForm,
)
from consultation.analysis.models import TextAnalysis, Theme
from consultation.analysis.permissions import can_analyse_text
from consultation.analysis.services.text_analysis import text_analysis_request
from consultation.analysis.services.themes import (
    theme_accept_suggestion,
    theme_create,
    theme_delete,
    theme_rename,
    theme_tag_add,
    theme_tag_remove,
)
from consultation.analysis.text.search import text_search
from consultation.analysis.text.themes import ThemeSuggestion
from consultation.surveys.free_text import WITHHELD, answer_review, withheld_q
from talklondon.converters import ascii_int
from talklondon.guards import errors_into_form, found_or_404, require_permission_or_404

PAGE_SIZE = 50
GROUPS_PAGE_SIZE = 50
REJECTED_SESSION_KEY = "analysis_rejected_suggestions"


def _question(request, question_id: int):
    question = selectors.text_question_get(question_id)
    if question is None:
        raise Http404
    return question


def _theme(request, theme_id: int) -> tuple[Theme, object]:
    theme = found_or_404(selectors.theme_for_staff(theme_id=theme_id))
    question = selectors.text_question_get(int(theme.question_key))
    if question is None:
        raise Http404
    return theme, question


def _context(question, **extra) -> dict:
    return {
        "question": question,
        "survey": question.section.survey,
        "themes": selectors.question_themes(question),
        **extra,
    }


@require_GET
@require_permission_or_404(can_analyse_text)
def text_answers(request, question_id: int):
    """Answers to an open question: search, filter by theme or campaign group, tag."""
    question = _question(request, question_id)
    query = request.GET.get("q", "").strip()[:200]
    answers = selectors.text_answers(question)
    themes = selectors.question_themes(question)
    theme_filter = None
    theme_id = ascii_int(request.GET.get("theme", ""))
    if theme_id is not None:
        theme_filter = next((t for t, _ in themes if t.pk == theme_id), None)
        if theme_filter is not None:
            answers = answers.filter(theme_tags__theme=theme_filter)
    campaign = ascii_int(request.GET.get("campaign", ""))
    # The latest finished run's groups: never computed on this page.
    groups = selectors.campaigns_for_question(question)
    campaign_group = None
    if groups and campaign is not None and 1 <= campaign <= len(groups):
        campaign_group = groups[campaign - 1]
        answers = answers.filter(pk__in=campaign_group.item_ids)
    if query:
        # A search must not reveal what a withheld answer says.
        answers = answers.exclude(withheld_q())
    answers = text_search(answers, fields=["text"], query=query)
    page = Paginator(answers, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in (("q", query), ("theme", theme_id), ("campaign", campaign)) if v}
    in_campaigns = sum(g.size for g in groups) if groups else 0
    return render(
        request,
        "analysis/text_answers.html",
        _context(
            question,
            themes=themes,
            page=page,
            query=query,
            theme_filter=theme_filter,
            campaign_group=campaign_group,
            campaign_number=campaign if campaign_group else "",
            campaign_count=len(groups) if groups is not None else None,
            in_campaigns=in_campaigns,
            filters_query=urlencode(filters),
            next_url=request.get_full_path(),
            tag_form=TagForm(themes=[t for t, _ in themes]),
            withheld_text=WITHHELD,
        ),
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="60/m", method="POST", block=True)
@require_permission_or_404(can_analyse_text)
def text_answer_review(request, question_id: int, answer_id: int):
    """Review an answer withheld because it may hold personal data: release it, or release it
    with the personal data edited out."""
    question = _question(request, question_id)
    answer = selectors.text_answers(question).filter(pk=answer_id).first()
    if answer is None:
        raise Http404
    if request.method == "POST":
        form = AnswerReviewForm(request.POST)
        if form.is_valid():
            edit = form.cleaned_data["decision"] == "edit"
            try:
                answer_review(
                    actor=request.user,
                    answer=answer,
                    text=form.cleaned_data["text"] if edit else None,
                )
            except (ValidationError, PermissionDenied) as exc:
                errors_into_form(form, exc)
            else:
                messages.success(request, "The answer has been reviewed and is shown again.")
                return redirect("analysis_staff:text_answers", question.pk)
    else:
        form = AnswerReviewForm(initial={"text": answer.text})
    return render(
        request,
        "analysis/text_answer_review.html",
        _context(question, answer=answer, form=form, reasons=answer.held_for.split(",")),
    )


def _safe_next(request, question) -> str:
    """Back to the answers page the person came from (same page only, never elsewhere)."""
    base = reverse("analysis_staff:text_answers", args=[question.pk])
    next_url = request.POST.get("next", "")
    return next_url if next_url.startswith(base) else base


@require_POST
@ratelimit(key="user_or_ip", rate="60/m", method="POST", block=True)
@require_permission_or_404(can_analyse_text)
def text_tag(request, question_id: int):
    """Tag (or untag) the selected answers with a theme: always a person's decision."""
    question = _question(request, question_id)
    themes = [t for t, _ in selectors.question_themes(question)]
    form = TagForm(request.POST, themes=themes)
    back = _safe_next(request, question)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    theme = next(t for t in themes if str(t.pk) == form.cleaned_data["theme"])
    ids = form.cleaned_data["answers"]
    try:
        if form.cleaned_data["action"] == "remove":
            removed = theme_tag_remove(actor=request.user, theme=theme, answer_ids=ids)
            messages.success(request, f"Removed ‘{theme.name}’ from {removed} answer(s).")
        else:
            added = theme_tag_add(actor=request.user, theme=theme, answer_ids=ids)
            messages.success(request, f"Tagged {added} answer(s) with ‘{theme.name}’.")
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(back)


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="30/m", method="POST", block=True)
@require_permission_or_404(can_analyse_text)
def text_themes(request, question_id: int):
    """The question's codebook: themes with counts, and a form to add one."""
    question = _question(request, question_id)
    form = ThemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            theme = theme_create(
                actor=request.user,
                dataset_key=selectors.TEXT_DATASET,
                question_key=str(question.pk),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, f"Added the theme ‘{theme.name}’.")
            return redirect("analysis_staff:text_themes", question_id=question.pk)
    return render(request, "analysis/text_themes.html", _context(question, form=form))


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="30/m", method="POST", block=True)
@require_permission_or_404(can_analyse_text)
def theme_edit(request, theme_id: int):
    theme, question = _theme(request, theme_id)
    form = ThemeForm(
        request.POST or None, initial={"name": theme.name, "description": theme.description}
    )
    if request.method == "POST" and form.is_valid():
        try:
            theme_rename(
                actor=request.user,
                theme=theme,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            errors_into_form(form, exc)
        else:
            messages.success(request, "Theme saved.")
            return redirect("analysis_staff:text_themes", question_id=question.pk)
    return render(request, "analysis/theme_edit.html", _context(question, form=form, theme=theme))


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="30/m", method="POST", block=True)
@require_permission_or_404(can_analyse_text)
def theme_remove(request, theme_id: int):
    """Confirm, then delete a theme and its tags."""
    theme, question = _theme(request, theme_id)
    if request.method == "POST":
        try:
            theme_delete(actor=request.user, theme=theme)
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, f"Deleted the theme ‘{theme.name}’ and its tags.")
        return redirect("analysis_staff:text_themes", question_id=question.pk)
    return render(
        request,
        "analysis/theme_delete.html",
        _context(question, theme=theme, tag_count=theme.tags.count()),
    )


def _rejected(request, question) -> set[str]:
    return set(request.session.get(REJECTED_SESSION_KEY, {}).get(str(question.pk), []))


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate="30/m", method="POST", block=True)
@require_permission_or_404(can_analyse_text)
def text_suggestions(request, question_id: int):
    """Suggested themes with top terms and quotes; a person accepts (renaming) or rejects each."""
    question = _question(request, question_id)
    errors = {}
    if request.method == "POST":
        form = SuggestionAcceptForm(request.POST)
        if form.is_valid():
            label = form.cleaned_data["label"]
            if request.POST.get("decision") == "reject":
                store = request.session.get(REJECTED_SESSION_KEY, {})
                store[str(question.pk)] = sorted(_rejected(request, question) | {label})
                request.session[REJECTED_SESSION_KEY] = store
                messages.success(request, f"Rejected the suggestion ‘{label}’.")
                return redirect("analysis_staff:text_suggestions", question_id=question.pk)
            suggestion = ThemeSuggestion(
                label=label, terms=tuple(form.cleaned_data["terms"]), size=0
            )
            try:
                theme = theme_accept_suggestion(
                    actor=request.user,
                    dataset_key=selectors.TEXT_DATASET,
                    question_key=str(question.pk),
                    suggestion=suggestion,
                    name=form.cleaned_data["name"].strip(),
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                errors[label] = exc.messages
            else:
                messages.success(
                    request,
                    f"Added the theme ‘{theme.name}’. No answers are tagged yet: tag them on "
                    "the answers page.",
                )
                return redirect("analysis_staff:text_suggestions", question_id=question.pk)
        else:
            errors[request.POST.get("label", "")] = [
                e for field_errors in form.errors.values() for e in field_errors
            ]
    rejected = _rejected(request, question)
    accepted = {
        tuple(t.suggested_terms)
        for t, _ in selectors.question_themes(question)
        if t.suggested_terms
    }
    overview = text_selectors.text_analysis_overview(question, TextAnalysis.Kind.SUGGESTIONS)
    suggestions = [
        {"suggestion": s, "terms_value": "|".join(s.terms), "errors": errors.get(s.label, [])}
        for s in selectors.suggestions_for_question(question, run=overview.done)
        if s.label not in rejected and tuple(s.terms) not in accepted
    ]
    return render(
        request,
        "analysis/text_suggestions.html",
        _context(
            question,
            suggestions=suggestions,
            rejected_count=len(rejected),
            overview=overview,
            **_analysis_urls(question, TextAnalysis.Kind.SUGGESTIONS),
        ),
    )


@require_GET
@require_permission_or_404(can_analyse_text)
def text_campaigns(request, question_id: int):
    """Groups of near-identical answers, largest first; every answer stays in the data."""
    question = _question(request, question_id)
    overview = text_selectors.text_analysis_overview(question, TextAnalysis.Kind.CAMPAIGNS)
    groups = selectors.campaigns_for_question(question, run=overview.done) or []
    page = Paginator(groups, GROUPS_PAGE_SIZE).get_page(request.GET.get("page"))
    examples = text_selectors.answer_texts_shown(g.item_ids[0] for g in page.object_list)
    offset = page.start_index() - 1 if groups else 0
    rows = [
        {"number": offset + i, "size": g.size, "example": examples.get(g.item_ids[0], "")}
        for i, g in enumerate(page.object_list, start=1)
    ]
    return render(
        request,
        "analysis/text_campaigns.html",
        _context(
            question,
            overview=overview,
            groups=groups,
            page=page,
            rows=rows,
            total=overview.done.answers_counted if overview.done else 0,
            in_campaigns=sum(g.size for g in groups),
            **_analysis_urls(question, TextAnalysis.Kind.CAMPAIGNS),
        ),
    )


_PAGES = {
    TextAnalysis.Kind.CAMPAIGNS: "campaigns",
    TextAnalysis.Kind.SUGGESTIONS: "suggestions",
}


def _analysis_urls(question, kind: str) -> dict:
    page = _PAGES[kind]
    return {
        "analysis_kind": kind,
        "analysis_page_url": reverse(f"analysis_staff:text_{page}", args=[question.pk]),
        "analysis_compute_url": reverse(f"analysis_staff:text_{page}_compute", args=[question.pk]),
        "analysis_status_url": reverse(f"analysis_staff:text_{page}_status", args=[question.pk]),
    }


@require_POST
@ratelimit(key="user_or_ip", rate="10/m", method="POST", block=True)
@require_permission_or_404(can_analyse_text)
def text_analysis_compute(request, question_id: int, kind: str):
    """Ask for campaign groups or theme suggestions; a Celery task computes them."""
    question = _question(request, question_id)
    try:
        run = text_analysis_request(actor=request.user, question=question, kind=kind)
    except PermissionDenied:
        raise Http404 from None
    run.refresh_from_db(fields=["state"])  # in eager mode (the demo) it has already finished
    if run.state == TextAnalysis.State.DONE:
        messages.success(request, f"{run.get_kind_display()} computed.")
    elif run.state != TextAnalysis.State.FAILED:
        messages.success(
            request,
            f"{run.get_kind_display()} are being computed. This page shows the progress.",
        )
    return redirect(f"analysis_staff:text_{_PAGES[kind]}", question_id=question.pk)


@require_GET
@require_permission_or_404(can_analyse_text)
def text_analysis_status(request, question_id: int, kind: str):
    """The latest run's state and progress as JSON, for the page's polling script."""
    question = _question(request, question_id)
    attempt = text_selectors.text_analysis_latest_attempt(question, kind)
    live = attempt is not None and attempt.is_live
    return JsonResponse(
        {
            "state": attempt.state if live else "finished",
            "state_label": attempt.get_state_display() if live else "Finished",
            "percent": attempt.progress if live else 100,
            "stage": attempt.stage if live else "",
            "finished": not live,
        }
    )
