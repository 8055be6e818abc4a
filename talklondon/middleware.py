"""Binds each session to the permission predicates, and guards every /staff/ page.

The predicates (talklondon.permissions) decide access on every URL; this middleware only tells
them what this session proved (bind_session), sends staff who still owe a second factor to give
it, and signs out staff sessions left idle.
"""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from talklondon.permissions import bind_session, has_staff_role, mfa_in_session

STAFF_PREFIX = "/staff/"
# Session key: when this staff session last made a request (seconds since the epoch).
STAFF_LAST_SEEN_KEY = "staff_last_seen"
# Write the timestamp at most this often, so that a busy page does not save the session on
# every request.
LAST_SEEN_RESOLUTION_SECONDS = 30


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _staff_session_expired(request) -> bool:
    """Track staff activity; True if this staff session was left idle too long."""
    now = time.time()
    last_seen = request.session.get(STAFF_LAST_SEEN_KEY)
    if last_seen is not None and now - last_seen > settings.STAFF_SESSION_IDLE_MINUTES * 60:
        return True
    if last_seen is None or now - last_seen > LAST_SEEN_RESOLUTION_SECONDS:
        request.session[STAFF_LAST_SEEN_KEY] = now
    return False


class StaffAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            passed_mfa = bind_session(request)
            # Only sessions that could act as staff are timed (residents' pages pay nothing):
            # every staff capability needs MFA in the session, and /staff/ pages are checked.
            could_be_staff = passed_mfa or request.path.startswith(STAFF_PREFIX)
            if could_be_staff and has_staff_role(user) and _staff_session_expired(request):
                logout(request)
                messages.info(
                    request,
                    "You were signed out because you had not used Talk London for "
                    f"{settings.STAFF_SESSION_IDLE_MINUTES} minutes. Sign in again to carry on.",
                )
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if request.path.startswith(STAFF_PREFIX):
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not has_staff_role(user):
                # Staff pages are private: do not confirm they exist.
                raise Http404
            if not has_totp(user):
                return redirect("mfa_activate_totp")
            if not mfa_in_session(user):
                # Signed in without the second factor (e.g. a session from before MFA was
                # required): ask for it now, then come back.
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return self.get_response(request)
