from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: installed only for its management commands (see DEMO in settings)."""

    name = "demo"
    verbose_name = "Talk London demo"
