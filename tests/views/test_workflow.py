"""The workflow around an audit: the review page, resubmitting unchanged, withdrawing,
deleting a draft, who leads it, and the draft's next step."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from audits import question_bank, services
from audits.models import Audit, AuditStatus, CouncilEvent, FactorAssignment, Question

from .helpers import step_post_data, step_url


def _returned(submitted_audit, manager, comment="Check the CD answers."):
    return services.audit_return(audit=submitted_audit, user=manager, comment=comment)


def test_the_review_page_shows_every_answer_and_the_decision(client_for, submitted_audit, manager):
    page = client_for(manager).get(f"/audits/{submitted_audit.pk}/review/").content.decode()
    for question in Question.objects.filter(framework=submitted_audit.framework):
        assert f'id="q-{question.code}"' in page
    cd1 = Question.objects.get(framework=submitted_audit.framework, code="CD1")
    assert f"<strong>Rated 2:</strong> {cd1.level_2}" in page
    assert "Resident survey 2025." in page and "Medium" in page
    assert "No answer changed since the last review (this is the first submission)" in page
    assert page.index('id="q-RT1"') < page.index("Your decision") < page.index('value="approve"')


def test_the_review_page_reads_in_the_same_queries_whatever_the_answers(client_for, submitted_audit, manager, officer):
    client = client_for(manager)
    url = f"/audits/{submitted_audit.pk}/review/"
    question_bank.questions(submitted_audit.framework_id)  # kept by each process from here on
    # (The log holds 9,000 queries; the fixtures' fill it, and a full log counts wrong.)
    reset_queries()
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    reset_queries()
    with CaptureQueriesContext(connection) as cached:
        client.get(url)
    # Returned, many answers changed, resubmitted: more rows to mark, not more queries.
    _returned(submitted_audit, manager)
    client_for(officer).post(step_url(submitted_audit), step_post_data(submitted_audit, rating="4"))
    client_for(officer).post(step_url(submitted_audit, "like_to"), step_post_data(submitted_audit, "like_to"))
    services.audit_submit(audit=submitted_audit, user=officer)
    client = client_for(manager)
    reset_queries()
    with CaptureQueriesContext(connection) as second:
        page = client.get(url).content.decode()
    assert "answers changed" in page
    # The session and user (2), roles, the audit, the audit's threads (for the open ones and
    # for the stamp of the comments beside the answers), the perspectives' approval check, the
    # session's save (3): the answers' body is cached by the audit's version and the comments'
    # stamp, and who submitted and leads it by the audit's last change…
    assert len(cached) == 9, [q["sql"] for q in cached.captured_queries]
    # …and built when it changed: its submitter and lead (2), its answers, its submissions and
    # returns (the first time, no return: nothing to compare), the profile's answers and
    # interventions (3), the comments beside the answers…
    assert len(first) == len(cached) + 9, [q["sql"] for q in first.captured_queries]
    # …and once resubmitted, the changes since the last review: the events since then and the
    # answers as they are now, two queries for all of them.
    assert len(second) == len(first) + 2, [q["sql"] for q in second.captured_queries]


def test_answers_changed_since_the_last_review_are_marked_with_what_they_were(
    client_for, submitted_audit, manager, officer
):
    _returned(submitted_audit, manager)
    data = step_post_data(submitted_audit, rating="3", evidence_notes="Resident survey 2025.")
    for question in Question.objects.filter(framework=submitted_audit.framework, factor="can_do").exclude(code="CD1"):
        data[f"{question.code}-rating"] = "2"  # unchanged
    client_for(officer).post(step_url(submitted_audit), data)
    client_for(officer).post(f"/audits/{submitted_audit.pk}/submit/")
    page = client_for(manager).get(f"/audits/{submitted_audit.pk}/review/").content.decode()
    assert "1 answer changed" in page
    cd1 = page[page.index('id="q-CD1"') : page.index('id="q-CD2"')]
    assert "Changed" in cd1 and "Before the change" in cd1
    assert '<dt class="col-sm-3">Rating</dt><dd class="col-sm-9">2</dd>' in cd1
    cd2 = page[page.index('id="q-CD2"') : page.index('id="q-CD3"')]
    assert "Changed" not in cd2


def test_resubmitting_a_returned_audit_unchanged_asks_first(client_for, submitted_audit, manager, officer):
    _returned(submitted_audit, manager)
    client = client_for(officer)
    page = client.post(f"/audits/{submitted_audit.pk}/submit/").content.decode()
    assert "Nothing has changed since the audit was returned" in page
    submitted_audit.refresh_from_db()
    assert submitted_audit.status == AuditStatus.RETURNED
    client.post(f"/audits/{submitted_audit.pk}/submit/", {"confirm": "unchanged"})
    submitted_audit.refresh_from_db()
    assert submitted_audit.status == AuditStatus.SUBMITTED


def test_a_changed_returned_audit_is_resubmitted_at_once(client_for, submitted_audit, manager, officer):
    _returned(submitted_audit, manager)
    client = client_for(officer)
    client.post(step_url(submitted_audit), step_post_data(submitted_audit, rating="4"))
    client.post(f"/audits/{submitted_audit.pk}/submit/")
    submitted_audit.refresh_from_db()
    assert submitted_audit.status == AuditStatus.SUBMITTED


def test_an_officer_withdraws_a_submitted_audit_before_review(client_for, submitted_audit, officer):
    response = client_for(officer).post(f"/audits/{submitted_audit.pk}/withdraw/", follow=True)
    assert "Audit withdrawn" in response.content.decode()
    submitted_audit.refresh_from_db()
    assert (submitted_audit.status, submitted_audit.submitted_at) == (AuditStatus.DRAFT, None)
    assert submitted_audit.events.filter(kind="withdrawn").exists()
    assert (
        submitted_audit.answers.exclude(rating=None).count()
        == Question.objects.filter(framework=submitted_audit.framework).count()
    )


def test_an_approved_audit_cannot_be_withdrawn(client_for, approved_audit, officer):
    response = client_for(officer).post(f"/audits/{approved_audit.pk}/withdraw/", follow=True)
    assert "Only a submitted audit can be withdrawn" in response.content.decode()
    approved_audit.refresh_from_db()
    assert approved_audit.status == AuditStatus.APPROVED


def test_the_officer_who_started_a_draft_deletes_it_after_confirming(client_for, complete_audit, officer, manager):
    client = client_for(officer)
    page = client.get(f"/audits/{complete_audit.pk}/delete/").content.decode()
    assert "Delete the draft audit of Planning, 2026/27?" in page
    assert f"its {Question.objects.filter(framework=complete_audit.framework).count()} answers" in page
    # Without the confirmation, nothing goes.
    client.post(f"/audits/{complete_audit.pk}/delete/")
    assert Audit.objects.filter(pk=complete_audit.pk).exists()
    response = client.post(f"/audits/{complete_audit.pk}/delete/", {"confirm": "delete"}, follow=True)
    assert "Draft deleted: Planning, 2026/27" in response.content.decode()
    assert not Audit.objects.filter(pk=complete_audit.pk).exists()
    event = CouncilEvent.objects.get()
    assert (event.council_id, event.user, event.kind) == (complete_audit.council_id, officer, "audit_deleted")
    assert event.detail["scope"] == "Planning" and event.detail["period"] == "2026/27"
    # The council's managers read it on its settings page.
    settings_page = client_for(manager).get(f"/councils/{complete_audit.council.slug}/settings/").content.decode()
    assert (
        "Draft audit deleted: Planning, 2026/27" in settings_page
        and "started by Siân Hughes), by Siân Hughes" in settings_page
    )


def test_another_officer_cannot_delete_a_draft_but_a_manager_can(client_for, audit, officer_b, manager):
    assert client_for(officer_b).post(f"/audits/{audit.pk}/delete/", {"confirm": "delete"}).status_code == 403
    assert Audit.objects.filter(pk=audit.pk).exists()
    client_for(manager).post(f"/audits/{audit.pk}/delete/", {"confirm": "delete"})
    assert not Audit.objects.filter(pk=audit.pk).exists()


def test_an_audit_that_was_once_submitted_is_never_deleted(client_for, submitted_audit, officer):
    services.audit_withdraw(audit=submitted_audit, user=officer)
    response = client_for(officer).post(f"/audits/{submitted_audit.pk}/delete/", {"confirm": "delete"}, follow=True)
    assert "Only a draft that was never submitted can be deleted" in response.content.decode()
    assert Audit.objects.filter(pk=submitted_audit.pk).exists()
    assert not CouncilEvent.objects.exists()


def test_a_lead_and_factors_are_given_to_colleagues(client_for, audit, officer, officer_b, outsider):
    assert audit.lead == officer  # who started it leads it
    client = client_for(officer)
    page = client.get(f"/audits/{audit.pk}/team/").content.decode()
    assert "Dafydd Roberts" in page and "outsider" not in page
    client.post(f"/audits/{audit.pk}/team/", {"lead": officer_b.pk, "factor_asked_to": officer.pk})
    audit.refresh_from_db()
    assert audit.lead == officer_b
    assert list(FactorAssignment.objects.values_list("factor", "user")) == [("asked_to", officer.pk)]
    page = client.get(f"/audits/{audit.pk}/").content.decode()
    assert "Led by <strong>Dafydd Roberts</strong>; Asked to: Siân Hughes." in page
    # Someone outside the council is refused, and nothing changes.
    response = client.post(f"/audits/{audit.pk}/team/", {"lead": outsider.pk})
    assert "Select a valid choice" in response.content.decode()
    audit.refresh_from_db()
    assert audit.lead == officer_b
    # A colleague whose account was deactivated is offered nowhere and cannot be given work.
    officer_b.is_active = False
    officer_b.save(update_fields=["is_active"])
    page = client.get(f"/audits/{audit.pk}/team/").content.decode()
    assert f'<option value="{officer_b.pk}"' not in page
    # They led it: nobody is put in their place unasked.
    assert '<option value="" selected>Choose a new lead' in page
    response = client.post(f"/audits/{audit.pk}/team/", {"factor_asked_to": officer.pk})
    assert "This field is required" in response.content.decode()
    audit.refresh_from_db()
    assert audit.lead == officer_b
    with pytest.raises(ValidationError):
        services.audit_set_lead(audit=audit, user=officer, lead=officer, assignments={"can_do": officer_b})


def test_a_drafts_main_button_is_the_next_factor_to_answer(client_for, audit, officer):
    client = client_for(officer)
    client.post(step_url(audit), step_post_data(audit))
    page = client.get(f"/audits/{audit.pk}/").content.decode()
    total = Question.objects.filter(framework=audit.framework).count()
    can_do = Question.objects.filter(framework=audit.framework, factor="can_do").count()
    like_to = Question.objects.filter(framework=audit.framework, factor="like_to").count()
    assert f"{can_do} of {total} questions answered" in page
    assert f'class="btn btn-primary" href="/audits/{audit.pk}/like-to/">Continue: Like to (0 of {like_to})</a>' in page
    # Submit stays secondary until everything is answered.
    assert 'class="btn btn-outline-secondary">Submit for review' in page


def test_the_dashboard_opens_on_the_latest_period_with_an_approved_audit(
    client_for, approved_audit, council, officer, manager
):
    # A draft for next year does not take the dashboard over.
    services.audit_create(user=officer, council=council, service=None, period="2027/28")
    page = client_for(manager).get(f"/councils/{council.slug}/dashboard/").content.decode()
    assert '<option value="2026/27" selected>2026/27</option>' in page
    assert '<option value="2027/28">2027/28</option>' in page  # still there to choose


def test_without_an_approved_audit_the_dashboard_opens_on_the_latest_period(
    client_for, audit, council, officer, manager
):
    services.audit_create(user=officer, council=council, service=None, period="2025/26")
    page = client_for(manager).get(f"/councils/{council.slug}/dashboard/").content.decode()
    assert '<option value="2026/27" selected>2026/27</option>' in page


def test_a_reopened_revision_keeps_its_lead_and_factors(approved_audit, officer, officer_b, manager):
    FactorAssignment.objects.create(audit=approved_audit, factor="asked_to", user=officer_b)
    Audit.objects.filter(pk=approved_audit.pk).update(lead=officer_b)
    new = services.audit_reopen(audit=Audit.objects.get(pk=approved_audit.pk), user=manager, reason="RT3 figures")
    assert new.lead == officer_b
    assert list(new.assignments.values_list("factor", "user")) == [("asked_to", officer_b.pk)]


def test_an_answer_changed_and_changed_back_is_not_marked(client_for, submitted_audit, manager, officer):
    _returned(submitted_audit, manager)
    client = client_for(officer)
    client.post(
        step_url(submitted_audit), step_post_data(submitted_audit, rating="4", evidence_notes="Resident survey 2025.")
    )
    client.post(
        step_url(submitted_audit), step_post_data(submitted_audit, rating="2", evidence_notes="Resident survey 2025.")
    )
    services.audit_submit(audit=submitted_audit, user=officer)
    page = client_for(manager).get(f"/audits/{submitted_audit.pk}/review/").content.decode()
    assert "No answer changed since the last review" in page and "Before the change" not in page


def test_a_withdrawn_submission_is_not_what_the_manager_last_reviewed(client_for, submitted_audit, manager, officer):
    _returned(submitted_audit, manager)  # reviewed: CD answers rated 2
    client_for(officer).post(
        step_url(submitted_audit), step_post_data(submitted_audit, rating="3", evidence_notes="Resident survey 2025.")
    )
    services.audit_submit(audit=submitted_audit, user=officer)
    services.audit_withdraw(audit=submitted_audit, user=officer)  # never reviewed
    client_for(officer).post(
        step_url(submitted_audit), step_post_data(submitted_audit, rating="4", evidence_notes="Resident survey 2025.")
    )
    services.audit_submit(audit=submitted_audit, user=officer)
    page = client_for(manager).get(f"/audits/{submitted_audit.pk}/review/").content.decode()
    can_do = Question.objects.filter(framework=submitted_audit.framework, factor="can_do").count()
    assert f"{can_do} answers changed" in page
    cd1 = page[page.index('id="q-CD1"') : page.index('id="q-CD2"')]
    assert '<dt class="col-sm-3">Rating</dt><dd class="col-sm-9">2</dd>' in cd1  # as last reviewed, not 3


def test_the_review_page_says_who_leads_the_audit_after_a_change(client_for, audit, manager, officer, officer_b):
    url = f"/audits/{audit.pk}/review/"
    assert "Led by Siân Hughes." in client_for(manager).get(url).content.decode()  # now kept in the cache
    services.audit_set_lead(audit=audit, user=manager, lead=officer_b, assignments={})
    assert "Led by Dafydd Roberts." in client_for(manager).get(url).content.decode()
