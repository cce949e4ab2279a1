from django.apps import AppConfig


class LanguagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "languages"
    verbose_name = "Languages"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (a signed-in person's language follows them)
