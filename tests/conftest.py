"""Shared fixtures: two councils and a user for every role, named by role.

The suite runs on PostgreSQL (``make test`` starts one); the question bank comes from the
real data migration, so tests see the questions officers see.
"""

import importlib
import os

import hypothesis
import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import connection

from audits import services
from audits.models import Council, Membership, Question, Role, Service

PASSWORD = "a-long-test-password"

# CI (and `make test` under CI=true) draws the same Hypothesis examples every run, so that a
# submission's result never depends on a lucky draw; local runs keep exploring new ones.
hypothesis.settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.exit("The suite runs on PostgreSQL: use `make test` (or set DATABASE_URL).", returncode=2)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing a password properly takes a third of a second; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts without the cached benchmark of the test before."""
    from django.core.cache import cache

    from audits import question_bank

    cache.clear()
    question_bank.forget()


def _user(username, council=None, role=None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if council is not None:
        Membership.objects.create(user=user, council=council, role=role)
    return user


@pytest.fixture
def council(db):
    return Council.objects.create(name="Ynys Môn", slug="ynys-mon")


@pytest.fixture
def other_council(db):
    return Council.objects.create(name="Rhondda Cynon Taf", slug="rhondda-cynon-taf")


@pytest.fixture
def planning(council):
    return Service.objects.create(council=council, name="Planning")


@pytest.fixture
def other_service(other_council):
    return Service.objects.create(council=other_council, name="Leisure")


@pytest.fixture
def officer(council):
    return _user("officer", council, Role.OFFICER, first_name="Siân", last_name="Hughes")


@pytest.fixture
def officer_b(council):
    """A second officer of the same council, for concurrent edits."""
    return _user("officer-b", council, Role.OFFICER, first_name="Dafydd", last_name="Roberts")


@pytest.fixture
def manager(council):
    return _user("manager", council, Role.MANAGER, first_name="Gareth", last_name="Owen")


@pytest.fixture
def councillor(council):
    return _user("councillor", council, Role.COUNCILLOR, first_name="Eleri", last_name="Jones")


@pytest.fixture
def outsider(other_council):
    """An officer of another council: everything of ours is a 404 for them."""
    return _user("outsider", other_council, Role.OFFICER)


@pytest.fixture
def questions(db):
    return list(Question.objects.filter(framework__is_current=True).order_by("order"))


@pytest.fixture
def audit(council, planning, officer):
    return services.audit_create(user=officer, council=council, service=planning, period="2026/27")


def answer_all(audit, user, rating=3, **extra):
    """Answer every question of the audit with one rating (or ``None`` with dont_know)."""
    audit.refresh_from_db()
    data = [
        services.AnswerData(question_id=q.pk, rating=rating, **extra)
        for q in Question.objects.filter(framework=audit.framework)
    ]
    return services.answers_save(audit=audit, user=user, answers=data, expected_version=audit.version).audit


@pytest.fixture
def complete_audit(audit, officer):
    return answer_all(audit, officer, rating=2, confidence="medium", evidence_notes="Resident survey 2025.")


@pytest.fixture
def submitted_audit(complete_audit, officer):
    return services.audit_submit(audit=complete_audit, user=officer)


@pytest.fixture
def approved_audit(submitted_audit, manager):
    return services.audit_approve(audit=submitted_audit, user=manager)


@pytest.fixture
def client_for(client):
    """Log a user in on the test client and return it: ``client_for(officer)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


def make_question(framework, code, factor="can_do", order=100):
    """A question with placeholder texts, for tests that need one beyond the seeded bank."""
    return Question.objects.create(
        framework=framework,
        factor=factor,
        code=code,
        theme="Theme",
        prompt="Prompt?",
        guidance="Guidance",
        level_1="one",
        level_2="two",
        level_3="three",
        level_4="four",
        order=order,
    )


@pytest.fixture
def question_bank(transactional_db):
    """For tests that commit for real: the database is emptied after each such test, seeded
    question bank included, so load the current bank again with its data migration's own
    (idempotent) function."""
    importlib.import_module("audits.migrations.0016_seed_clear_2027_1").seed(django_apps, None)
