"""The transactional outbox: the one durable queue for every piece of deferred work.

A task is recorded with the write that causes it and published to Celery after commit, with the
Celery task id `outbox-<pk>`; when the task succeeds, a signal in the worker marks the row
completed. So the row knows three states: waiting (not yet published: the broker was down),
published, and completed. Beat's relay publishes what is waiting, and publishes again what was
published more than OUTBOX_STALLED_SECONDS ago and never completed (its worker died, or it ran
out of retries), up to OUTBOX_MAX_ATTEMPTS; beyond that the row stays for a person to look at,
its `last_error` saying why. When the broker's Redis comes back without what it held, the
relay finds its marker gone and publishes again at once everything published and not completed.
A Redis outage or a dead worker therefore delays work but never loses it, and never fails the
person's request. Emails are tasks too (talklondon/mail.py), of a batched kind (below); the
relay is at-least-once, so every task must be idempotent.

Batched kinds (emails): a kind registered with `outbox_batch_register` is not published row by
row. Its rows are written waiting, and the first commit of a burst asks Celery, once, to drain
the kind a moment later (`outbox_batch_run`): the worker claims every due row of the kind, runs
them together through the kind's runner (one SMTP connection for all the receipts of a burst),
and marks them completed in one statement. At a burst of submissions that is one Celery message
and a few queries per second instead of a message and six queries per receipt. Beat's relay
drains the batched kinds too, so rows whose drain was never asked for (Redis was down at
commit) or never ran (the worker died) wait at most OUTBOX_RELAY_SECONDS, as any other task.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from celery.signals import task_failure, task_success
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from talklondon.bulk_insert import row_insert
from talklondon.models import OutboxTask

logger = logging.getLogger(__name__)
# Celery task ids of outbox tasks; the worker's signal finds the row from it.
TASK_ID_PREFIX = "outbox-"
# The Celery task that drains a batched kind (talklondon.tasks.outbox_drain).
DRAIN_TASK = "talklondon.tasks.outbox_drain"
# A batched kind's runner takes the kwargs of its claimed rows, in order, and answers for each:
# None once it is done (or there was nothing to do), or why it failed.
BatchRunner = Callable[[list[dict]], list[str | None]]
_BATCHED: dict[str, BatchRunner] = {}


def outbox_batch_register(task_name: str, runner: BatchRunner) -> None:
    """Make `task_name` a batched kind (see the module's docstring); its module calls this when
    it is imported, as the module that queues its rows is imported before it queues any."""
    _BATCHED[task_name] = runner


def outbox_enqueue(*, task_name: str, kwargs: dict) -> OutboxTask:
    """Record `task_name(**kwargs)` in the current transaction and relay it once committed.

    Tasks receive ids, never model instances, and must be idempotent: the relay is
    at-least-once.
    """
    # No savepoint: the task belongs to the caller's transaction and fails with it (and a
    # savepoint would cost two more queries on every write that queues a task).
    if task_name in _BATCHED:
        with transaction.atomic(savepoint=False):
            # Waiting: the drain, or beat's relay, claims it.
            task = row_insert(OutboxTask(task_name=task_name, kwargs=kwargs))
            transaction.on_commit(lambda: _batch_ask(task_name))
        return task
    with transaction.atomic(savepoint=False):
        # Written already claimed by this transaction's own relay (relayed, first attempt), so
        # that after commit it is published with no query of its own: nobody else can see the
        # row before it commits, so nobody else can have claimed it. If the publish fails the
        # row is made due again; if this process dies before publishing, the row looks
        # published and stalled, and beat publishes it again after OUTBOX_STALLED_SECONDS, as
        # for a relay that dies between its claim and its publish.
        task = row_insert(
            OutboxTask(task_name=task_name, kwargs=kwargs, relayed_at=timezone.now(), attempts=1)
        )
        transaction.on_commit(lambda: _publish_claimed(task))
    return task


def _due() -> Q:
    """Rows the relay should publish now: never published, or published and stalled."""
    stalled_before = timezone.now() - timedelta(seconds=settings.OUTBOX_STALLED_SECONDS)
    return Q(completed_at__isnull=True) & (
        Q(relayed_at__isnull=True)
        | Q(relayed_at__lt=stalled_before, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
    )


def _relay(task: OutboxTask) -> bool | None:
    """Claim a due task and publish it: True if published, False if the broker refused it
    (it is due again), None if it was not due (another relay has it, or it completed).

    The claim is one conditional UPDATE that marks the row relayed only if it is still due:
    of two relays that reach the same row (two beats, or beat and `outbox_relay_one`), exactly
    one wins, without a transaction or a row lock. A relay that dies between claim and publish
    leaves a row that looks published but never completes: the stalled rule publishes it
    again. (A new task needs no claim: `outbox_enqueue` writes it claimed.)
    """
    claimed = OutboxTask.objects.filter(_due(), pk=task.pk).update(
        relayed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return _publish_claimed(task)


def _publish_claimed(task: OutboxTask) -> bool:
    """Publish a task this process has claimed: True if published, False if the broker
    refused it (it is made due again, with the reason)."""
    try:
        completed = _publish(task)
    except Exception as exc:  # broker down, or an eager task failed: due again at next beat
        logger.warning("Outbox task %s not relayed yet: %s", task.pk, exc)
        OutboxTask.objects.filter(pk=task.pk, completed_at__isnull=True).update(
            relayed_at=None, last_error=str(exc)[:2000]
        )
        return False
    if completed:  # eager mode (development and tests) ran it already
        OutboxTask.objects.filter(pk=task.pk).update(completed_at=timezone.now(), last_error="")
    return True


def _publish(task: OutboxTask) -> bool:
    """Hand the task to Celery. True if it has already run to completion (eager mode)."""
    from talklondon.celery import app

    task_id = f"{TASK_ID_PREFIX}{task.pk}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Eager mode: run in-process now (after commit), as a worker would. A web process has
        # not imported the apps' tasks modules (a worker does so at start), so do it once here.
        if task.task_name not in app.tasks:
            app.loader.import_default_modules()
        app.tasks[task.task_name].apply(kwargs=task.kwargs, task_id=task_id, throw=True)
        return True
    _send(task.task_name, task.kwargs, task_id=task_id)
    return False


def _send(task_name: str, kwargs: dict, **options) -> None:
    """Publish to the broker, failing at once if it is away (the outbox keeps the work).
    Nobody reads an outbox task's result (the worker's signal or the drain marks the row), so
    none is stored, and publishing does not subscribe to it: two Redis round trips fewer."""
    from talklondon.celery import app

    app.send_task(task_name, kwargs=kwargs, retry=False, ignore_result=True, **options)


def _batch_key(task_name: str) -> str:
    return f"outbox:drain-asked:{task_name}"


def _batch_ask(task_name: str) -> None:
    """After a commit that queued a row of a batched kind: ask for one drain per burst.

    The first commit of a burst sets a key for OUTBOX_BATCH_SECONDS and publishes the drain
    to run one second after the key expires; the commits that find the key set rely on that
    drain, which starts after they have committed and so sees their rows. A failure here
    (Redis away) leaves the rows waiting for beat's relay."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        outbox_batch_run(task_name=task_name)  # development and tests: at once, in process
        return
    window = settings.OUTBOX_BATCH_SECONDS
    try:
        if not cache.add(_batch_key(task_name), 1, timeout=window):
            return
        _send(DRAIN_TASK, {"task_name": task_name}, countdown=window + 1)
    except Exception as exc:  # the broker is down: beat's relay drains the rows later
        logger.warning("Outbox: drain of %s not asked for yet: %s", task_name, exc)


def outbox_batch_run(*, task_name: str, limit: int | None = None) -> int:
    """Claim every due row of a batched kind, run them through its runner and mark them:
    completed, or with the reason they failed (the stalled rule makes those due again).
    Returns how many were completed. Safe to run in many workers at once: each claims its
    own rows (SKIP LOCKED, and the claim only takes rows still due)."""
    runner = _BATCHED[task_name]
    limit = limit or settings.OUTBOX_RELAY_BATCH
    completed = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            claimed = list(
                OutboxTask.objects.filter(_due(), task_name=task_name)
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .only("pk", "kwargs")[:limit]
            )
            if not claimed:
                return completed
            OutboxTask.objects.filter(pk__in=[t.pk for t in claimed]).update(
                relayed_at=now, attempts=F("attempts") + 1
            )
        try:
            outcomes = runner([t.kwargs for t in claimed])
        except Exception as exc:  # the whole batch failed (mail server away): due later
            logger.warning("Outbox: a batch of %s failed: %s", task_name, exc)
            OutboxTask.objects.filter(pk__in=[t.pk for t in claimed]).update(
                last_error=str(exc)[:2000]
            )
            return completed
        done = [t.pk for t, error in zip(claimed, outcomes, strict=True) if error is None]
        if done:
            OutboxTask.objects.filter(pk__in=done).update(
                completed_at=timezone.now(), last_error=""
            )
        for task, error in zip(claimed, outcomes, strict=True):
            if error is not None:
                OutboxTask.objects.filter(pk=task.pk).update(last_error=error[:2000])
        completed += len(done)
        if len(claimed) < limit:
            return completed


def outbox_relay_one(*, task_id: int) -> bool:
    """Publish one task if it is due; on broker failure leave it for the periodic relay."""
    task = OutboxTask.objects.filter(pk=task_id).only("pk", "task_name", "kwargs").first()
    return task is not None and bool(_relay(task))


# A key the relay keeps in the broker's Redis, with no expiry (the deployed Redis evicts only
# keys that have one). Finding it gone means Redis lost what it held since the last relay.
BROKER_MARKER = "talklondon:outbox:broker-remembers"


def broker_forgot(client) -> bool:
    """True if the broker's Redis (`client`) has lost its data since the marker was set: it
    restarted without keeping anything on disk, or was flushed. Sets the marker again."""
    return bool(client.set(BROKER_MARKER, "1", nx=True))


def _broker_forgot_now() -> bool:
    """broker_forgot on the broker's own Redis; False where the broker is not Redis (eager
    Celery in development and tests)."""
    from talklondon.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER or not str(settings.CELERY_BROKER_URL).startswith("redis"):
        return False
    with app.connection_for_write() as connection:
        return broker_forgot(connection.default_channel.client)


def outbox_republish_lost() -> int:
    """Make due again every task published and not completed, if the broker has lost what it
    held (a Redis restart): those tasks will never reach a worker, and waiting for the
    stalled rule would hold receipts back for OUTBOX_STALLED_SECONDS. A task that was in fact
    still queued runs twice, which every task allows. Returns how many were made due."""
    try:
        if not _broker_forgot_now():
            return 0
    except Exception as exc:  # the broker is down: the relay below will find that too
        logger.warning("Outbox: could not check the broker: %s", exc)
        return 0
    found = OutboxTask.objects.filter(
        completed_at__isnull=True,
        relayed_at__isnull=False,
        attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,  # those beyond are left for a person
    ).update(relayed_at=None)
    if found:
        logger.warning("Outbox: the broker lost its queue; %s tasks made due again", found)
    return found


def outbox_relay_pending(*, limit: int | None = None) -> int:
    """Relay every due task (waiting or stalled, and all published ones if the broker has lost
    its queue), oldest first, and drain the batched kinds here. Returns how many were
    published or, for batched kinds, completed."""
    outbox_republish_lost()
    limit = limit or settings.OUTBOX_RELAY_BATCH
    published = sum(outbox_batch_run(task_name=name, limit=limit) for name in _BATCHED)
    tasks = list(
        OutboxTask.objects.filter(_due())
        .exclude(task_name__in=list(_BATCHED))
        .order_by("created_at", "pk")
        .only("pk", "task_name", "kwargs")[:limit]
    )
    for task in tasks:
        relayed = _relay(task)
        if relayed:
            published += 1
        elif relayed is False and not settings.CELERY_TASK_ALWAYS_EAGER:
            # The broker is probably down; stop hammering it and wait for the next beat.
            break
    return published


def _outbox_pk(task) -> int | None:
    """The outbox row behind a task run by a worker, or None (not an outbox task, or eager:
    the publisher marks eager runs itself, with no query of its own)."""
    request = task.request
    pk = (request.id or "").removeprefix(TASK_ID_PREFIX)
    if request.is_eager or pk == request.id:
        return None
    # ASCII digits only: str.isdigit() accepts "²", which int() then refuses inside a signal.
    return int(pk) if pk.isascii() and pk.isdigit() else None


@task_success.connect
def outbox_task_completed(sender=None, **_kwargs) -> None:
    """In the worker: the task succeeded, so the relay must not publish it again."""
    pk = _outbox_pk(sender)
    if pk is not None:
        OutboxTask.objects.filter(pk=pk, completed_at__isnull=True).update(
            completed_at=timezone.now(), last_error=""
        )


@task_failure.connect
def outbox_task_failed(sender=None, exception=None, **_kwargs) -> None:
    """In the worker: the task failed for good (retries spent). Say why, for operators; the
    relay publishes it again once it has stalled, until OUTBOX_MAX_ATTEMPTS."""
    pk = _outbox_pk(sender)
    if pk is not None:
        OutboxTask.objects.filter(pk=pk).update(last_error=str(exception)[:2000])
