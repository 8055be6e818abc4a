from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = "Consultations"

    def ready(self):
        # Register the Celery tasks so the eager outbox relay (and workers) can find them by name.
        from consultation import tasks  # noqa: F401

        # Celery's lazy autodiscovery does not run before an eager relay looks a task up by
        # name, so the email delivery task must be registered explicitly too (see report).
        from talklondon import tasks as site_tasks  # noqa: F401
