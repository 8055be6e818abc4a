"""Staff: the data protection officer's oversight of identified exports."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consultation.analysis.selectors import identified_exports
from talklondon.guards import require_permission_or_404
from talklondon.permissions import can_oversee_personal_data

PER_PAGE = 50


@require_GET
@require_permission_or_404(can_oversee_personal_data)
def oversight(request):
    """Who took personal data out of the system, the purpose they gave, and when."""
    page = Paginator(identified_exports(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "analysis/oversight.html", {"page_obj": page})
