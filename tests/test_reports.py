"""PDF reports: the content (plain data) and the rendered PDF, read back with pypdf."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from audits import services
from audits.models import Audit, Council, Question, Service
from audits.reports.data import build_audit_report, build_council_report
from audits.reports.pdf import audit_report_pdf, council_report_pdf

from .conftest import answer_all, make_question


def pdf_pages(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def approve(audit, officer, manager, rating):
    answer_all(audit, officer, rating=rating, confidence="high", evidence_notes="Survey 2025")
    services.audit_submit(audit=audit, user=officer)
    return services.audit_approve(audit=audit, user=manager)


@pytest.fixture
def previous_approved(council, planning, officer, manager):
    old = services.audit_create(user=officer, council=council, service=planning, period="2025/26")
    return approve(old, officer, manager, rating=3)


class TestAuditReportData:
    def test_it_holds_the_cover_profile_responses_and_sections(self, approved_audit):
        report = build_audit_report(approved_audit)
        assert (report.council, report.scope, report.period, report.status) == (
            "Ynys Môn",
            "Planning",
            "2026/27",
            "Approved",
        )
        assert report.approved_by == "Gareth Owen" and not report.is_draft
        assert [p.score for p in report.profiles] == [pytest.approx(33.3)] * 5
        assert [r.title for r in report.responses] == [
            "Capacity building",
            "Community identity",
            "Civic infrastructure",
            "Diverse participation initiatives",
            "Accountability and leadership",
        ]
        # Every question is rated 2: each has interventions aimed at it, the rest are other options.
        assert all(r.priority == "priority" and r.aimed for r in report.responses)
        assert all(i.aimed_at.count("rated 2") >= 1 for r in report.responses for i in r.aimed)
        counts = [
            Question.objects.filter(framework=approved_audit.framework, factor=s.factor).count()
            for s in report.sections
        ]
        assert [len(s.questions) for s in report.sections] == counts
        assert report.sentences[0].startswith("No factor stands apart")
        assert report.filename == "clear-audit-ynys-mon-planning-2026-27.pdf"

    def test_it_compares_with_the_previous_approved_audit_of_the_same_scope(self, previous_approved, approved_audit):
        report = build_audit_report(approved_audit)
        assert report.previous_period == "2025/26"
        assert [round(c.delta) for c in report.changes] == [-33] * 5
        assert len(report.moves) == Question.objects.filter(framework=approved_audit.framework).count()  # 3 to 2
        assert report.moves[0].before == "3" and report.moves[0].after == "2"

    def test_without_a_previous_audit_there_is_no_comparison(self, approved_audit):
        assert build_audit_report(approved_audit).changes == ()

    def test_dont_know_and_unevidenced_high_ratings_are_listed_as_gaps(self, audit, officer):
        q1, q2 = Question.objects.filter(framework__is_current=True, factor="like_to").order_by("order")[:2]
        services.answers_save(
            audit=audit,
            user=officer,
            expected_version=audit.version,
            answers=[
                services.AnswerData(question_id=q1.pk, dont_know=True),
                services.AnswerData(question_id=q2.pk, rating=4),
            ],
        )
        like_to = build_audit_report(audit).sections[1]
        # "Census 2021" would cite evidence; a rating with no note cites none.
        assert {q.code: q.gap for q in like_to.gaps if q.code in (q1.code, q2.code)} == {
            q1.code: "Don't know: no evidence either way",
            q2.code: "Rated high with no evidence cited",
        }

    def test_the_method_is_docs_scoring_md_without_the_developer_notes(self, approved_audit):
        method = build_audit_report(approved_audit).method
        assert "<h2>2. A factor" in method and "Capacity building" in method
        assert "For developers" not in method and "FactorScore" not in method

    def test_queries_do_not_grow_with_the_number_of_questions(self, approved_audit, officer):
        def count():
            with CaptureQueriesContext(connection) as ctx:
                build_audit_report(approved_audit)
            return len(ctx.captured_queries)

        before = count()
        framework = approved_audit.framework
        for i in range(20):
            make_question(framework, f"CDX{i}", order=100 + i)
        assert count() == before


class TestAuditReportPdf:
    def test_it_is_a_tagged_pdf_naming_the_council_scores_and_responses(self, approved_audit):
        content = audit_report_pdf(build_audit_report(approved_audit))
        reader = PdfReader(io.BytesIO(content))
        text = "\n".join(pdf_pages(content))
        assert reader.metadata.title == "CLEAR audit: Ynys Môn, Planning, 2026/27"
        assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged for screen readers
        assert reader.trailer["/Root"]["/Lang"] == "en-GB"
        assert "Ynys Môn" in text
        assert "Capacity building" in text and "Accountability and leadership" in text
        assert "33" in text and "Weakness" in text
        assert "Method" in text

    def test_draft_mark_on_every_page_until_approved(self, submitted_audit, manager):
        draft = pdf_pages(audit_report_pdf(build_audit_report(submitted_audit)))
        assert len(draft) > 5
        assert all("DRAFT" in page for page in draft)
        services.audit_approve(audit=submitted_audit, user=manager)
        approved = pdf_pages(audit_report_pdf(build_audit_report(submitted_audit)))
        assert not any("DRAFT" in page for page in approved)

    def test_pages_are_numbered_with_a_running_header(self, approved_audit):
        pages = pdf_pages(audit_report_pdf(build_audit_report(approved_audit)))
        assert f"Page 2 of {len(pages)}" in pages[1]
        assert "Ynys Môn · Planning · 2026/27" in pages[1]

    @pytest.mark.parametrize("name", ["Rhondda Cynon Taf", "Bouches-du-Rhône", "Ynys Môn"])
    def test_council_names_survive_in_the_text(self, name, officer, manager):
        council, _ = Council.objects.get_or_create(name=name, defaults={"slug": f"c-{len(name)}"})
        audit = services.audit_create(user=officer, council=council, service=None, period="2026/27")
        assert name in "\n".join(pdf_pages(audit_report_pdf(build_audit_report(audit))))


class TestCouncilReport:
    @pytest.fixture
    def services_approved(self, council, planning, officer, manager):
        parks = Service.objects.create(council=council, name="Parks")
        Service.objects.create(council=council, name="Libraries")  # never audited
        a = approve(
            services.audit_create(user=officer, council=council, service=planning, period="2026/27"),
            officer,
            manager,
            1,
        )
        b = approve(
            services.audit_create(user=officer, council=council, service=parks, period="2026/27"), officer, manager, 4
        )
        return a, b

    def test_it_holds_the_heatmap_profile_and_responses(self, council, services_approved):
        report = build_council_report(council)
        assert [s.service for s in report.services] == ["Parks", "Planning"]  # by name, never ranked
        assert report.services_without_audit == ("Libraries",)
        assert [c.band_key for c in report.services[1].cells] == ["barrier"] * 5
        assert report.source == "the mean of the latest approved audits of 2 services"
        assert report.profile_scores["can_do"] == 50
        assert report.responses[0].reasons == ("Planning (0)",)  # as the cells round it

    def test_a_council_wide_audit_is_the_profile_when_there_is_one(self, council, services_approved, officer, manager):
        approve(
            services.audit_create(user=officer, council=council, service=None, period="2025/26"), officer, manager, 3
        )
        report = build_council_report(council)
        assert report.source == "the council-wide audit of 2025/26"
        assert report.profile_scores["like_to"] == pytest.approx(66.7)

    def test_queries_do_not_grow_with_the_number_of_services(self, council, services_approved, officer, manager):
        def count():
            with CaptureQueriesContext(connection) as ctx:
                build_council_report(council)
            return len(ctx.captured_queries)

        before = count()
        for i in range(4):
            service = Service.objects.create(council=council, name=f"Service {i}")
            approve(
                services.audit_create(user=officer, council=council, service=service, period="2026/27"),
                officer,
                manager,
                2,
            )
        assert count() == before

    def test_the_pdf_names_every_service(self, council, services_approved):
        text = "\n".join(pdf_pages(council_report_pdf(build_council_report(council))))
        assert "Ynys Môn" in text and "Parks" in text and "Planning" in text and "Libraries" in text
        assert "DRAFT" not in text


class TestDownloads:
    def test_members_download_the_audit_pdf_with_a_descriptive_name(self, client_for, submitted_audit, councillor):
        response = client_for(councillor).get(f"/audits/{submitted_audit.pk}/report.pdf")
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="clear-audit-ynys-mon-planning-2026-27.pdf"'
        assert response.content.startswith(b"%PDF-")

    def test_the_council_report_downloads(self, client_for, council, manager):
        response = client_for(manager).get(f"/councils/{council.slug}/report.pdf")
        assert response["Content-Disposition"].startswith('attachment; filename="clear-council-report-ynys-mon-')

    def test_another_councils_reports_are_404(self, client_for, audit, council, outsider):
        client = client_for(outsider)
        assert client.get(f"/audits/{audit.pk}/report.pdf").status_code == 404
        assert client.get(f"/councils/{council.slug}/report.pdf").status_code == 404
        assert Audit.objects.count() == 1
