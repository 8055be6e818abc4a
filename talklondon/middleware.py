"""Guards every /staff/ page: staff only, and only once multi-factor authentication is set up."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect

from talklondon.permissions import is_staff_member

STAFF_PREFIX = "/staff/"


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(STAFF_PREFIX):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not is_staff_member(user):
                # Staff pages are private: do not confirm they exist.
                raise Http404
            if not has_totp(user):
                return redirect("mfa_activate_totp")
        return self.get_response(request)
