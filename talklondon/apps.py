from django.apps import AppConfig


class TalkLondonConfig(AppConfig):
    name = "talklondon"
    verbose_name = "Talk London"

    def ready(self):
        # The site's part of the personal-data inventory and its retention rules.
        from talklondon import (
            personal_data_site,  # noqa: F401
            retention,  # noqa: F401
        )
