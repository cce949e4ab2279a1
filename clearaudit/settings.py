"""Settings for CLEAR Audit, all read from environment variables.

Every variable is listed in the README's "Configuration" table. DEBUG is off unless
asked for, and the app refuses to start without a real SECRET_KEY unless it runs as
the local demo (CLEARAUDIT_DEMO=1) or in DEBUG.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


DEBUG = env_bool("DEBUG")
DEMO = env_bool("CLEARAUDIT_DEMO")
#: The development tools (devtools/: the national data set with its known bench passwords, the
#: benchmarks) are installed only when asked for (CLEARAUDIT_DEVTOOLS=true: make test and make
#: bench set it) or in DEBUG or the demo; a production deployment does not get them.
DEVTOOLS = env_bool("CLEARAUDIT_DEVTOOLS", default=DEBUG or DEMO)

#: manage.py commands that sign nothing (no sessions, cookies or reset links), so they may run
#: without SECRET_KEY on a working copy or a build machine. Serving the app never may.
COMMANDS_WITHOUT_SECRET = {"makemigrations", "migrate", "check", "collectstatic", "showmigrations", "sqlmigrate"}


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if DEMO:
        # The demo keeps a random key beside its SQLite file so sessions survive restarts.
        path = BASE_DIR / "var" / "demo-secret-key"
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
        return path.read_text().strip()
    if DEBUG:
        return "insecure-development-key-" + "x" * 32
    if os.environ.get("CLEARAUDIT_COMMAND") in COMMANDS_WITHOUT_SECRET:
        return secrets.token_urlsafe(50)  # thrown away when the command ends
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it to a long random string "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "audits",
    "perspectives",
    "actions",
    "notifications",
    "discussions",
    "languages",
    *(["devtools"] if DEVTOOLS else []),
]

# Work that takes long (rendering every report of a council) runs as a background task. The
# queue is a table in the same database (django-tasks-db), so workers run on any machine that
# reaches the database: `manage.py db_worker` (make demo starts one).
# The cache holds the anonymised benchmark (one national aggregate) for BENCHMARK_CACHE_SECONDS.
# It is per process: the app server that records an approval refreshes at once, the others
# within that time. Nothing else is cached, so no shared cache server is needed.
BENCHMARK_CACHE_SECONDS = env_int("BENCHMARK_CACHE_SECONDS", 600)

#: A resident group's ratings are shown only when at least this many people gave them; below,
#: "too few responses to show" (so that no one's answer can be picked out).
PERSPECTIVE_MIN_GROUP = env_int("PERSPECTIVE_MIN_GROUP", 5)
#: How long a new invitation link stays valid unless the inviter chooses another date.
PERSPECTIVE_LINK_DAYS = env_int("PERSPECTIVE_LINK_DAYS", 28)
#: Requests one invitation link (or one address without a valid link) may make per minute.
PERSPECTIVE_LINK_RATE = env_int("PERSPECTIVE_LINK_RATE", 120)
# The daily digest (`manage.py send_review_digest`) lists audits waiting for review longer than this.
REVIEW_DIGEST_DAYS = env_int("REVIEW_DIGEST_DAYS", 7)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clearaudit"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

MIDDLEWARE = [
    # First: a cookie holding a NUL would make the session lookup fail on every page.
    "clearaudit.middleware.DropUnusableCookiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the cookie the switcher sets, else the browser's; then a signed-in person's choice.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "languages.middleware.ChosenLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that its 400 page passes through the others (security headers, CSP).
    "clearaudit.middleware.RefuseUnusableInputMiddleware",
]

# Password guessing: after AXES_FAILURE_LIMIT failed logins for one username from one address,
# that pair is locked out for AXES_COOLOFF_MINUTES (django-axes, attempts kept in the database);
# after AXES_ADDRESS_FAILURE_LIMIT failed logins from one address, whatever the usernames, the
# whole address is (clearaudit.login.AddressLimitDatabaseHandler).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "clearaudit.login.AddressLimitDatabaseHandler"
# Usernames are recorded cut to the length axes stores, so that no username fails the recording.
AXES_USERNAME_CALLABLE = "clearaudit.login.username_for_axes"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy, the client's address is in X-Forwarded-For: set AXES_PROXY_COUNT.
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

ROOT_URLCONF = "clearaudit.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "clearaudit.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 for new and changed passwords; older hashes still verify and are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "audits:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# English is the source language; the Welsh catalogue is locale/cy (see "Languages" in the README).
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "clear-audit@localhost")
# The SMTP server, for EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that does not answer holds a worker this long at most; the e-mail is retried later.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
#: The app's address as its users reach it, for links in e-mails sent without a request (the
#: action reminders that `manage.py send_action_reminders` sends, from cron).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Behind HTTPS (set SECURE=true in production): secure cookies and HSTS.
SECURE = env_bool("SECURE")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE  # allows, but does not itself make, a submission to the browsers' preload list
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy: everything from this site only, no inline script and no framing.
# Inline style attributes are allowed (progress bars and band colours use them); scripts are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the login lasts SESSION_COOKIE_AGE from the last request, not the first

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
