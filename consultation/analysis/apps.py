from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "consultation.analysis"
    label = "analysis"
    verbose_name = "Analysis and exports"

    def ready(self):
        from consultation.analysis.exports import register_dataset
        from consultation.analysis.exports.profiles import ParticipantProfilesDataset

        register_dataset(ParticipantProfilesDataset.key, ParticipantProfilesDataset)
