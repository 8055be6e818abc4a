"""The transactional outbox: record a task with the write that causes it, relay it after commit.

A Redis outage therefore delays work but never loses it, and never fails the person's request.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from talklondon.models import OutboxTask

logger = logging.getLogger(__name__)


def outbox_enqueue(*, task_name: str, kwargs: dict, duplicate_ok: bool = False) -> OutboxTask:
    """Record `task_name(**kwargs)` in the current transaction and relay it once committed.

    Tasks receive ids, never model instances, and must be idempotent: the relay is
    at-least-once. `duplicate_ok` for a task that may harmlessly run twice (a recomputation,
    not an email): it is relayed from memory without locking its row, one query instead of
    two, at the price of a rare second run if the periodic relay reaches it first.
    """
    # No savepoint: the task belongs to the caller's transaction and fails with it (and a
    # savepoint would cost two more queries on every write that queues a task).
    with transaction.atomic(savepoint=False):
        task = OutboxTask.objects.create(task_name=task_name, kwargs=kwargs)
        if duplicate_ok:
            transaction.on_commit(lambda: _relay_unlocked(task))
        else:
            transaction.on_commit(lambda: outbox_relay_one(task_id=task.pk))
    return task


def _relay_unlocked(task: OutboxTask) -> bool:
    """Publish a task just committed, from memory, then mark it relayed (see outbox_enqueue)."""
    pending = OutboxTask.objects.filter(pk=task.pk, relayed_at__isnull=True)
    try:
        _publish(task)
    except Exception as exc:  # broker down, or an eager task failed: the periodic relay retries
        logger.warning("Outbox task %s not relayed yet: %s", task.pk, exc)
        pending.update(attempts=F("attempts") + 1, last_error=str(exc)[:2000])
        return False
    pending.update(attempts=F("attempts") + 1, relayed_at=timezone.now(), last_error="")
    return True


def _publish(task: OutboxTask) -> None:
    from talklondon.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Eager mode: run in-process now (after commit), as a worker would. A web process has
        # not imported the apps' tasks modules (a worker does so at start), so do it once here.
        if task.task_name not in app.tasks:
            app.loader.import_default_modules()
        app.tasks[task.task_name].apply(kwargs=task.kwargs, throw=True)
    else:
        app.send_task(task.task_name, kwargs=task.kwargs, retry=False)


def outbox_relay_one(*, task_id: int) -> bool:
    """Publish one pending task; on broker failure leave it for the periodic relay."""
    with transaction.atomic():
        task = (
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(pk=task_id, relayed_at__isnull=True)
            .first()
        )
        if task is None:
            return False
        task.attempts += 1
        try:
            _publish(task)
        except Exception as exc:  # broker down, or an eager task failed: keep the row
            logger.warning("Outbox task %s not relayed yet: %s", task.pk, exc)
            task.last_error = str(exc)[:2000]
            task.save(update_fields=["attempts", "last_error"])
            return False
        task.relayed_at = timezone.now()
        task.last_error = ""
        task.save(update_fields=["attempts", "relayed_at", "last_error"])
        return True


def outbox_relay_pending(*, limit: int | None = None) -> int:
    """Relay every pending task, oldest first. Returns how many were published."""
    limit = limit or settings.OUTBOX_RELAY_BATCH
    ids = list(
        OutboxTask.objects.filter(relayed_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    published = 0
    for task_id in ids:
        if outbox_relay_one(task_id=task_id):
            published += 1
        elif not settings.CELERY_TASK_ALWAYS_EAGER:
            # The broker is probably down; stop hammering it and wait for the next beat.
            break
    return published
