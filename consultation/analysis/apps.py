from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "consultation.analysis"
    label = "analysis"
    verbose_name = "Analysis and exports"

    def ready(self):
        from consultation.analysis.exports import register_dataset
        from consultation.analysis.exports.profiles import ParticipantProfilesDataset

        register_dataset(ParticipantProfilesDataset.key, ParticipantProfilesDataset)
        # Register the tasks in every process, not only in workers (Celery autodiscovery runs
        # there): eager mode and the outbox look tasks up by name in the web process too.
        from consultation.analysis import tasks  # noqa: F401
