import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audits import services
from audits.models import Audit


def test_it_offers_the_councils_services_and_financial_years_around_today(client_for, council, planning, officer):
    page = client_for(officer).get(f"/councils/{council.slug}/audits/new/").content.decode()
    assert "The council as a whole" in page and "Planning" in page
    # The financial year of today (April to March) is chosen already, with one ahead and five back.
    today = timezone.localdate()
    year = today.year if today.month >= 4 else today.year - 1
    fy = lambda y: f"{y}/{(y + 1) % 100:02d}"  # noqa: E731
    assert f'<option value="{fy(year)}" selected>{fy(year)} (this year)</option>' in page
    offered = re.findall(r'<option value="(\d{4}/\d{2})"', page)
    assert offered == [fy(y) for y in range(year + 1, year - 6, -1)]


def test_it_starts_an_audit_and_opens_the_first_factor(client_for, council, planning, officer):
    response = client_for(officer).post(
        f"/councils/{council.slug}/audits/new/", {"service": planning.pk, "period": "2026/27"}
    )
    audit = Audit.objects.get()
    assert (audit.service, audit.period, audit.created_by) == (planning, "2026/27", officer)
    assert response.url == f"/audits/{audit.pk}/can-do/"


@pytest.mark.parametrize("period", ["2026/28", "2040/41", "2019/20", "x"])
def test_a_period_not_offered_is_refused_and_nothing_is_made(client_for, council, planning, officer, period):
    response = client_for(officer).post(
        f"/councils/{council.slug}/audits/new/", {"service": planning.pk, "period": period}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert f'<option value="{planning.pk}" selected>Planning</option>' in page  # the scope chosen stays
    assert not Audit.objects.exists()


def test_a_far_future_period_cannot_take_over_the_dashboard(council, officer):
    # However the service is reached (a script, the shell): a year far ahead is refused.
    with pytest.raises(ValidationError, match="Choose a financial year from"):
        services.audit_create(user=officer, council=council, service=None, period="2040/41")
    assert not Audit.objects.exists()


def test_a_duplicate_audit_is_refused_with_a_clear_message(client_for, audit, council, planning, officer):
    response = client_for(officer).post(
        f"/councils/{council.slug}/audits/new/", {"service": planning.pk, "period": "2026/27"}
    )
    assert "There is already an audit of Planning for 2026/27" in response.content.decode()
    assert Audit.objects.count() == 1


def test_another_councils_service_cannot_be_chosen(client_for, council, other_service, officer):
    response = client_for(officer).post(
        f"/councils/{council.slug}/audits/new/", {"service": other_service.pk, "period": "2026/27"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Audit.objects.exists()
