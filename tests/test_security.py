"""Production settings pass Django's deployment checks, and every page sends the security headers."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_manage_py_check_deploy_passes_with_production_settings():
    test_only = {"DEBUG", "CLEARAUDIT_DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env |= {
        "SECRET_KEY": "a-production-like-key-" + "x9Q" * 20,
        "SECURE": "true",
        "ALLOWED_HOSTS": "clear.example.gov.uk",
        "DEBUG": "false",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_send_a_content_security_policy_without_inline_script(client_for, audit, officer):
    response = client_for(officer).get(f"/audits/{audit.pk}/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()  # no inline script the policy would block


def test_new_passwords_are_hashed_with_argon2(db, settings):
    from django.contrib.auth import get_user_model

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = get_user_model().objects.create_user("someone", password="a-long-test-password")
    assert user.password.startswith("argon2$")
