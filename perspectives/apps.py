from django.apps import AppConfig


class PerspectivesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "perspectives"
    verbose_name = "Perspectives"

    def ready(self) -> None:
        from . import hooks

        hooks.register()
