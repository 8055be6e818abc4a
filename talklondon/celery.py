"""The Celery app, wired as in cookiecutter-django: settings come from Django with CELERY_ names."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talklondon.settings")

app = Celery("talklondon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def database_connections_tidy(sender=None, **_kwargs) -> None:
    """Around each task a worker runs, what Django does around each web request: close the
    database connection if it broke (a PostgreSQL restart) or outlived CONN_MAX_AGE, and check
    it before its next use (conn_health_checks); otherwise keep it.

    Celery's Django fixup would close it before and after every task instead (unless
    CELERY_DB_REUSE_MAX is set, which settings does): a new PostgreSQL connection, and a
    backend forked for it, for every receipt. Eager tasks (tests, development) run inside the
    caller's request or transaction, so their connection is left alone, as the fixup does.
    """
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
