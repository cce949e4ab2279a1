from audits.models import Audit


def test_it_offers_the_councils_services_and_the_current_period(client_for, council, planning, officer):
    page = client_for(officer).get(f"/councils/{council.slug}/audits/new/").content.decode()
    assert "The council as a whole" in page and "Planning" in page
    assert 'value="2026/27"' in page or "/" in page


def test_it_starts_an_audit_and_opens_the_first_factor(client_for, council, planning, officer):
    response = client_for(officer).post(
        f"/councils/{council.slug}/audits/new/", {"service": planning.pk, "period": "2026/27"}
    )
    audit = Audit.objects.get()
    assert (audit.service, audit.period, audit.created_by) == (planning, "2026/27", officer)
    assert response.url == f"/audits/{audit.pk}/can-do/"


def test_a_bad_period_is_explained_and_kept(client_for, council, officer):
    response = client_for(officer).post(f"/councils/{council.slug}/audits/new/", {"service": "", "period": "2026/28"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "not a financial year" in page
    assert 'value="2026/28"' in page
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
