"""Shared fixtures. Tests run the real outbox path; delivery goes to Django's locmem outbox."""

import logging
from contextlib import contextmanager

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, TestCase

from talklondon.celery import app as celery_app
from tests import factories
from tests.sessions import mark_second_factor_passed

logger = logging.getLogger(__name__)


# --- on_commit as in production ---------------------------------------------------------------
# pytest-django wraps each test in transactions that never commit, so `on_commit` callbacks (the
# outbox relay, and through it every email) would never run. Treat the test's own wrapping blocks
# as if they were not there: a callback registered outside any block of the code under test runs
# at once (autocommit), and callbacks registered inside run when its outermost block exits
# successfully (commit). Tests with `transaction=True` are not wrapped and behave as in production.


_simulate_commits = {"on": True}


def _only_test_blocks(connection) -> bool:
    return (
        _simulate_commits["on"]
        and connection.in_atomic_block
        and all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)
    )


def _run(func, robust: bool) -> None:
    if not robust:
        func()
        return
    try:
        func()
    except Exception:
        logger.exception("Error calling %s in on_commit()", func)


_original_on_commit = BaseDatabaseWrapper.on_commit
_original_atomic_exit = transaction.Atomic.__exit__


def _on_commit(self, func, robust=False):
    if _only_test_blocks(self):
        _run(func, robust)
    else:
        _original_on_commit(self, func, robust)


def _atomic_exit(self, exc_type, exc_value, traceback):
    connection = transaction.get_connection(self.using)
    result = _original_atomic_exit(self, exc_type, exc_value, traceback)
    if (
        exc_type is None
        and not self._from_testcase
        and _only_test_blocks(connection)
        and not connection.needs_rollback
    ):
        pending, connection.run_on_commit = connection.run_on_commit, []
        for _savepoints, func, robust in pending:
            _run(func, robust)
    return result


_original_capture = TestCase.__dict__["captureOnCommitCallbacks"].__func__


@contextmanager
def _capture(cls, *, using=DEFAULT_DB_ALIAS, execute=False):
    # A test that captures callbacks (django_capture_on_commit_callbacks) wants them queued,
    # not run at once.
    previous, _simulate_commits["on"] = _simulate_commits["on"], False
    from django.db import connections

    connection = connections[using]
    start = len(connection.run_on_commit)
    try:
        with _original_capture(cls, using=using, execute=execute) as callbacks:
            yield callbacks
    finally:
        _simulate_commits["on"] = previous
        # The captured callbacks are the test's now (run, or left for it to run): a later
        # simulated commit must not run them again.
        del connection.run_on_commit[start:]


BaseDatabaseWrapper.on_commit = _on_commit
transaction.Atomic.__exit__ = _atomic_exit
TestCase.captureOnCommitCallbacks = classmethod(_capture)


# --- force_login as allauth signs people in ---------------------------------------------------
# Staff capabilities need MFA in *this session* (allauth's record of the methods used). A real
# sign-in by someone with an authenticator always passes that step, so force_login records it
# too; tests of a password-only session use tests.talklondon.helpers.force_login_without_mfa.
original_force_login = Client.force_login


def _force_login_as_allauth(self, user, backend=None):
    original_force_login(self, user, backend)
    authenticator = Authenticator.objects.filter(
        user_id=user.pk, type=Authenticator.Type.TOTP
    ).first()
    if authenticator is None:
        return
    mark_second_factor_passed(self.session, user_id=user.pk, authenticator_id=authenticator.pk)


Client.force_login = _force_login_as_allauth


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
