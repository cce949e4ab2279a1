from audits.models import AuditStatus


def test_a_manager_approves_and_the_audit_becomes_read_only(client_for, submitted_audit, manager):
    response = client_for(manager).post(
        f"/audits/{submitted_audit.pk}/review/",
        {"decision": "approve", "version": submitted_audit.version},
        follow=True,
    )
    assert "Audit approved" in response.content.decode()
    assert "approved and read-only" in response.content.decode()
    submitted_audit.refresh_from_db()
    assert (submitted_audit.status, submitted_audit.approved_by) == (AuditStatus.APPROVED, manager)


def test_returning_needs_a_comment(client_for, submitted_audit, manager):
    response = client_for(manager).post(
        f"/audits/{submitted_audit.pk}/review/",
        {"decision": "return", "comment": " ", "version": submitted_audit.version},
    )
    assert response.status_code == 200
    assert "Say what the officers should change" in response.content.decode()
    submitted_audit.refresh_from_db()
    assert submitted_audit.status == AuditStatus.SUBMITTED


def test_a_returned_audit_goes_back_to_the_officers_with_the_comment(client_for, submitted_audit, manager, officer):
    client_for(manager).post(
        f"/audits/{submitted_audit.pk}/review/",
        {"decision": "return", "comment": "Check the RT answers.", "version": submitted_audit.version},
    )
    page = client_for(officer).get(f"/audits/{submitted_audit.pk}/").content.decode()
    assert "Returned by Gareth Owen" in page
    assert "Check the RT answers." in page
    assert "Submit for review" in page


def test_a_draft_cannot_be_approved(client_for, audit, manager):
    response = client_for(manager).post(
        f"/audits/{audit.pk}/review/", {"decision": "approve", "version": audit.version}
    )
    assert "Only a submitted audit can be reviewed" in response.content.decode()
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT


def test_a_decision_on_an_audit_that_changed_meanwhile_is_refused_and_the_comment_kept(
    client_for, submitted_audit, manager, officer
):
    from audits import services

    seen = submitted_audit.version
    services.audit_return(audit=submitted_audit, user=manager, comment="First round")
    services.audit_submit(audit=submitted_audit, user=officer)
    response = client_for(manager).post(
        f"/audits/{submitted_audit.pk}/review/",
        {"decision": "return", "comment": "My careful comment", "version": seen},
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "changed after you opened it" in page and "My careful comment" in page
    submitted_audit.refresh_from_db()
    assert submitted_audit.status == AuditStatus.SUBMITTED
