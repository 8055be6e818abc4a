"""The sign-in backends, with the one query every signed-in request makes to load its person
compiled once per process (see talklondon.compiled_queries): the same row, the same rule
(an inactive account is nobody)."""

from __future__ import annotations

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.db import router

from talklondon.compiled_queries import CompiledQuery

_user_by_id = CompiledQuery(
    lambda user_id: get_user_model()._default_manager.filter(pk=user_id)[:1],
    placeholders={"user_id": 987_654_321_123},
)


class _CompiledUser:
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user_id = model._meta.pk.to_python(user_id)
        except Exception:  # a damaged session: nobody, as Django's own backend answers
            return None
        user = _user_by_id.first(using=router.db_for_read(model), user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_CompiledUser, django_backends.ModelBackend):
    """Django's password backend (the admin's sign-in)."""


class AuthenticationBackend(_CompiledUser, allauth_backends.AuthenticationBackend):
    """allauth's backend (every sign-in through the site's own pages)."""
