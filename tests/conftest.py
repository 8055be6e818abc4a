"""Shared fixtures. Tests run the real outbox path; delivery goes to Django's locmem outbox."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from talklondon.celery import app as celery_app
from tests import factories


@pytest.fixture(autouse=True)
def _site_test_settings(settings):
    # pytest-django swaps EMAIL_BACKEND for locmem; put the outbox back in front of it so
    # that every test exercises the path production uses.
    settings.EMAIL_BACKEND = "talklondon.mail.OutboxEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tasks run in-process after commit; the Redis-outage test starts a real worker instead.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.task_always_eager = True
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def participant(db):
    """A resident who can take part: verified email and a display name."""
    return factories.UserFactory()


@pytest.fixture
def unverified_user(db):
    return factories.UserFactory(verified=False)


@pytest.fixture
def make_staff(db):
    """make_staff(role) -> a verified user in that staff role, with TOTP set up."""

    def _make(role: str, *, with_totp: bool = True):
        user = factories.UserFactory()
        user.groups.add(Group.objects.get(name=role))
        if with_totp:
            factories.totp_add(user)
        return user

    return _make


@pytest.fixture
def staff_client(client, make_staff):
    """staff_client(role) -> a test client signed in as staff with MFA set up."""

    def _make(role: str):
        user = make_staff(role)
        client.force_login(user)
        return client, user

    return _make
