"""Public: what changed on a proposal page since the consultation opened."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consultation import selectors
from consultation.page_history import page_changes


@require_GET
def page_changes_view(request: HttpRequest, slug: str, page_slug: str) -> HttpResponse:
    page = selectors.proposal_page_get(consultation_slug=slug, page_slug=page_slug)
    if page is None:
        raise Http404
    return render(
        request,
        "consultation/page_changes.html",
        {"page": page, "consultation": page.consultation, "changes": page_changes(page)},
    )
