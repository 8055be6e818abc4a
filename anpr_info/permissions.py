"""Who may do what with ANPR releases: object rules used by views and templates alike.

The Statistics publisher role itself is the platform's (talklondon/permissions.py); the rules
about this app's objects live here, beside their models.
"""

from anpr_info.models import Release
from talklondon.permissions import can_manage_releases


def can_approve_release(user, release: Release) -> bool:
    """The two-person rule: a Statistics publisher approves a prepared draft that they neither
    prepared nor uploaded any return for."""
    return bool(
        can_manage_releases(user)
        and release.status == Release.Status.DRAFT
        and release.prepared_by_id is not None
        and release.prepared_by_id != user.pk
        and not release.submissions.filter(uploaded_by_id=user.pk).exists()
    )
