from audits.models import AuditStatus

from .helpers import step_post_data, step_url


def test_an_incomplete_audit_is_refused_with_what_is_missing(client_for, audit, officer):
    client = client_for(officer)
    client.post(step_url(audit), step_post_data(audit))
    response = client.post(f"/audits/{audit.pk}/submit/")
    page = response.content.decode()
    assert "cannot be submitted yet" in page
    assert "Still to answer before you can submit" in page
    assert "LT1" in page and "CD1</a>" not in page
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT


def test_a_complete_audit_is_submitted(client_for, complete_audit, officer):
    response = client_for(officer).post(f"/audits/{complete_audit.pk}/submit/", follow=True)
    assert "Audit submitted" in response.content.decode()
    complete_audit.refresh_from_db()
    assert (complete_audit.status, complete_audit.submitted_by) == (AuditStatus.SUBMITTED, officer)


def test_submit_is_post_only(client_for, complete_audit, officer):
    assert client_for(officer).get(f"/audits/{complete_audit.pk}/submit/").status_code == 405
