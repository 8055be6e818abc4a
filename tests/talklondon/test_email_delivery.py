"""Every accepted email is eventually sent once: through a database restart, and after a lost
or exhausted delivery task (the outbox publishes a stalled delivery again)."""

import datetime as dt

import pytest
from django.core import mail
from django.db.utils import OperationalError
from django.utils import timezone

from talklondon import mail as site_mail
from talklondon import tasks
from talklondon.mail import EMAIL_SEND_TASK
from talklondon.models import OutboxTask, OutgoingEmail
from talklondon.outbox import outbox_relay_pending

pytestmark = pytest.mark.django_db


def _unsent(subject: str, *, minutes_ago: int, attempts: int = 1) -> OutgoingEmail:
    """An email whose delivery task was published `minutes_ago` and has not completed."""
    published = timezone.now() - dt.timedelta(minutes=minutes_ago)
    email = OutgoingEmail.objects.create(
        to=["resident@example.org"],
        from_email="noreply@talk.london.gov.uk",
        subject=subject,
        body_text="Your reference is TL-ABCD-EFGH.",
        created_at=published,
        attempts=attempts,
    )
    OutboxTask.objects.create(
        task_name=EMAIL_SEND_TASK,
        kwargs={"email_id": email.pk},
        created_at=published,
        relayed_at=published if attempts else None,
        attempts=attempts,
    )
    return email


def test_delivery_is_tried_again_while_the_database_restarts(monkeypatch):
    email = _unsent("Your response", minutes_ago=0, attempts=0)
    real = site_mail.email_deliver
    calls = []

    def flaky(*, email_id):
        calls.append(email_id)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real(email_id=email_id)

    monkeypatch.setattr(tasks, "email_deliver", flaky)
    result = tasks.email_send.apply(kwargs={"email_id": email.pk}, throw=False)
    assert result.successful()
    assert calls == [email.pk, email.pk]
    email.refresh_from_db()
    assert email.sent_at is not None
    assert [m.subject for m in mail.outbox] == ["Your response"]


def test_stalled_deliveries_are_published_again_and_sent_once():
    # A worker died with the task (issue #19), or the task ran out of retries.
    stalled = _unsent("Stalled receipt", minutes_ago=10)
    recent = _unsent("Recent receipt", minutes_ago=1)
    given_up = _unsent("Rejected receipt", minutes_ago=60, attempts=20)
    sent = _unsent("Sent receipt", minutes_ago=30)
    OutgoingEmail.objects.filter(pk=sent.pk).update(sent_at=timezone.now())

    assert outbox_relay_pending() == 2  # the stalled one, and the sent one's lost task

    assert [m.subject for m in mail.outbox] == ["Stalled receipt"]  # sent_at: nothing twice
    stalled.refresh_from_db()
    recent.refresh_from_db()
    given_up.refresh_from_db()
    assert stalled.sent_at is not None
    assert recent.sent_at is None  # its own task may still be on its way
    assert given_up.sent_at is None  # left for a person: last_error says why
    assert outbox_relay_pending() == 0
    assert len(mail.outbox) == 1
    unfinished = OutboxTask.objects.filter(completed_at__isnull=True)
    assert sorted(t.kwargs["email_id"] for t in unfinished) == sorted([recent.pk, given_up.pk])
