from django.apps import AppConfig


class AnprInfoConfig(AppConfig):
    name = "anpr_info"
    verbose_name = "ANPR transparency"

    def ready(self):
        # Register this app's tasks and beat hook before Celery finalises its app (tasks.py).
        # Celery's autodiscovery runs only when a worker starts, so in eager mode (local runs,
        # tests) the site's email task must be imported too, or the outbox cannot find it.
        # The personal-data inventory (this app's part) registers itself on import too.
        from anpr_info import (
            personal_data,  # noqa: F401
            tasks,  # noqa: F401
        )
        from talklondon import tasks as site_tasks  # noqa: F401
