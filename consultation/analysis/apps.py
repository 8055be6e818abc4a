from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "consultation.analysis"
    label = "analysis"
    verbose_name = "Analysis and exports"

    def ready(self):
        from consultation.analysis.exports import register_dataset, register_dataset_family
        from consultation.analysis.exports.discussion import CommentsDataset, ModerationLogDataset
        from consultation.analysis.exports.profiles import ParticipantProfilesDataset
        from consultation.analysis.exports.surveys import (
            PREFIX,
            survey_dataset_choices,
            survey_dataset_factory,
        )

        register_dataset(ParticipantProfilesDataset.key, ParticipantProfilesDataset)
        register_dataset(CommentsDataset.key, CommentsDataset)
        register_dataset(ModerationLogDataset.key, ModerationLogDataset)
        # One "survey responses" dataset per survey: keys survey-responses-<survey id>.
        register_dataset_family(
            PREFIX, choices=survey_dataset_choices, factory=survey_dataset_factory
        )
        # Register the tasks in every process, not only in workers (Celery autodiscovery runs
        # there): eager mode and the outbox look tasks up by name in the web process too.
        # The personal-data inventory (this app's part) registers itself on import too.
        from consultation.analysis import (
            personal_data,  # noqa: F401
            tasks,  # noqa: F401
        )
