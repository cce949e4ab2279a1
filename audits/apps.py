from django.apps import AppConfig


class AuditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audits"
    verbose_name = "CLEAR audits"

    def ready(self) -> None:
        from . import checks, question_bank  # noqa: F401  (registers its checks; connects its signal receivers)
