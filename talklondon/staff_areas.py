"""The areas of the staff workspace, declared once: the staff header's service navigation and
every staff page's breadcrumbs read them, and each person sees the areas their roles allow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from talklondon import permissions


@dataclass(frozen=True)
class StaffArea:
    key: str
    label: str
    url_name: str
    prefix: str  # the paths that belong to it (longest prefix wins)
    allowed: Callable[[object], bool]


def _exports(user) -> bool:
    return permissions.can_export_anonymised(user) or permissions.can_export_identified(user)


def _analysis(user) -> bool:
    return permissions.can_view_results(user) or permissions.can_manage_consultations(user)


STAFF_AREAS: tuple[StaffArea, ...] = (
    StaffArea(
        "consultations",
        "Consultations",
        "consultation_staff:consultation_list",
        "/staff/consultations/",
        permissions.can_manage_consultations,
    ),
    StaffArea(
        "surveys",
        "Surveys",
        "surveys_staff:list",
        "/staff/surveys/",
        lambda user: permissions.can_manage_consultations(user)
        or permissions.can_view_results(user),
    ),
    StaffArea(
        "moderation",
        "Moderation",
        "consultation_staff:moderation",
        "/staff/consultations/moderation/",
        permissions.can_moderate,
    ),
    StaffArea("analysis", "Analysis", "analysis_staff:index", "/staff/analysis/", _analysis),
    StaffArea(
        "exports", "Exports", "analysis_staff:export_list", "/staff/analysis/exports/", _exports
    ),
    StaffArea(
        "anpr", "ANPR releases", "anpr_staff:home", "/staff/anpr/", permissions.can_manage_releases
    ),
    StaffArea(
        "data-protection",
        "Data protection",
        "analysis_staff:oversight",
        "/staff/analysis/oversight/",
        permissions.can_oversee_personal_data,
    ),
)


@dataclass(frozen=True)
class AreaLink:
    key: str
    label: str
    url: str
    active: bool


def staff_navigation(user, path: str) -> dict:
    """The areas this person may use, which one `path` is in, and its breadcrumbs."""
    if not path.startswith("/staff/") or not permissions.is_staff_member(user):
        return {}
    matches = [area for area in STAFF_AREAS if path.startswith(area.prefix)]
    current = max(matches, key=lambda area: len(area.prefix), default=None)
    links = [
        AreaLink(area.key, area.label, reverse(area.url_name), area is current)
        for area in STAFF_AREAS
        if area.allowed(user)
    ]
    # Breadcrumbs lead up, never to the page itself: none on the staff home.
    home = reverse("staff:home")
    crumbs = [("Staff tools", home)] if path != home else []
    if current is not None and path != reverse(current.url_name):
        crumbs.append((current.label, reverse(current.url_name)))
    return {"staff_areas": links, "staff_breadcrumbs": crumbs}
