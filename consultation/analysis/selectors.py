"""Reads for the analysis pages."""

from django.db.models import Count

from consultation.analysis.models import ExportRecord, Theme


def export_list_for_requester(*, user, limit: int = 100):
    """The person's own exports, newest first ("My exports")."""
    return ExportRecord.objects.filter(requested_by=user).order_by("-requested_at", "-pk")[:limit]


def export_get_for_requester(*, user, export_id: int) -> ExportRecord | None:
    """One of the person's own exports, or None (so that others' exports are a plain 404)."""
    return ExportRecord.objects.filter(pk=export_id, requested_by=user).first()


def theme_counts(*, dataset_key: str, question_key: str) -> list[tuple[Theme, int]]:
    """Each theme of a question's codebook with how many items people tagged with it."""
    themes = (
        Theme.objects.filter(dataset_key=dataset_key, question_key=str(question_key))
        .annotate(tag_count=Count("tags"))
        .order_by("-tag_count", "name")
    )
    return [(theme, theme.tag_count) for theme in themes]
