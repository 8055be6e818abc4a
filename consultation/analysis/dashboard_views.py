"""Staff analysis pages: the landing page, and the per-survey dashboard with cross-tabulation."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from consultation.analysis import selectors
from consultation.analysis.figures import crosstab, crosstab_choices, survey_figures
from consultation.analysis.forms import CrossTabForm
from consultation.analysis.permissions import can_use_analysis, can_use_exports
from consultation.surveys.models import Response, Survey
from consultation.surveys.response_selectors import likely_duplicate_responses
from consultation.surveys.selectors import DUPLICATE_CHOICES
from talklondon.permissions import can_manage_consultations, can_view_results


@require_GET
def index(request):
    """What this person can do here: dashboards, free text, results pages and exports."""
    user = request.user
    if not can_use_analysis(user):
        raise Http404
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
def survey_dashboard(request, survey_id: int):
    if not can_view_results(request.user):
        raise Http404
    survey = get_object_or_404(Survey.objects.select_related("consultation"), pk=survey_id)
    channel = request.GET.get("channel", "")
    if channel not in Response.Channel.values:
        channel = ""
    duplicates = request.GET.get("duplicates", "")
    if duplicates not in dict(DUPLICATE_CHOICES):
        duplicates = ""
    figures = survey_figures(survey, channel=channel, duplicates=duplicates)
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
            table = crosstab(
                survey,
                structure,
                question=question,
                by=form.cleaned_data["by"],
                channel=channel,
                duplicates=duplicates,
            )
        except ValueError as exc:
            form.add_error("by", str(exc))
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
            "text_questions": selectors.text_questions(structure, figures["numbers"]),
            **figures,
        },
    )
