from django.shortcuts import get_object_or_404, render

from consultation.models import Consultation


def consultation_detail(request, slug):
    consultation = get_object_or_404(Consultation, slug=slug)
    return render(request, "consultation/detail.html", {"consultation": consultation})
