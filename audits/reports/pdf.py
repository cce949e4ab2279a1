"""Render report data to PDF bytes with WeasyPrint (step two of two)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .data import AuditReport, CouncilReport


def _pdf(template: str, report) -> bytes:
    from weasyprint import HTML  # imported on first use: it takes a second to load

    # English until the reports are translated (issue "Cymraeg"): never the requester's language
    # for a date or a number in an otherwise English report.
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template, {"report": report})
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True, custom_metadata=True)


def audit_report_pdf(report: AuditReport) -> bytes:
    return _pdf("reports/audit.html", report)


def council_report_pdf(report: CouncilReport) -> bytes:
    return _pdf("reports/council.html", report)
