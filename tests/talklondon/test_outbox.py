"""The outbox knows when a task has completed, and publishes again the ones that stalled."""

import datetime as dt
from types import SimpleNamespace

import pytest
from celery.signals import task_failure, task_success
from django.db import transaction
from django.utils import timezone

from talklondon.celery import app as celery_app
from talklondon.models import OutboxTask
from talklondon.outbox import outbox_enqueue, outbox_relay_pending

pytestmark = pytest.mark.django_db

PROBE = "tests.talklondon.test_outbox.probe"
runs: list[tuple[str, dict]] = []


@celery_app.task(bind=True, name=PROBE)
def probe(self, **kwargs):
    runs.append((self.request.id, kwargs))


@pytest.fixture(autouse=True)
def _no_runs_yet(monkeypatch):
    runs.clear()
    # These tests are about the rows, with a broker that keeps what it is given. On CI's
    # PostgreSQL + Redis run the real broker is there, and whether it holds the relay's
    # marker depends on the runs before: the test that needs a forgetful broker says so.
    from talklondon import outbox

    monkeypatch.setattr(outbox, "_broker_forgot_now", lambda: False)


def _row(*, published_minutes_ago: int | None, attempts: int = 1, **fields) -> OutboxTask:
    created = timezone.now() - dt.timedelta(minutes=published_minutes_ago or 0, seconds=1)
    relayed = None if published_minutes_ago is None else created
    return OutboxTask.objects.create(
        task_name=PROBE,
        kwargs={"n": OutboxTask.objects.count()},
        created_at=created,
        relayed_at=relayed,
        attempts=attempts,
        **fields,
    )


class _WorkerTask:
    """What a worker's signals receive as `sender`: the task, with its request."""

    def __init__(self, task_id: str, *, eager: bool = False):
        self.request = SimpleNamespace(id=task_id, is_eager=eager)


def test_a_task_runs_with_its_outbox_id_and_is_marked_completed_in_eager_mode():
    with transaction.atomic():
        task = outbox_enqueue(task_name=PROBE, kwargs={"survey_id": 7})
    assert runs == [(f"outbox-{task.pk}", {"survey_id": 7})]
    task.refresh_from_db()
    assert task.relayed_at is not None and task.completed_at is not None
    assert task.attempts == 1 and task.last_error == ""


def test_a_worker_marks_a_task_completed_when_it_succeeds_and_says_why_when_it_fails():
    succeeded = _row(published_minutes_ago=0)
    failed = _row(published_minutes_ago=0)
    eager = _row(published_minutes_ago=0)

    task_success.send(sender=_WorkerTask(f"outbox-{succeeded.pk}"), result=True)
    task_failure.send(
        sender=_WorkerTask(f"outbox-{failed.pk}"), exception=OSError("mail server refused")
    )
    # The publisher marks eager runs itself; tasks from elsewhere are not the outbox's.
    task_success.send(sender=_WorkerTask(f"outbox-{eager.pk}", eager=True), result=True)
    task_success.send(sender=_WorkerTask("0b5e4c1e-celery-uuid"), result=True)

    succeeded.refresh_from_db()
    failed.refresh_from_db()
    eager.refresh_from_db()
    assert succeeded.completed_at is not None
    assert failed.completed_at is None and failed.last_error == "mail server refused"
    assert eager.completed_at is None


def test_the_relay_publishes_waiting_and_stalled_tasks_until_the_attempts_run_out(settings):
    settings.OUTBOX_STALLED_SECONDS = 300
    settings.OUTBOX_MAX_ATTEMPTS = 5
    waiting = _row(published_minutes_ago=None, attempts=3)  # the broker was down
    stalled = _row(published_minutes_ago=10)  # its worker died
    recent = _row(published_minutes_ago=1)  # may still be running
    exhausted = _row(published_minutes_ago=60, attempts=5, last_error="mail server refused")
    done = _row(published_minutes_ago=60, completed_at=timezone.now())

    assert outbox_relay_pending() == 2

    assert sorted(task_id for task_id, _ in runs) == sorted(
        [f"outbox-{waiting.pk}", f"outbox-{stalled.pk}"]
    )
    for task in (waiting, stalled, recent, exhausted, done):
        task.refresh_from_db()
    assert waiting.completed_at and stalled.completed_at and stalled.attempts == 2
    assert recent.completed_at is None and recent.attempts == 1
    # Left for a person, with the reason, and never published again.
    assert exhausted.completed_at is None and exhausted.last_error == "mail server refused"
    assert outbox_relay_pending() == 0

    settings.OUTBOX_STALLED_SECONDS = 30
    assert outbox_relay_pending() == 1  # the stall period is the operators' knob
    recent.refresh_from_db()
    assert recent.completed_at is not None


def test_a_refused_publish_leaves_the_task_due_with_the_reason(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []

    def broker_down(*args, **kwargs):
        raise OSError("broker down")

    monkeypatch.setattr(celery_app, "send_task", broker_down)
    with transaction.atomic():
        task = outbox_enqueue(task_name=PROBE, kwargs={"n": 1})
    task.refresh_from_db()
    assert (task.relayed_at, task.attempts, task.last_error) == (None, 1, "broker down")

    monkeypatch.setattr(celery_app, "send_task", lambda name, **kw: sent.append(kw["task_id"]))
    assert outbox_relay_pending() == 1
    assert outbox_relay_pending() == 0  # claimed once: published once
    task.refresh_from_db()
    assert sent == [f"outbox-{task.pk}"]
    assert task.relayed_at is not None and task.attempts == 2 and task.completed_at is None


def test_the_relay_after_commit_publishes_its_task_without_a_query(
    settings, monkeypatch, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """Every survey submission pays for it: the row is written already claimed by its own
    transaction, so publishing it after commit needs no query, and beat leaves it alone."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent, options = [], []
    monkeypatch.setattr(
        celery_app,
        "send_task",
        lambda name, **kw: sent.append(kw["task_id"]) or options.append(kw),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        task = outbox_enqueue(task_name=PROBE, kwargs={"n": 1})
    task.refresh_from_db()
    assert task.relayed_at is not None and task.attempts == 1
    assert outbox_relay_pending() == 0  # committed, not yet published: beat does not take it
    with django_assert_num_queries(0):
        callbacks[0]()
    # The beat relay finds it claimed and does not publish it a second time.
    assert outbox_relay_pending() == 0
    assert sent == [f"outbox-{task.pk}"]
    # Nobody reads an outbox task's result: none is stored or subscribed to.
    assert options[0]["ignore_result"] is True


def test_tasks_the_broker_lost_are_published_again_at_once(settings, monkeypatch):
    """Regression: Redis keeps nothing on disk, so tasks it held when it stopped were lost and
    waited OUTBOX_STALLED_SECONDS (5 minutes) for the stalled rule; receipts of the
    submission spike were still unsent two minutes after the run. The relay now notices that
    the broker forgot (its marker is gone) and publishes them again at once."""
    from talklondon import outbox

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.OUTBOX_STALLED_SECONDS = 300
    settings.OUTBOX_MAX_ATTEMPTS = 5
    sent = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, **kw: sent.append(kw["task_id"]))
    lost = _row(published_minutes_ago=1)  # queued in Redis when it stopped
    exhausted = _row(published_minutes_ago=1, attempts=5, last_error="mail server refused")
    done = _row(published_minutes_ago=1, completed_at=timezone.now())

    monkeypatch.setattr(outbox, "_broker_forgot_now", lambda: False)
    assert outbox_relay_pending() == 0  # may still be queued: wait for the stalled rule

    monkeypatch.setattr(outbox, "_broker_forgot_now", lambda: True)
    assert outbox_relay_pending() == 1
    assert sent == [f"outbox-{lost.pk}"]
    for task in (lost, exhausted, done):
        task.refresh_from_db()
    assert lost.attempts == 2 and lost.relayed_at is not None
    assert exhausted.relayed_at is not None and exhausted.attempts == 5
    assert done.attempts == 1


def test_the_broker_marker_says_once_that_redis_lost_its_data():
    redis = pytest.importorskip("redis")
    from talklondon.outbox import BROKER_MARKER, broker_forgot

    client = redis.Redis.from_url("redis://127.0.0.1:6379/12")
    try:
        client.delete(BROKER_MARKER)
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    assert broker_forgot(client) is True  # a Redis that never had the marker, or lost it
    assert broker_forgot(client) is False
    assert client.ttl(BROKER_MARKER) == -1  # no expiry: volatile-lru never evicts it
    client.flushdb()  # what a restart without persistence does
    assert broker_forgot(client) is True
    client.delete(BROKER_MARKER)
