"""Time the PDF reports and the dashboard (make bench): median render time of an audit report and
of a council-wide report for a council with 25 services, and the median response time of the
dashboard of a council with 30 services and ten years of approved audits. Creates the two bench
councils when they are missing."""

from __future__ import annotations

import io
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.test import Client
from django.utils.text import slugify

from audits import extensions, services
from audits.models import Audit, AuditStatus, Council, Membership, Question, Role, Service
from audits.reports.data import build_audit_report, build_council_report
from audits.reports.pdf import audit_report_pdf, council_report_pdf

SERVICES = 25
PERIODS = ("2025/26", "2026/27")
DASHBOARD_SERVICES = 30
DASHBOARD_PERIODS = tuple(f"{y}/{(y + 1) % 100:02d}" for y in range(2017, 2027))  # ten years


class Command(BaseCommand):
    help = "Print the median render time of an audit PDF and of a council-wide PDF (25 services)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7, help="timed renders of each report (after one warm-up)")

    def handle(self, *args, runs: int, **options):
        from pypdf import PdfReader  # a test dependency: make bench runs in the test environment

        council = self._council()
        audit = Audit.objects.filter(council=council, period=PERIODS[-1], service__isnull=False).first()
        big = self._council("Bench Dashboard Council", DASHBOARD_SERVICES, DASHBOARD_PERIODS)
        client = Client(HTTP_HOST="localhost")
        client.force_login(Membership.objects.filter(council=big, role=Role.MANAGER).first().user)

        def dashboard():
            response = client.get(f"/councils/{big.slug}/dashboard/")
            assert response.status_code == 200, response.status_code
            return response.content

        rows = [
            ("audit report PDF", lambda: audit_report_pdf(build_audit_report(audit)), 1.5),
            (f"council-wide PDF, {SERVICES} services", lambda: council_report_pdf(build_council_report(council)), 5.0),
            (f"dashboard, {DASHBOARD_SERVICES} services × 10 years", dashboard, None),
        ]
        self.stdout.write(f"{'what':<36} {'pages':>5} {'runs':>5} {'median':>8} {'min':>7} {'max':>7}  target")
        for label, render, target in rows:
            content = render()  # warm-up: imports, fonts, template cache
            times = []
            for _ in range(runs if target else runs * 3):
                start = time.perf_counter()
                render()
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            pages = len(PdfReader(io.BytesIO(content)).pages) if content.startswith(b"%PDF") else "-"
            verdict = (
                (f"< {target:.1f} s " + ("ok" if median < target else "OVER")) if target else "(in-process request)"
            )
            self.stdout.write(
                f"{label:<36} {pages:>5} {len(times):>5} {median:>7.3f}s {min(times):>6.3f}s {max(times):>6.3f}s"
                f"  {verdict}"
            )

    def _council(self, name="Bench Council", n_services=SERVICES, periods=PERIODS) -> Council:
        council, created = Council.objects.get_or_create(name=name, defaults={"slug": slugify(name)})
        if not created and Audit.objects.filter(council=council).exists():
            return council
        User = get_user_model()
        officer, _ = User.objects.get_or_create(
            username="bench-officer", defaults={"first_name": "Bench", "last_name": "Officer"}
        )
        manager, _ = User.objects.get_or_create(
            username="bench-manager", defaults={"first_name": "Bench", "last_name": "Manager"}
        )
        Membership.objects.get_or_create(user=officer, council=council, defaults={"role": Role.OFFICER})
        Membership.objects.get_or_create(user=manager, council=council, defaults={"role": Role.MANAGER})
        rng = random.Random(25)
        self.stdout.write(f"{name}: creating {n_services} services with approved audits for {len(periods)} periods…")
        for i in range(n_services):
            service, _ = Service.objects.get_or_create(council=council, name=f"Service {i + 1:02d}")
            for period in periods:
                audit = services.audit_create(
                    user=officer, council=council, service=service, period=period, any_period=True
                )
                questions = Question.objects.filter(framework=audit.framework)
                answers = [
                    services.AnswerData(
                        question_id=q.pk,
                        rating=rng.randint(1, 4),
                        confidence="medium",
                        evidence_notes="Resident survey 2025; consultation register." if rng.random() < 0.7 else "",
                        evidence_links="https://data.example.org/evidence" if rng.random() < 0.4 else "",
                    )
                    for q in questions
                ]
                audit = services.answers_save(
                    audit=audit, user=officer, answers=answers, expected_version=audit.version
                ).audit
                with extensions.listeners_muted():  # made-up history: nobody to tell
                    audit = services.audit_submit(audit=audit, user=officer)
                    services.audit_approve(audit=audit, user=manager)
        assert Audit.objects.filter(council=council, status=AuditStatus.APPROVED).count() == n_services * len(periods)
        return council
