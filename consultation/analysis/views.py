"""The public results page ("We asked, you said, we did") and its summary table downloads.

Unpublished results are a 404 for the public, and a preview for Consultation managers and
Analysts. Every published count under 10 is hidden (suppression.py), on the page and in CSVs.
"""

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from consultation.analysis.figures import published_figures, published_question_table
from consultation.analysis.models import ResultsPage
from consultation.analysis.suppression import NOTE, summary_csv_response
from consultation.models import Consultation
from consultation.surveys.models import Survey
from talklondon.permissions import can_manage_consultations, can_view_results

CACHE_SECONDS = 600


def _consultation(request, slug: str) -> tuple[Consultation, bool]:
    """The consultation and whether this is a staff preview; 404 if the public may not see it."""
    consultation = get_object_or_404(Consultation, slug=slug)
    if consultation.results_published_at is not None:
        return consultation, False
    if can_manage_consultations(request.user) or can_view_results(request.user):
        return consultation, True
    raise Http404


def _figures(consultation: Consultation, *, preview: bool) -> list[dict]:
    if preview:
        return published_figures(consultation)
    key = f"results:figures:{consultation.pk}:{consultation.results_published_at.timestamp()}"
    figures = cache.get(key)
    if figures is None:
        figures = published_figures(consultation)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


@require_GET
def results_detail(request, slug: str):
    consultation, preview = _consultation(request, slug)
    page = ResultsPage.objects.filter(consultation=consultation).first()
    if page is None and not preview:
        raise Http404
    return render(
        request,
        "analysis/results_detail.html",
        {
            "consultation": consultation,
            "page": page,
            "preview": preview,
            "surveys": _figures(consultation, preview=preview),
            "suppression_note": NOTE,
        },
    )


def _table(request, slug: str, survey_id: int, number: int, *, by_borough: bool):
    consultation, _preview = _consultation(request, slug)
    survey = get_object_or_404(Survey, pk=survey_id, consultation=consultation)
    table = published_question_table(survey, number, by_borough=by_borough)
    if table is None:
        raise Http404
    suffix = "-by-borough" if by_borough else ""
    return summary_csv_response(table, file_name=f"{consultation.slug}-q{number}{suffix}.csv")


@require_GET
def results_table(request, slug: str, survey_id: int, number: int):
    """Counts per answer of one question, as CSV, small counts hidden."""
    return _table(request, slug, survey_id, number, by_borough=False)


@require_GET
def results_table_by_borough(request, slug: str, survey_id: int, number: int):
    """One question's answers by borough, as CSV, small counts hidden."""
    return _table(request, slug, survey_id, number, by_borough=True)
