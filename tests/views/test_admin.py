"""The site administrator manages everything in the Django admin."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from audits.models import Council, Framework, PolicyResponse, Question

ADMIN_MODELS = ["council", "service", "membership", "framework", "question", "policyresponse", "audit"]


@pytest.fixture
def admin_client_(client, db):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "a-long-test-password")
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_admin_list_opens(admin_client_, audit, model):
    assert admin_client_.get(reverse(f"admin:audits_{model}_changelist")).status_code == 200


def test_the_question_bank_and_responses_are_editable(admin_client_):
    framework = Framework.objects.get(is_current=True)
    response = PolicyResponse.objects.get(framework=framework, factor="can_do")
    assert "CD1" in admin_client_.get(reverse("admin:audits_framework_change", args=[framework.pk])).content.decode()
    page = admin_client_.get(reverse("admin:audits_policyresponse_change", args=[response.pk])).content.decode()
    assert "Training and mentoring" in page


def test_a_council_with_its_services_is_added_in_one_form(admin_client_):
    data = {
        "name": "Kirklees",
        "slug": "kirklees",
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-0-name": "Housing",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = admin_client_.post(reverse("admin:audits_council_add"), data)
    assert response.status_code == 302
    assert list(Council.objects.get(slug="kirklees").services.values_list("name", flat=True)) == ["Housing"]


def test_audits_cannot_be_changed_in_the_admin(admin_client_, audit):
    response = admin_client_.get(reverse("admin:audits_audit_change", args=[audit.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def _question_form(framework, code):
    return {
        "framework": framework.pk,
        "factor": "can_do",
        "code": code,
        "theme": "Theme",
        "order": "50",
        "prompt": "Prompt?",
        "guidance": "Guidance",
        "level_1": "one",
        "level_2": "two",
        "level_3": "three",
        "level_4": "four",
    }


def test_no_question_can_be_added_to_a_bank_that_audits_use(admin_client_, audit):
    used = audit.framework
    before = Question.objects.count()
    response = admin_client_.post(reverse("admin:audits_question_add"), _question_form(used, "CD99"))
    assert response.status_code == 200
    assert "is used by audits and frozen: publish a new version instead" in response.content.decode()
    assert Question.objects.count() == before
    # An unused bank (a draft of the next version) still takes questions.
    draft = Framework.objects.create(version="2027.1", title="Draft")
    response = admin_client_.post(reverse("admin:audits_question_add"), _question_form(draft, "CD1"))
    assert response.status_code == 302
    assert draft.questions.get().code == "CD1"
