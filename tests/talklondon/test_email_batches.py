"""Receipts are a batched outbox kind: a burst of emails costs one Celery message and one mail
connection, every email is still sent once, and one refused message does not hold back the
others."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction

from talklondon import outbox
from talklondon.celery import app as celery_app
from talklondon.mail import EMAIL_SEND_TASK, email_queue
from talklondon.models import OutboxTask, OutgoingEmail
from talklondon.outbox import DRAIN_TASK, outbox_batch_run, outbox_relay_pending

pytestmark = pytest.mark.django_db


def _queue(n: int, *, to: str = "resident@example.org") -> OutgoingEmail:
    with transaction.atomic():
        return email_queue(
            message=EmailMessage(f"Your response {n}", "Thank you.", None, [to]),
        )


@pytest.fixture
def broker(settings, monkeypatch):
    """A real worker's setting (not eager), with what would be published recorded."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(outbox, "_broker_forgot_now", lambda: False)
    cache.clear()
    published = []
    monkeypatch.setattr(
        celery_app, "send_task", lambda name, **options: published.append((name, options))
    )
    return published


def test_a_burst_of_receipts_asks_for_one_drain_and_publishes_no_task_per_email(broker, settings):
    emails = [_queue(n) for n in range(5)]
    assert broker == [
        (
            DRAIN_TASK,
            {
                "kwargs": {"task_name": EMAIL_SEND_TASK},
                # After the window has closed: every email of the burst has committed by then.
                "countdown": settings.OUTBOX_BATCH_SECONDS + 1,
                "retry": False,
                "ignore_result": True,
            },
        )
    ]
    rows = OutboxTask.objects.filter(kwargs__email_id__in=[e.pk for e in emails])
    assert rows.count() == 5
    assert not rows.filter(relayed_at__isnull=False).exists()  # waiting for the drain
    assert mail.outbox == []

    # The window has passed: the next email asks for a drain of its own.
    cache.delete(outbox._batch_key(EMAIL_SEND_TASK))
    _queue(5)
    assert [name for name, _ in broker] == [DRAIN_TASK, DRAIN_TASK]


def test_the_drain_sends_every_waiting_email_over_one_connection(
    broker, settings, monkeypatch, django_assert_max_num_queries
):
    opened = []

    class CountingBackend(LocmemBackend):
        def open(self):
            opened.append(1)
            return super().open()

    monkeypatch.setattr(
        "talklondon.mail.get_connection", lambda backend=None, **kwargs: CountingBackend()
    )
    emails = [_queue(n, to=f"person{n}@example.org") for n in range(40)]
    # A fixed handful of statements for the whole batch, however many emails it holds.
    with django_assert_max_num_queries(12):
        assert outbox_batch_run(task_name=EMAIL_SEND_TASK) == 40
    assert len(opened) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"person{n}@example.org" for n in range(40)
    )
    assert not OutgoingEmail.objects.filter(pk__in=[e.pk for e in emails], sent_at=None).exists()
    assert not OutboxTask.objects.filter(completed_at=None).exists()
    # Run again (a second drain, or beat's relay): nothing is sent twice.
    assert outbox_batch_run(task_name=EMAIL_SEND_TASK) == 0
    assert outbox_relay_pending() == 0
    assert len(mail.outbox) == 40


def test_a_refused_message_is_kept_for_later_and_the_others_are_sent(broker, monkeypatch):
    class RefusingBackend(LocmemBackend):
        def send_messages(self, messages):
            if any("refused" in to for m in messages for to in m.to):
                raise OSError("550 mailbox unavailable")
            return super().send_messages(messages)

    monkeypatch.setattr(
        "talklondon.mail.get_connection", lambda backend=None, **kwargs: RefusingBackend()
    )
    kept = _queue(1)
    refused = _queue(2, to="refused@example.org")
    assert outbox_batch_run(task_name=EMAIL_SEND_TASK) == 1
    kept.refresh_from_db()
    refused.refresh_from_db()
    assert kept.sent_at is not None and kept.attempts == 1
    assert refused.sent_at is None and refused.attempts == 1
    assert "550" in refused.last_error
    row = OutboxTask.objects.get(kwargs__email_id=refused.pk)
    # Claimed and not completed, with the reason: the stalled rule makes it due again.
    assert row.completed_at is None and row.relayed_at is not None and "550" in row.last_error
    assert [m.to for m in mail.outbox] == [["resident@example.org"]]


def test_beat_drains_receipts_whose_drain_was_never_asked_for(broker, monkeypatch):
    # Redis was away at commit: the drain could not be asked for.
    monkeypatch.setattr(outbox, "_batch_ask", lambda task_name: None)
    email = _queue(1)
    assert mail.outbox == []
    assert outbox_relay_pending() == 1
    # Drained in the relay's own worker: no email task is published one by one.
    assert broker == []
    email.refresh_from_db()
    assert email.sent_at is not None
    assert len(mail.outbox) == 1


def test_in_development_and_tests_the_email_is_sent_at_commit():
    _queue(1)
    assert [m.subject for m in mail.outbox] == ["Your response 1"]
    assert OutboxTask.objects.get().completed_at is not None
