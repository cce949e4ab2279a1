"""Time the PDF reports: median render time of an audit report and of a council-wide report
for a council with 25 services (make bench). Creates a "Bench Council" if it is missing."""

from __future__ import annotations

import io
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from audits import services
from audits.models import Audit, AuditStatus, Council, Membership, Question, Role, Service
from audits.reports.data import build_audit_report, build_council_report
from audits.reports.pdf import audit_report_pdf, council_report_pdf

SERVICES = 25
PERIODS = ("2025/26", "2026/27")


class Command(BaseCommand):
    help = "Print the median render time of an audit PDF and of a council-wide PDF (25 services)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7, help="timed renders of each report (after one warm-up)")

    def handle(self, *args, runs: int, **options):
        from pypdf import PdfReader  # a test dependency: make bench runs in the test environment

        council = self._council()
        audit = Audit.objects.filter(council=council, period=PERIODS[-1], service__isnull=False).first()
        rows = [
            ("audit report PDF", lambda: audit_report_pdf(build_audit_report(audit)), 1.5),
            (f"council-wide PDF, {SERVICES} services", lambda: council_report_pdf(build_council_report(council)), 5.0),
        ]
        self.stdout.write(f"{'report':<34} {'pages':>5} {'runs':>5} {'median':>8} {'min':>7} {'max':>7}  target")
        for label, render, target in rows:
            content = render()  # warm-up: imports, fonts, template cache
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                render()
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            pages = len(PdfReader(io.BytesIO(content)).pages)
            verdict = "ok" if median < target else "OVER"
            self.stdout.write(
                f"{label:<34} {pages:>5} {runs:>5} {median:>7.2f}s {min(times):>6.2f}s {max(times):>6.2f}s"
                f"  < {target:.1f} s {verdict}"
            )

    def _council(self) -> Council:
        council, created = Council.objects.get_or_create(name="Bench Council", defaults={"slug": "bench-council"})
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
        self.stdout.write(f"Creating {SERVICES} services with approved audits for {len(PERIODS)} periods…")
        for i in range(SERVICES):
            service, _ = Service.objects.get_or_create(council=council, name=f"Service {i + 1:02d}")
            for period in PERIODS:
                audit = services.audit_create(user=officer, council=council, service=service, period=period)
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
                )
                audit = services.audit_submit(audit=audit, user=officer)
                services.audit_approve(audit=audit, user=manager)
        assert Audit.objects.filter(council=council, status=AuditStatus.APPROVED).count() == SERVICES * len(PERIODS)
        return council
