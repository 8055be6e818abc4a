from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "consultation.surveys"
    label = "surveys"
    verbose_name = "Surveys"
