from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "consultation.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self):
        from consultation.surveys import personal_data
        from talklondon import personal_data as registry

        registry.register_exporter(
            "survey_responses",
            personal_data.responses_export,
            covers=("surveys.Response:respondent", "surveys.ResponseVersion", "surveys.Answer"),
        )
        registry.register_eraser("survey_responses", personal_data.responses_erase)
        registry.register_participation("survey_responses", personal_data.response_participation)
        # Register the tasks in every process, not only in workers (Celery autodiscovery runs
        # there): eager mode and the outbox look tasks up by name in the web process too.
        from consultation.surveys import tasks  # noqa: F401
