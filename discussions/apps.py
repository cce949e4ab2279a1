from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "discussions"
    verbose_name = "Comments on answers"

    def ready(self) -> None:
        from . import hooks

        hooks.register()
