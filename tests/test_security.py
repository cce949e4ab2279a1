"""Production settings pass Django's deployment checks, and every page sends the security headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def check_deploy(**extra):
    test_only = {"DEBUG", "CLEARAUDIT_DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE", "AXES_PROXY_COUNT"}  # set by tests
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env |= {
        "SECRET_KEY": "a-production-like-key-" + "x9Q" * 20,
        "SECURE": "true",
        "ALLOWED_HOSTS": "clear.example.gov.uk",
        "DEBUG": "false",
    } | extra
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_manage_py_check_deploy_passes_with_production_settings():
    result = check_deploy(AXES_PROXY_COUNT="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_lockouts_behind_a_proxy_would_see_one_address_for_everyone():
    result = check_deploy()
    assert result.returncode != 0
    assert "clearaudit.W001" in result.stderr and "AXES_PROXY_COUNT" in result.stderr


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


def test_a_nul_character_in_a_query_parameter_gets_a_clear_400_page(client_for, officer):
    """PostgreSQL cannot compare text holding NUL: this was a server error."""
    response = client_for(officer).get("/audits/?council=a%00b")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The field “council” contains a NUL character" in page
    assert "Nothing was saved or changed" in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_nul_character_in_a_form_field_or_the_address_gets_a_400(client_for, officer, audit):
    client = client_for(officer)
    response = client.post(f"/audits/{audit.pk}/reopen/", {"reason": "Figures\x00corrected"})
    assert response.status_code == 400
    assert "“reason” contains a NUL character" in response.content.decode()
    assert client.get("/accounts/reset/MQ%00/set-password/").status_code == 400


def test_a_value_longer_than_any_field_takes_gets_a_400_naming_it(client, db):
    response = client.post("/accounts/login/", {"username": "officer", "password": "p" * 25_000})
    assert response.status_code == 400
    assert "The field “password” holds 25,000 characters" in response.content.decode()


def test_the_autosave_script_is_told_why_in_json(client_for, officer, audit):
    response = client_for(officer).post(
        f"/audits/{audit.pk}/can-do/autosave/", {"version": "1\x00"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["saved"] is False
    assert "“version” contains a NUL character" in response.json()["message"]


def test_a_nul_in_a_header_of_a_failed_login_is_no_server_error(client, officer):
    """django-axes records the User-Agent of every failed login; PostgreSQL cannot store a NUL."""
    response = client.post(
        "/accounts/login/", {"username": "officer", "password": "wrong"}, HTTP_USER_AGENT="Mozilla\x00/5.0"
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken"])
def test_a_cookie_spelling_a_nul_is_ignored_not_a_server_error(client, officer, cookie):
    """Django decodes \\000 in a quoted cookie value to NUL; PostgreSQL cannot look that up."""
    client.cookies[cookie] = "abcdefgh\x00ijkl"
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/audits/").status_code == 302  # not logged in: off to the login page
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert response.status_code in (302, 403)  # logged in, or refused for the missing CSRF cookie
