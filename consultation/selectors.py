"""Reads for consultation pages."""

from django.utils import timezone

from consultation.models import Consultation


def consultation_list_public() -> dict[str, list[Consultation]]:
    """Consultations grouped as open, upcoming and closed, soonest-relevant first."""
    now = timezone.now()
    consultations = list(Consultation.objects.order_by("closes_at"))
    groups: dict[str, list[Consultation]] = {"open": [], "upcoming": [], "closed": []}
    for consultation in consultations:
        groups[consultation.status_at(now)].append(consultation)
    groups["upcoming"].sort(key=lambda c: c.opens_at)
    groups["closed"].sort(key=lambda c: c.closes_at, reverse=True)
    return groups
