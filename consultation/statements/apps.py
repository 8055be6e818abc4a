from django.apps import AppConfig


class StatementsConfig(AppConfig):
    name = "consultation.statements"
    label = "statements"
    verbose_name = "Statements (opinion groups)"

    def ready(self):
        from consultation.statements import personal_data
        from talklondon import personal_data as registry

        registry.register_exporter("statements", personal_data.statements_export)
        registry.register_eraser("statements", personal_data.statements_erase)
        registry.register_participation("statements", personal_data.statements_participation)
        # Register the tasks in every process (eager mode and the outbox look them up by name).
        from consultation.statements import tasks  # noqa: F401
