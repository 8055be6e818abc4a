"""Celery tasks of the site app. Tasks take ids and call services."""

from celery import shared_task
from django.db.utils import InterfaceError, OperationalError

from talklondon.mail import EMAIL_SEND_TASK, email_deliver
from talklondon.outbox import DRAIN_TASK, outbox_batch_run, outbox_relay_pending
from talklondon.services import personal_data_retention_erase


@shared_task(
    name=EMAIL_SEND_TASK,
    # The mail server or the database may be briefly away (a PostgreSQL restart): try again.
    autoretry_for=(OSError, InterfaceError, OperationalError),
    retry_backoff=True,
    max_retries=8,
)
def email_send(email_id: int) -> bool:
    return email_deliver(email_id=email_id)


@shared_task(name=DRAIN_TASK)
def outbox_drain(task_name: str) -> int:
    """Run every due row of a batched outbox kind (the receipts of a burst) together."""
    return outbox_batch_run(task_name=task_name)


@shared_task(name="talklondon.tasks.outbox_relay")
def outbox_relay() -> int:
    """Publish the outbox tasks still waiting, and again those published but never completed."""
    return outbox_relay_pending()


@shared_task(name="talklondon.tasks.personal_data_retention_run")
def personal_data_retention_run() -> int:
    """Erase accounts whose participation ended longer ago than the retention period."""
    return len(personal_data_retention_erase())
