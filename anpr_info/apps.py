from django.apps import AppConfig


class AnprInfoConfig(AppConfig):
    name = "anpr_info"
    verbose_name = "ANPR transparency"
