from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "consultation.analysis"
    label = "analysis"
    verbose_name = "Analysis and exports"
