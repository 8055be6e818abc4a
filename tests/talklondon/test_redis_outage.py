"""With Redis configured but down, signing up still works; the email waits in the outbox and is
delivered by a real Celery worker once Redis is back, which marks the outbox task completed."""

import os
import socket
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connections, transaction
from django.urls import reverse
from kombu import pools as kombu_pools

from talklondon.celery import app as celery_app
from talklondon.models import OutboxTask, OutgoingEmail, User
from talklondon.outbox import outbox_enqueue, outbox_relay_pending

REAL_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/2"


def _unused_port() -> int:
    # A fixed "dead" port can be taken by another Redis (the benchmarks start one on 6399).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


STOPPED_REDIS = f"redis://127.0.0.1:{_unused_port()}/2"  # nothing listens there


def redis_answers() -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not redis_answers(),
    reason="No Redis server answers on 127.0.0.1:6379; start one (see .ci/run) to run this test",
)


def celery_connect_to(url: str) -> None:
    """Point the Celery app at another broker, dropping pooled connections to the old one."""
    # kombu keeps pools in a process-wide registry; empty it rather than closing a pool that
    # the registry would hand out again.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url = url


@pytest.fixture
def celery_broker():
    saved = {
        "broker_url": celery_app.conf.broker_url,
        "task_always_eager": celery_app.conf.task_always_eager,
        "worker_hijack_root_logger": celery_app.conf.worker_hijack_root_logger,
    }
    celery_app.conf.task_always_eager = False
    celery_app.conf.worker_hijack_root_logger = False
    yield celery_connect_to
    celery_connect_to(saved["broker_url"])
    celery_app.conf.task_always_eager = saved["task_always_eager"]
    celery_app.conf.worker_hijack_root_logger = saved["worker_hijack_root_logger"]


def _close_worker_db_connections(**_kwargs):
    # The worker thread opened its own database connections; close them so the test database
    # can be flushed and dropped afterwards.
    connections.close_all()


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_sign_up_survives_a_redis_outage_and_the_email_is_sent_once_redis_is_back(
    client, settings, celery_broker
):
    # Redis is configured but stopped: broker and cache both point at a port nobody listens on.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = STOPPED_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "talklondon.cache.ResilientRedisCache",
            "LOCATION": STOPPED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    celery_broker(STOPPED_REDIS)

    response = client.post(
        reverse("account_signup"),
        {
            "email": "during.outage@example.org",
            "display_name": "Patient Peckham",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302  # no 500: the person is signed up
    assert User.objects.filter(email="during.outage@example.org").exists()

    email = OutgoingEmail.objects.get()
    assert email.to == ["during.outage@example.org"]
    assert email.sent_at is None
    task = OutboxTask.objects.get()
    assert task.task_name == "talklondon.tasks.email_send"
    # Emails are a batched kind: the row waits for a drain, which could not be asked for.
    assert task.relayed_at is None and task.completed_at is None
    assert mail.outbox == []

    # Beat cannot reach a worker while Redis is down, so nothing runs and nothing is lost.
    # Redis is back: beat's next tick reaches a real worker, whose relay drains the email.
    settings.CELERY_BROKER_URL = REAL_REDIS
    celery_broker(REAL_REDIS)
    celery_app.control.purge()  # leftovers from earlier runs on this Redis database
    celery_app.send_task("talklondon.tasks.outbox_relay")
    task_postrun.connect(_close_worker_db_connections)
    try:
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=20):
            # Watch the mailbox, not the database: on SQLite a reader here could lock the
            # worker's write out.
            delivered = wait_for(lambda: len(mail.outbox) == 1)
    finally:
        task_postrun.disconnect(_close_worker_db_connections)

    assert delivered, "the worker did not deliver the waiting email"
    email.refresh_from_db()
    assert email.sent_at is not None
    # The drain marks its row completed once delivered: wait for that second statement.
    assert wait_for(
        lambda: OutboxTask.objects.filter(pk=task.pk, completed_at__isnull=False).exists()
    )
    task.refresh_from_db()
    assert task.relayed_at is not None and task.completed_at >= task.relayed_at
    assert outbox_relay_pending() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["during.outage@example.org"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_task_published_while_redis_is_down_gives_up_at_once(
    settings, celery_broker, monkeypatch
):
    """kombu slept its first retry interval (2 s) before giving up on a broker that refused the
    connection, holding the request: the submission spike's site sat idle through a Redis
    outage. The publisher gives up at once and the row waits for beat's relay."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_broker(STOPPED_REDIS)
    slept = []
    monkeypatch.setattr("kombu.utils.functional.sleep", slept.append)
    with transaction.atomic():
        task = outbox_enqueue(task_name="talklondon.tasks.outbox_relay", kwargs={})
    task.refresh_from_db()
    assert task.relayed_at is None and "refused" in task.last_error.lower()
    assert slept == []
