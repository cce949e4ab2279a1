"""Autosave of an audit step (static/js/autosave.js posts the step's form here)."""

from audits import services
from audits.models import Answer, AuditEvent, EventKind, Question

from .helpers import step_post_data


def autosave_url(audit, factor="can-do"):
    return f"/audits/{audit.pk}/{factor}/autosave/"


def test_it_saves_what_was_typed_and_says_when(client_for, audit, officer):
    data = step_post_data(audit, evidence_notes="Ward profiles 2021")
    response = client_for(officer).post(autosave_url(audit), data)
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] is True and body["message"].startswith("All changes saved at ")
    can_do = Question.objects.filter(framework=audit.framework, factor="can_do").count()
    assert Answer.objects.filter(audit=audit, evidence_notes="Ward profiles 2021").count() == can_do


def test_later_autosaves_on_the_same_page_are_not_conflicts_with_the_officers_own(client_for, audit, officer):
    client = client_for(officer)
    loaded = audit.version  # the page keeps the version it loaded
    client.post(autosave_url(audit), step_post_data(audit, version=loaded, evidence_notes="first"))
    response = client.post(
        autosave_url(audit), step_post_data(audit, version=loaded, evidence_notes="first, then more")
    )
    assert response.json()["saved"] is True
    assert set(Answer.objects.filter(audit=audit).values_list("evidence_notes", flat=True)) == {"first, then more"}
    can_do = Question.objects.filter(framework=audit.framework, factor="can_do").count()
    assert AuditEvent.objects.filter(audit=audit, kind=EventKind.ANSWER).count() == 2 * can_do  # both saves


def test_a_colleagues_save_since_the_page_loaded_is_a_conflict_and_nothing_is_saved(
    client_for, audit, officer, officer_b
):
    loaded = audit.version
    cd1 = Question.objects.get(framework__is_current=True, code="CD1")
    services.answers_save(
        audit=audit,
        user=officer_b,
        expected_version=loaded,
        answers=[services.AnswerData(question_id=cd1.pk, rating=1, evidence_notes="Dafydd's evidence")],
    )
    response = client_for(officer).post(
        autosave_url(audit), step_post_data(audit, version=loaded, evidence_notes="mine")
    )
    assert response.status_code == 409
    assert response.json()["conflict"] == ["CD1"]
    assert "Save draft" in response.json()["message"]
    assert Answer.objects.get(audit=audit, question=cd1).evidence_notes == "Dafydd's evidence"
    assert not Answer.objects.filter(evidence_notes="mine").exists()


def test_invalid_input_names_the_questions_and_saves_nothing(client_for, audit, officer):
    data = step_post_data(audit, evidence_links="not a web address")
    response = client_for(officer).post(autosave_url(audit), data)
    assert response.status_code == 400
    in_order = Question.objects.filter(framework=audit.framework, factor="can_do").order_by("order")
    assert response.json()["invalid"] == list(in_order.values_list("code", flat=True))
    assert not Answer.objects.exists()


def test_a_submitted_audit_takes_no_more_autosaves(client_for, submitted_audit, officer):
    before = list(Answer.objects.values_list("pk", "rating", "evidence_notes"))
    response = client_for(officer).post(autosave_url(submitted_audit), step_post_data(submitted_audit, rating="4"))
    assert response.status_code == 409
    assert "submitted meanwhile" in response.json()["message"]
    assert list(Answer.objects.values_list("pk", "rating", "evidence_notes")) == before


def test_after_the_session_ends_the_script_is_sent_to_log_in_and_nothing_is_saved(client, audit):
    response = client.post(autosave_url(audit), step_post_data(audit))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not Answer.objects.exists()


def test_the_step_page_loads_the_script_only_for_those_who_can_edit(client_for, audit, officer, councillor):
    assert "js/autosave" in client_for(officer).get(f"/audits/{audit.pk}/can-do/").content.decode()
    assert "js/autosave" not in client_for(councillor).get(f"/audits/{audit.pk}/can-do/").content.decode()
