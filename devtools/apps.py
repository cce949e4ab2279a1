from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development tooling: the national data set, the benchmarks and the dashboard's query plans.

    Only management commands, no models or pages; it uses ``audits`` and ``audits`` never uses it.
    Installed when ``CLEARAUDIT_DEVTOOLS`` says so (see clearaudit/settings.py), which production
    (``SECURE=true``) does not by default.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "devtools"
    verbose_name = "CLEAR Audit development tools"
