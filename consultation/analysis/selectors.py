"""Reads for the analysis pages."""

from consultation.analysis.models import ExportRecord


def export_list_for_requester(*, user, limit: int = 100):
    """The person's own exports, newest first ("My exports")."""
    return ExportRecord.objects.filter(requested_by=user).order_by("-requested_at", "-pk")[:limit]


def export_get_for_requester(*, user, export_id: int) -> ExportRecord | None:
    """One of the person's own exports, or None (so that others' exports are a plain 404)."""
    return ExportRecord.objects.filter(pk=export_id, requested_by=user).first()
