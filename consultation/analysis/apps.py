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
        # The staff figures this app counts, so that the surveys app's refresh task can count
        # them again (consultation/surveys/selectors.py, figures_cached).
        from consultation.analysis.figure_selectors import crosstab_figures
        from consultation.analysis.selectors import text_answer_counts
        from consultation.surveys.selectors import figures_kind_register

        figures_kind_register("crosstab", crosstab_figures)
        figures_kind_register("text-counts", text_answer_counts)
        # Register the tasks in every process, not only in workers (Celery autodiscovery runs
        # there): eager mode and the outbox look tasks up by name in the web process too.
        # The personal-data inventory (this app's part) registers itself on import too.
        from consultation.analysis import (
            personal_data,  # noqa: F401
            tasks,  # noqa: F401
        )
