from django.apps import AppConfig


class TalkLondonConfig(AppConfig):
    name = "talklondon"
    verbose_name = "Talk London"
