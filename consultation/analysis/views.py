"""The public results page ("We asked, you said, we did") and its summary table downloads.

Unpublished results are a 404 for the public, and a preview for Consultation managers and
Analysts. Every published count under 10 is hidden (suppression.py), on the page and in CSVs.
"""

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consultation.analysis import selectors
from consultation.analysis.figures import published_figures, published_question_table
from consultation.analysis.models import ResultsPage
from consultation.analysis.suppression import NOTE, summary_csv_response
from consultation.models import Consultation
from talklondon.guards import found_or_404

CACHE_SECONDS = 600


def _consultation(request, slug: str) -> tuple[Consultation, bool]:
    """The consultation and whether this is a staff preview; 404 if the public may not see it."""
    consultation = found_or_404(selectors.results_consultation_get(slug=slug, user=request.user))
    return consultation, consultation.results_published_at is None


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
    survey = found_or_404(
        selectors.results_survey_get(consultation=consultation, survey_id=survey_id)
    )
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
