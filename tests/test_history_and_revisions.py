"""The audit's history (who changed what, when, from what to what) and reopening an approved
audit as a new revision that leaves the approved one exactly as it was."""

import dataclasses
import re

import pytest
from django.core.exceptions import ValidationError

from audits import services
from audits.council_profile import latest_approved_audits
from audits.dashboard import build_dashboard
from audits.models import Answer, Audit, AuditEvent, AuditStatus, EventKind, FactorScore, Question
from audits.reports.data import build_audit_report

from .conftest import answer_all


def save(audit, user, code, **values):
    audit.refresh_from_db()
    question = Question.objects.get(framework=audit.framework, code=code)
    return services.answers_save(
        audit=audit,
        user=user,
        expected_version=audit.version,
        answers=[services.AnswerData(question_id=question.pk, **values)],
    )


def answer_events(audit, code):
    return list(AuditEvent.objects.filter(audit=audit, kind=EventKind.ANSWER, question__code=code).order_by("at", "pk"))


class TestHistory:
    def test_each_change_of_an_answer_records_who_and_only_what_changed(self, audit, officer, officer_b):
        save(audit, officer, "CD1", rating=2, evidence_notes="Survey 2025")
        save(audit, officer_b, "CD1", rating=3, evidence_notes="Survey 2025")
        save(audit, officer_b, "CD1", rating=3, evidence_notes="Survey 2025")  # no change: no event

        first, second = answer_events(audit, "CD1")
        assert (first.user, first.before, first.after) == (
            officer,
            {},
            {"rating": 2, "evidence_notes": "Survey 2025"},
        )
        assert (second.user, second.before, second.after) == (officer_b, {"rating": 2}, {"rating": 3})

    def test_status_changes_are_recorded_with_the_return_comment(self, complete_audit, officer, manager):
        services.audit_submit(audit=complete_audit, user=officer)
        services.audit_return(audit=complete_audit, user=manager, comment="Add the 2025 survey.")
        services.audit_submit(audit=complete_audit, user=officer)
        services.audit_approve(audit=complete_audit, user=manager)

        statuses = [
            (e.kind, e.user.username, e.before.get("status"), e.after.get("status"))
            for e in AuditEvent.objects.filter(audit=complete_audit).exclude(kind=EventKind.ANSWER).order_by("at", "pk")
        ]
        assert statuses == [
            (EventKind.CREATED, officer.username, None, "draft"),
            (EventKind.SUBMITTED, officer.username, "draft", "submitted"),
            (EventKind.RETURNED, manager.username, "submitted", "returned"),
            (EventKind.SUBMITTED, officer.username, "returned", "submitted"),
            (EventKind.APPROVED, manager.username, "submitted", "approved"),
        ]
        returned = AuditEvent.objects.get(audit=complete_audit, kind=EventKind.RETURNED)
        assert returned.after["comment"] == "Add the 2025 survey."

    def test_a_refused_save_records_nothing(self, approved_audit, officer):
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError):
            save(approved_audit, officer, "CD1", rating=1)
        assert AuditEvent.objects.count() == before

    def test_the_audit_page_shows_the_latest_changes_and_links_to_all(self, client_for, audit, officer, councillor):
        save(audit, officer, "CD1", rating=2, evidence_notes="Ward survey")
        save(audit, officer, "CD1", rating=4)
        page = client_for(councillor).get(f"/audits/{audit.pk}/").content.decode()
        assert "History" in page
        assert "<strong>CD1</strong> Answer changed: rating" in page
        assert "Ward survey" in page
        assert "See all" not in page  # 4 events fit on the page

        answer_all(audit, officer, rating=1)  # one event per question: more than the page shows
        page = client_for(councillor).get(f"/audits/{audit.pk}/").content.decode()
        total = AuditEvent.objects.filter(audit=audit).count()
        assert f"See all {total} changes" in page
        full = client_for(councillor).get(f"/audits/{audit.pk}/history/").content.decode()
        assert f"{total} changes" in full
        assert full.count("<strong>CD1</strong> Answer changed: rating") == 3

    def test_history_page_queries_do_not_grow_with_events(
        self, client_for, audit, officer, councillor, django_assert_max_num_queries
    ):
        answer_all(audit, officer, rating=1)
        client = client_for(councillor)
        with django_assert_max_num_queries(10):
            client.get(f"/audits/{audit.pk}/history/")
        answer_all(audit, officer, rating=2)
        answer_all(audit, officer, rating=3)
        with django_assert_max_num_queries(10):
            assert client.get(f"/audits/{audit.pk}/history/").status_code == 200


def report_without_date(audit):
    return dataclasses.replace(build_audit_report(audit), generated_at=None)


class TestReopen:
    def test_reopening_starts_a_draft_revision_with_a_copy_of_the_answers(self, approved_audit, manager):
        new = services.audit_reopen(audit=approved_audit, user=manager, reason="The housing figures were wrong.")
        assert (new.revision, new.status, new.period, new.service) == (
            2,
            AuditStatus.DRAFT,
            approved_audit.period,
            approved_audit.service,
        )
        assert new.reopened_from == approved_audit
        copied = list(Answer.objects.filter(audit=new).values_list("question_id", "rating", "evidence_notes"))
        original = list(
            Answer.objects.filter(audit=approved_audit).values_list("question_id", "rating", "evidence_notes")
        )
        assert (
            sorted(copied) == sorted(original)
            and len(copied) == Question.objects.filter(framework=new.framework).count()
        )
        assert list(FactorScore.objects.filter(audit=new).values_list("factor", "score")) == list(
            FactorScore.objects.filter(audit=approved_audit).values_list("factor", "score")
        )
        reopened = AuditEvent.objects.get(audit=new, kind=EventKind.REOPENED)
        assert reopened.user == manager and reopened.after["reason"] == "The housing figures were wrong."

    def test_the_approved_revision_and_its_report_stay_as_they_were(self, approved_audit, officer, manager):
        report_before = report_without_date(approved_audit)
        answers_before = list(Answer.objects.filter(audit=approved_audit).values())
        new = services.audit_reopen(audit=approved_audit, user=manager, reason="Recount.")
        answer_all(new, officer, rating=4, evidence_notes="New evidence.")
        services.audit_submit(audit=new, user=officer)
        services.audit_approve(audit=new, user=manager)

        approved_audit.refresh_from_db()
        assert approved_audit.status == AuditStatus.APPROVED
        assert approved_audit.superseded_at == Audit.objects.get(pk=new.pk).approved_at
        assert list(Answer.objects.filter(audit=approved_audit).values()) == answers_before
        assert report_without_date(approved_audit) == report_before
        assert not report_before.is_draft

    def test_dashboards_use_the_old_revision_until_the_new_one_is_approved(
        self, council, approved_audit, officer, manager
    ):
        def heat_scores():
            row = next(r for r in build_dashboard(council).heatmap if r.audit_id)
            return row.audit_id, {round(c.score) for c in row.cells}

        assert heat_scores() == (approved_audit.pk, {33})
        new = services.audit_reopen(audit=approved_audit, user=manager, reason="Recount.")
        answer_all(new, officer, rating=4)
        assert heat_scores()[0] == approved_audit.pk
        services.audit_submit(audit=new, user=officer)
        services.audit_approve(audit=new, user=manager)
        assert heat_scores() == (new.pk, {100})
        assert [a.pk for a in latest_approved_audits(council)] == [new.pk]

    def test_the_new_revisions_report_says_which_revision_it_is_and_why(self, approved_audit, manager):
        import io

        from pypdf import PdfReader

        from audits.reports.pdf import audit_report_pdf

        new = services.audit_reopen(audit=approved_audit, user=manager, reason="Survey figures corrected.")
        report = build_audit_report(new)
        cover = PdfReader(io.BytesIO(audit_report_pdf(report))).pages[0].extract_text()
        assert "Revision" in cover and "Survey figures corrected." in cover
        assert report.filename.endswith("-r2.pdf") and report.title.endswith("(revision 2)")
        old_cover = PdfReader(io.BytesIO(audit_report_pdf(build_audit_report(approved_audit)))).pages[0].extract_text()
        assert "Revision" not in old_cover

    def test_only_an_approved_audit_can_be_reopened_and_only_once(self, submitted_audit, manager):
        with pytest.raises(services.AuditStateError, match="Only an approved audit"):
            services.audit_reopen(audit=submitted_audit, user=manager, reason="Recount.")
        approved = services.audit_approve(audit=submitted_audit, user=manager)
        services.audit_reopen(audit=approved, user=manager, reason="Recount.")
        with pytest.raises(services.AuditStateError, match="already reopened as revision 2"):
            services.audit_reopen(audit=approved, user=manager, reason="Again.")
        assert Audit.objects.filter(period=approved.period, service=approved.service).count() == 2

    def test_a_reason_is_required(self, approved_audit, manager):
        with pytest.raises(ValidationError, match="Say why"):
            services.audit_reopen(audit=approved_audit, user=manager, reason="   ")
        assert Audit.objects.count() == 1


class TestReopenPage:
    def test_a_manager_reopens_from_the_audit_page(self, client_for, approved_audit, manager):
        client = client_for(manager)
        page = client.get(f"/audits/{approved_audit.pk}/").content.decode()
        assert "Reopen as revision 2" in page
        response = client.post(f"/audits/{approved_audit.pk}/reopen/", {"reason": "Corrected survey figures."})
        new = Audit.objects.get(revision=2)
        assert response.status_code == 302 and response.url == f"/audits/{new.pk}/"
        page = client.get(response.url).content.decode()
        assert "Revision 2, reopened from" in page and "Corrected survey figures." in page
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert title.strip().startswith("Ynys Môn – Planning – 2026/27 (revision 2)") and "<" not in title
        old = client.get(f"/audits/{approved_audit.pk}/").content.decode()
        assert "It was reopened as" in old and "Reopen as revision" not in old

    def test_without_a_reason_nothing_happens_and_the_page_says_why(self, client_for, approved_audit, manager):
        response = client_for(manager).post(f"/audits/{approved_audit.pk}/reopen/", {"reason": ""})
        assert response.status_code == 200
        assert "Say why the audit is reopened." in response.content.decode()
        assert Audit.objects.count() == 1

    def test_officers_and_councillors_see_no_reopen_button(self, client_for, approved_audit, officer, councillor):
        for user in (officer, councillor):
            assert "Reopen as revision" not in client_for(user).get(f"/audits/{approved_audit.pk}/").content.decode()
