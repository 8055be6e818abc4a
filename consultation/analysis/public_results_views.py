"""The public results page ("We asked, you said, we did") and its table downloads.

Unpublished results are a 404 for the public, and a preview for Consultation managers and
Analysts. The public sees only stored releases (services/releases.py): figures computed once at
publication and protected by talklondon.disclosure, never recomputed per request. The staff
preview of unpublished results shows the same protection of the responses as they are, prepared
by a task and kept (results_preview.py), with its time.
"""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from consultation.analysis import selectors
from consultation.analysis.models import ResultsPage
from consultation.analysis.permissions import can_preview_results
from consultation.analysis.results_preview import results_preview
from consultation.analysis.results_tables import download_rows, question_table, release_figures
from consultation.analysis.services.notifications import (
    results_emails_unsubscribe,
    results_unsubscribe_token_valid,
)
from consultation.analysis.services.releases import latest_published_release
from consultation.surveys.selectors import FiguresAsOf
from talklondon.disclosure import CONFIDENTIAL_NOTE, ROUNDING_NOTE
from talklondon.disclosure.downloads import datapackage, tidy_csv
from talklondon.guards import found_or_404

NOTE = f"{CONFIDENTIAL_NOTE} {ROUNDING_NOTE}"


def _consultation(request, slug: str):
    """(consultation, its published release or None for a staff preview); 404 if this person
    may not see it (the visibility rule is consultation.analysis.permissions.can_see_results)."""
    consultation = found_or_404(selectors.results_consultation_get(slug=slug, user=request.user))
    if consultation.results_published_at is not None:
        release = latest_published_release(consultation)
        if release is not None:
            return consultation, release
    if can_preview_results(request.user):
        return consultation, None
    raise Http404


def _content(consultation, release) -> tuple[dict | None, str, FiguresAsOf | None]:
    """(content, version, what a preview counts and when): the release's, or the kept preview
    (None while the first one is being prepared)."""
    if release is not None:
        return release.content, f"{release.version}", None
    content, as_of = results_preview(consultation)
    return content, "preview", as_of


@require_GET
def results_detail(request, slug: str):
    consultation, release = _consultation(request, slug)
    preview = release is None
    page = ResultsPage.objects.filter(consultation=consultation).first()
    if page is None and not preview:
        raise Http404
    content, _version, as_of = _content(consultation, release)
    return render(
        request,
        "analysis/results_detail.html",
        {
            "consultation": consultation,
            "page": page,
            "preview": preview,
            "preparing": content is None,
            "as_of": as_of,
            "release": release,
            "surveys": release_figures(content) if content is not None else [],
            "suppression_note": NOTE,
        },
    )


def _table(request, slug: str, survey_id: int, number: int, *, by_borough: bool):
    consultation, release = _consultation(request, slug)
    content, version, _as_of = _content(consultation, release)
    if content is None:  # a preview's first figures are being prepared: nothing to download
        raise Http404
    table = question_table(content, survey_id, number)
    if table is None or (by_borough and table["row_label"] != "Borough"):
        raise Http404
    suffix = "-by-borough" if by_borough else ""
    return consultation, release, table, version, f"{consultation.slug}-q{number}{suffix}"


@require_GET
def results_table(request, slug: str, survey_id: int, number: int, by_borough: bool = False):
    """One question's figures as a tidy CSV: a header row and one row per figure."""
    _found, _release, table, _version, name = _table(
        request, slug, survey_id, number, by_borough=by_borough
    )
    header, rows = download_rows(table, by_borough=by_borough)
    response = HttpResponse(tidy_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_GET
def results_table_by_borough(request, slug: str, survey_id: int, number: int):
    """One question's figures by borough, as a tidy CSV."""
    return results_table(request, slug, survey_id, number, by_borough=True)


@require_GET
def results_datapackage(request, slug: str, survey_id: int, number: int, by_borough: bool = False):
    """The Frictionless Data Package descriptor beside a question's CSV."""
    consultation, release, table, version, name = _table(
        request, slug, survey_id, number, by_borough=by_borough
    )
    header, _rows = download_rows(table, by_borough=by_borough)
    csv_url = reverse(
        "results:table_by_borough" if by_borough else "results:table",
        args=[slug, survey_id, number],
    )
    descriptor = datapackage(
        name=name,
        title=table["title"] + (" (by borough)" if by_borough else ""),
        version=version,
        csv_name=csv_url.rsplit("/", 1)[-1],
        fields=[{"name": column} for column in header],
        description=(
            f"Submitted responses to the consultation \u201c{consultation.title}\u201d, "
            f"version {version} of the published figures."
        ),
        unit=table["unit"],
        notes=table["notes"],
        created=release.published_at.isoformat() if release else "",
        homepage=request.build_absolute_uri(reverse("results:detail", args=[slug])),
    )
    return HttpResponse(
        json.dumps(descriptor, indent=1, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )


@require_GET
def results_datapackage_by_borough(request, slug: str, survey_id: int, number: int):
    return results_datapackage(request, slug, survey_id, number, by_borough=True)


@csrf_exempt  # the signed token authorises; RFC 8058 one-click POSTs carry no CSRF token
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="30/m", method="POST", block=True)
def results_unsubscribe(request, token: str):
    """One-click unsubscribe from results emails: GET asks to confirm, POST switches them off."""
    valid = results_unsubscribe_token_valid(token)
    done = request.method == "POST" and valid and results_emails_unsubscribe(token=token)
    return render(
        request,
        "analysis/results_unsubscribe.html",
        {"valid": valid, "done": done},
        status=200 if valid else 400,
    )
