"""A Celery worker keeps its database connection between tasks, as a web process keeps it
between requests, and replaces it only when it broke or grew old (Django's rule)."""

from types import SimpleNamespace

import pytest
from celery.app.trace import build_tracer
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from talklondon import celery as celery_module
from talklondon.celery import app as celery_app
from talklondon.mail import EMAIL_SEND_TASK
from talklondon.models import OutgoingEmail


def _task(*, eager: bool):
    return SimpleNamespace(request=SimpleNamespace(id="t-1", is_eager=eager))


def test_the_worker_fixup_is_told_to_reuse_the_connection():
    # Without CELERY_DB_REUSE_MAX, Celery's Django fix-up closes the connection before and
    # after every task: a new PostgreSQL connection for every email.
    assert DjangoWorkerFixup(celery_app).db_reuse_max >= 100


def test_around_each_worker_task_django_closes_only_a_broken_or_old_connection(monkeypatch):
    calls = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: calls.append(1))
    celery_module.database_connections_tidy(sender=_task(eager=False))
    assert calls == [1]
    # An eager task runs inside its caller's request or transaction: leave that alone.
    celery_module.database_connections_tidy(sender=_task(eager=True))
    celery_module.database_connections_tidy(sender=None)
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_emails_one_after_another_on_one_connection():
    fixup = DjangoWorkerFixup(celery_app).install()  # what a worker installs at start
    try:
        tracer = build_tracer(
            EMAIL_SEND_TASK, celery_app.tasks[EMAIL_SEND_TASK], eager=False, app=celery_app
        )
        seen = []
        for n in range(3):
            email = OutgoingEmail.objects.create(
                to=[f"person{n}@example.com"],
                from_email="noreply@example.com",
                subject=f"Receipt {n}",
                body_text="Thank you.",
            )
            info = tracer(f"send-{n}", (), {"email_id": email.pk}, {"id": f"send-{n}"})
            assert info.retval is True
            seen.append(connection.connection)
        assert OutgoingEmail.objects.filter(sent_at__isnull=True).count() == 0
        assert seen[0] is not None and seen.count(seen[0]) == 3
    finally:
        del fixup
