from django.apps import AppConfig


class TalkLondonConfig(AppConfig):
    name = "talklondon"
    verbose_name = "Talk London"

    def ready(self):
        # The site's retention rules join the personal-data inventory's registry.
        from talklondon import retention  # noqa: F401
