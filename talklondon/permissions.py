"""Plain predicates for who may do what. Views call them; services check them again.

A staff capability needs two things: the role's permission, and that *this session* passed
multi-factor authentication (allauth's record of the methods used to sign in). The second is
checked here, in the predicates themselves, so it holds on every URL that asks, not only under
/staff/. StaffAccessMiddleware binds each request's session to its user (`bind_session`);
a user object that never came from a web request (a Celery task, a management command) has no
session to check and is judged by its roles alone.

This module holds the roles and the rules about a person. The rules about a feature's own
objects live in that app, beside its models: consultation/permissions.py (comments),
consultation/analysis/permissions.py (results), anpr_info/permissions.py (releases). The
foundation imports no feature app (tests/talklondon/test_import_direction.py).
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.models import EmailAddress

ROLE_MODERATOR = "Moderator"
ROLE_MANAGER = "Consultation manager"
ROLE_ANALYST = "Analyst"
ROLE_EXPORTER = "Personal-data exporter"
ROLE_PUBLISHER = "Statistics publisher"
ROLE_DPO = "Data protection officer"

# Each role and exactly the permissions it holds (the data migration creates these groups).
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ROLE_MODERATOR: ("moderate_comments", "block_users"),
    ROLE_MANAGER: ("manage_consultations",),
    ROLE_ANALYST: ("view_results", "export_anonymised"),
    ROLE_EXPORTER: ("export_identified",),
    ROLE_PUBLISHER: ("manage_releases",),
    ROLE_DPO: ("oversee_personal_data",),
}
STAFF_ROLES = tuple(ROLE_PERMISSIONS)


# Set on request.user by bind_session: did this session pass MFA?
SESSION_MFA_ATTR = "_talklondon_session_mfa"


def session_passed_mfa(request) -> bool:
    """This session was authenticated with a second factor (at sign-in or since)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


def bind_session(request) -> bool:
    """Tell the predicates what this request's session proved about request.user; returns
    whether it passed MFA."""
    user = request.user
    passed = session_passed_mfa(request)
    if user.is_authenticated:
        setattr(user, SESSION_MFA_ATTR, passed)
    return passed


def mfa_in_session(user) -> bool:
    """False only for a web session that has not passed MFA (see the module docstring)."""
    return getattr(user, SESSION_MFA_ATTR, True)


def _holds(user, codename: str) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm(f"talklondon.{codename}")
    )


def _has(user, codename: str) -> bool:
    return _holds(user, codename) and mfa_in_session(user)


def has_staff_role(user) -> bool:
    """Holds a MOPAC staff role (or is a superuser), whatever this session has proved."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(_holds(user, codename) for perms in ROLE_PERMISSIONS.values() for codename in perms)


def is_staff_member(user) -> bool:
    """Anyone holding a MOPAC staff role (or a superuser) in a session that passed MFA."""
    return has_staff_role(user) and mfa_in_session(user)


def can_use_django_admin(user) -> bool:
    """Django admin is an operator's tool: superusers, in a session that passed MFA."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_superuser
        and mfa_in_session(user)
    )


def can_moderate(user) -> bool:
    return _has(user, "moderate_comments")


def can_block_users(user) -> bool:
    return _has(user, "block_users")


def can_manage_consultations(user) -> bool:
    return _has(user, "manage_consultations")


def can_view_results(user) -> bool:
    return _has(user, "view_results")


def can_export_anonymised(user) -> bool:
    return _has(user, "export_anonymised")


def can_export_identified(user) -> bool:
    return _has(user, "export_identified")


def can_manage_releases(user) -> bool:
    return _has(user, "manage_releases")


def has_verified_email(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    # Loaded this request with the object acted on (consultation.selectors.viewer_flags).
    loaded = getattr(user, "email_verified_loaded", None)
    if loaded is not None:
        return loaded
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def participation_problem(user, *, email_verified: bool | None = None) -> str | None:
    """Why this person cannot comment or respond yet, in words we can show them; None if they can.

    Blocking is per consultation app and is checked there as well. `email_verified` is the
    email check when a selector has already loaded it with the page's data (one query less).
    """
    if user is None or not user.is_authenticated:
        return "Sign in or create an account to take part."
    if not user.is_active or user.erased_at:
        return "This account cannot take part."
    if not (has_verified_email(user) if email_verified is None else email_verified):
        return (
            "Verify your email address before taking part. We sent you a link when you signed "
            "up; you can send a new one from your account's email settings."
        )
    if not user.display_name:
        return "Choose a display name in your profile before taking part."
    return None


def can_participate(user) -> bool:
    return participation_problem(user) is None


def staff_role_exists(user):
    """An EXISTS expression: whether this person holds any staff role's permission."""
    from django.contrib.auth.models import Permission
    from django.db.models import Exists, Q

    codenames = [codename for perms in ROLE_PERMISSIONS.values() for codename in perms]
    return Exists(
        Permission.objects.filter(
            content_type__app_label="talklondon", codename__in=codenames
        ).filter(Q(user=user.pk) | Q(group__user=user.pk))
    )


def holds_staff_role(user) -> bool:
    """`is_staff_member` in one query (not two), for the header on every signed-in page.

    Uses what this request already loaded: the permissions, if a view has checked one, or the
    answer loaded with the page's object (`staff_role_loaded`, see consultation.selectors).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or hasattr(user, "_perm_cache"):
        return is_staff_member(user)
    loaded = getattr(user, "staff_role_loaded", None)
    if loaded is not None:
        return loaded
    from talklondon.models import User

    return User.objects.filter(pk=user.pk).filter(staff_role_exists(user)).exists()


def can_oversee_personal_data(user) -> bool:
    """The data protection officer: sees every identified export, who asked and why."""
    return _has(user, "oversee_personal_data")
