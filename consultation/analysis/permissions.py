"""Who may use the analysis tools. Views call these; services call them again."""

from talklondon.permissions import (
    can_export_anonymised,
    can_export_identified,
    can_manage_consultations,
    can_view_results,
)


def can_request_export(user, *, identified: bool) -> bool:
    """Anonymised exports need the Analyst permission; identified ones the Personal-data one."""
    return can_export_identified(user) if identified else can_export_anonymised(user)


def can_use_exports(user) -> bool:
    """May see the export pages at all (either kind of export)."""
    return can_export_anonymised(user) or can_export_identified(user)


def can_analyse_text(user) -> bool:
    return can_view_results(user)


def can_use_analysis(user) -> bool:
    """May open the analysis landing page: analysts, exporters and consultation managers."""
    return can_view_results(user) or can_use_exports(user) or can_manage_consultations(user)


def can_preview_results(user) -> bool:
    """May read a consultation's results page before it is published."""
    return can_manage_consultations(user) or can_view_results(user)


def can_see_results(user, consultation) -> bool:
    """Published results of a published consultation are anyone's; the rest a preview."""
    published = consultation.results_published_at is not None and not consultation.is_draft
    return published or can_preview_results(user)
