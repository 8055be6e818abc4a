import pytest

from talklondon.celery import app as celery_app
from tests.analysis.helpers import list_dataset_unregister


@pytest.fixture(scope="session", autouse=True)
def _celery_tasks_registered():
    # What a worker does at start-up: import every app's tasks module, so that eager tasks
    # (including talklondon.tasks.email_send) can be found by name.
    celery_app.loader.import_default_modules()


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    list_dataset_unregister()
