"""The seam between views and permissions stays single: every staff view is guarded by
require_permission_or_404, and no view fetches an object by a bare get_object_or_404."""

from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
APPS = ("talklondon", "consultation", "anpr_info")


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_staff_view_is_guarded_by_a_permission_predicate():
    unguarded = [
        route
        for route, view in _patterns(get_resolver().url_patterns)
        if route.startswith("staff/") and not getattr(view, "permission_predicate", None)
    ]
    assert not unguarded, f"Decorate with require_permission_or_404(predicate): {unguarded}"


def test_no_view_fetches_an_object_by_a_bare_get_object_or_404():
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "get_object_or_404(" in path.read_text()
    ]
    assert not offenders, f"Fetch through the object's visibility selector instead: {offenders}"
