"""Staff analysis pages: the landing page, and the per-survey dashboard with cross-tabulation."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from consultation.analysis import selectors
from consultation.analysis.figure_selectors import crosstab_cached, crosstab_choices, survey_figures
from consultation.analysis.forms import CrossTabForm
from consultation.analysis.permissions import can_use_analysis, can_use_exports
from consultation.surveys.models import Response
from consultation.surveys.response_selectors import likely_duplicate_responses
from consultation.surveys.selectors import (
    DUPLICATE_CHOICES,
    FiguresAsOf,
    figures_fingerprint,
    survey_for_staff,
)
from talklondon.guards import found_or_404, require_permission_or_404
from talklondon.permissions import can_manage_consultations, can_view_results


@require_GET
@require_permission_or_404(can_use_analysis)
def index(request):
    """What this person can do here: dashboards, free text, results pages and exports."""
    user = request.user
    return render(
        request,
        "analysis/index.html",
        {
            "consultations": selectors.consultations_with_surveys(),
            "can_view_results": can_view_results(user),
            "can_manage_consultations": can_manage_consultations(user),
            "can_use_exports": can_use_exports(user),
        },
    )


@require_GET
@require_permission_or_404(can_view_results)
def survey_dashboard(request, survey_id: int):
    survey = found_or_404(survey_for_staff(survey_id=survey_id))
    channel = request.GET.get("channel", "")
    if channel not in Response.Channel.values:
        channel = ""
    duplicates = request.GET.get("duplicates", "")
    if duplicates not in dict(DUPLICATE_CHOICES):
        duplicates = ""
    # Read once: every cached figure of the page is kept under it.
    fingerprint = figures_fingerprint(survey)
    figures = survey_figures(
        survey, channel=channel, duplicates=duplicates, fingerprint=fingerprint
    )
    structure = figures["structure"]
    questions, by_choices = crosstab_choices(structure)
    form = CrossTabForm(
        request.GET if "question" in request.GET else None,
        questions=questions,
        by_choices=by_choices,
        numbers=figures["numbers"],
    )
    table = None
    if form.is_bound and form.is_valid():
        question = structure.question(int(form.cleaned_data["question"]))
        try:
            table = crosstab_cached(
                survey,
                structure,
                question=question,
                by=form.cleaned_data["by"],
                fingerprint=fingerprint,
                channel=channel,
                duplicates=duplicates,
            )
        except ValueError as exc:
            form.add_error("by", str(exc))
    text_questions, text_as_of = selectors.text_questions(
        structure, figures["numbers"], fingerprint=fingerprint
    )
    return render(
        request,
        "analysis/dashboard.html",
        {
            "survey": survey,
            "channel": channel,
            "channels": Response.Channel.choices,
            "duplicates": duplicates,
            "flagged": likely_duplicate_responses(survey) if duplicates == "only" else [],
            "duplicate_choices": DUPLICATE_CHOICES,
            "form": form,
            "crosstab": table,
            "text_questions": text_questions,
            **figures,
            # What the page's figures count and when: the oldest of them.
            "as_of": FiguresAsOf.oldest(
                figures["as_of"], text_as_of, table.as_of if table else None
            ),
        },
    )
