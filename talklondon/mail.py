"""Email through the outbox: every message Django or allauth sends becomes a row plus a task.

`OutgoingEmail` is only the message store; the delivery task is an outbox task, so the outbox
runs it again if its worker dies or it fails (talklondon/outbox.py), and `sent_at` makes a
second delivery send nothing. Emails are a batched kind: the receipts of a burst of
submissions are delivered together, over one connection to the mail server
(`emails_deliver`).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from talklondon.bulk_insert import row_insert
from talklondon.models import OutgoingEmail
from talklondon.outbox import outbox_batch_register, outbox_enqueue

logger = logging.getLogger(__name__)
# The delivery task's name (talklondon.tasks.email_send); tasks import this module, not the
# other way round.
EMAIL_SEND_TASK = "talklondon.tasks.email_send"


class OutboxEmailBackend(BaseEmailBackend):
    """Stores each message and enqueues its delivery; the real backend is used by the task."""

    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            email_queue(message=message)
            count += 1
        return count


def email_queue(*, message) -> OutgoingEmail:
    """Accept a Django EmailMessage for delivery after the current transaction commits."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = content
    # No savepoint: the email belongs to the caller's transaction (a receipt is stored with
    # the response or not at all), and a savepoint costs two more queries on every submission.
    with transaction.atomic(savepoint=False):
        email = row_insert(
            OutgoingEmail(
                to=list(message.to) + list(message.cc) + list(message.bcc),
                from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
                subject=str(message.subject),
                body_text=str(message.body),
                body_html=html,
                headers={k: str(v) for k, v in (message.extra_headers or {}).items()},
            )
        )
        outbox_enqueue(task_name=EMAIL_SEND_TASK, kwargs={"email_id": email.pk})
    return email


def _message(email: OutgoingEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=email.to,
        headers=email.headers or None,
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def emails_deliver(*, email_ids: list[int]) -> dict[int, Exception | None]:
    """Deliver these stored emails once each, over one connection to the mail server.

    Answers for each email it tried: None once sent, or what the mail server raised (its
    attempts and last error are kept, and it stays unsent). An id it did not try was sent
    before or no longer exists.
    """
    outcomes: dict[int, Exception | None] = {}
    with transaction.atomic():
        # Locked, so that a delivery of the same email elsewhere (a task published before
        # emails were batched) waits for this one and then finds it sent.
        emails = list(
            OutgoingEmail.objects.select_for_update()
            .filter(pk__in=email_ids, sent_at__isnull=True)
            .order_by("pk")
        )
        if not emails:
            return outcomes
        connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
        connection.open()
        try:
            for email in emails:
                try:
                    _message(email, connection).send()
                except Exception as exc:
                    outcomes[email.pk] = exc
                else:
                    outcomes[email.pk] = None
        finally:
            connection.close()
        sent = [pk for pk, error in outcomes.items() if error is None]
        if sent:
            OutgoingEmail.objects.filter(pk__in=sent).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1
            )
        for pk, error in outcomes.items():
            if error is not None:
                OutgoingEmail.objects.filter(pk=pk).update(
                    attempts=F("attempts") + 1, last_error=_why(error)
                )
    return outcomes


def _why(error: Exception) -> str:
    return str(error)[:2000] or type(error).__name__


def _emails_run(batch: list[dict]) -> list[str | None]:
    """The outbox's runner for the email kind: each row's kwargs are `{"email_id": pk}`."""
    outcomes = emails_deliver(email_ids=[kwargs["email_id"] for kwargs in batch])
    errors = [outcomes.get(kwargs["email_id"]) for kwargs in batch]
    return [None if error is None else _why(error) for error in errors]


outbox_batch_register(EMAIL_SEND_TASK, _emails_run)


def email_deliver(*, email_id: int) -> bool:
    """Deliver one stored email once (the per-email task, as published before emails were
    batched). Returns False if it was sent before or no longer exists; raises what the mail
    server raised, for the task's retries."""
    outcomes = emails_deliver(email_ids=[email_id])
    if email_id not in outcomes:
        return False
    if outcomes[email_id] is not None:
        raise outcomes[email_id]
    return True
