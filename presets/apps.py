from django.apps import AppConfig


class PresetsConfig(AppConfig):
    name = "presets"
    verbose_name = "Presets"

    def ready(self) -> None:
        from presets import checks  # noqa: F401  (registers the system check)
