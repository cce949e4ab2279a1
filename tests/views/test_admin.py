"""The site administrator manages everything in the Django admin."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from audits.models import Council, Framework, PolicyResponse

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
    response = PolicyResponse.objects.get(factor="can_do")
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
