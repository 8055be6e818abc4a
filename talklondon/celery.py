"""The Celery app, wired as in cookiecutter-django: settings come from Django with CELERY_ names."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talklondon.settings")

app = Celery("talklondon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
