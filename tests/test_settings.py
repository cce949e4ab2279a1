"""Settings refuse unsafe production configurations."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


UNSET = {"SECRET_KEY", "DEBUG", "CLEARAUDIT_DEMO", "CLEARAUDIT_COMMAND", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "-c", "import clearaudit.settings as s; print(s.DEBUG, len(s.SECRET_KEY))"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_by_default():
    result = load_settings(SECRET_KEY="x" * 50)
    assert result.stdout.split() == ["False", "50"]


def test_a_mistyped_boolean_is_an_error_not_a_silent_default():
    result = load_settings(SECRET_KEY="x" * 50, DEBUG="ture")
    assert "DEBUG must be true or false" in result.stderr


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean | env, capture_output=True, text=True
    )


def test_commands_that_sign_nothing_run_without_a_secret_key():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_serving_the_app_without_a_secret_key_is_refused():
    served = subprocess.run(
        [sys.executable, "-c", "import clearaudit.wsgi"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in UNSET},
        capture_output=True,
        text=True,
    )
    assert served.returncode != 0 and "SECRET_KEY is not set" in served.stderr
    assert "SECRET_KEY is not set" in manage("runserver", "--noreload", "127.0.0.1:0").stderr
