from django.apps import AppConfig


class AnprInfoConfig(AppConfig):
    name = "anpr_info"
    verbose_name = "ANPR transparency"

    def ready(self):
        # Connects the beat schedule hook before Celery finalises its app (see tasks.py).
        from anpr_info import tasks  # noqa: F401
