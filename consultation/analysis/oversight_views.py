"""Staff: the data protection officer's oversight of identified exports."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consultation.analysis.models import ExportRecord
from talklondon.permissions import can_oversee_personal_data

PER_PAGE = 50


def identified_exports():
    """Every identified export ever requested, newest first, with who asked."""
    return (
        ExportRecord.objects.filter(identified=True)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
    )


@require_GET
def oversight(request):
    """Who took personal data out of the system, the purpose they gave, and when."""
    if not can_oversee_personal_data(request.user):
        raise Http404
    page = Paginator(identified_exports(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "analysis/oversight.html", {"page_obj": page})
