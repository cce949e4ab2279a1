from django.apps import AppConfig


class ActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "actions"
    verbose_name = "Action plans"

    def ready(self) -> None:
        from . import hooks

        hooks.register()
