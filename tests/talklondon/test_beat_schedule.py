"""Periodic tasks are registered one way: CELERY_BEAT_SCHEDULE in talklondon/settings.py."""

import re
from pathlib import Path

from django.conf import settings

from talklondon.celery import app

ROOT = Path(__file__).resolve().parents[2]
APPS = ("talklondon", "consultation", "anpr_info")
# Any other way of adding a periodic task: Celery's API for it, or its signal.
OTHER_WAYS = re.compile(r"add_periodic_task|on_after_finalize|on_after_configure")


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names no task"
        assert float(entry["schedule"]) > 0


def test_no_module_registers_periodic_tasks_of_its_own():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for app_dir in APPS
        for path in sorted((ROOT / app_dir).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OTHER_WAYS.search(line)
    ]
    assert offenders == [], "add the task to CELERY_BEAT_SCHEDULE in settings instead"
