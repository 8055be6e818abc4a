from django.apps import AppConfig


class StatementsConfig(AppConfig):
    name = "consultation.statements"
    label = "statements"
    verbose_name = "Statements (opinion groups)"

    def ready(self):
        # Register the tasks in every process (eager mode and the outbox look them up by name).
        from consultation.statements import tasks  # noqa: F401
