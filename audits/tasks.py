"""Background tasks (django-tasks; run by `manage.py db_worker` on any machine that reaches
the database)."""

from __future__ import annotations

import io
import logging
import zipfile

from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

from .models import BundleState, ReportBundle
from .reports.data import build_audit_report, build_council_report, latest_approved_audits
from .reports.pdf import audit_report_pdf, council_report_pdf

logger = logging.getLogger(__name__)


@task()
def render_report_bundle(bundle_id: int) -> int:
    """Render the council-wide report and the report of each scope's latest approved audit into
    one zip, counting progress as it goes. Returns the number of reports."""
    bundle = ReportBundle.objects.select_related("council").get(pk=bundle_id)
    council = bundle.council
    try:
        audits = latest_approved_audits(council)
        bundle.state, bundle.total, bundle.done = BundleState.RUNNING, len(audits) + 1, 0
        bundle.progress_at = timezone.now()
        bundle.save(update_fields=["state", "total", "done", "progress_at"])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
            report = build_council_report(council)
            archive.writestr(report.filename, council_report_pdf(report))
            _count_one(bundle)
            for audit in audits:
                report = build_audit_report(audit)
                archive.writestr(report.filename, audit_report_pdf(report))
                _count_one(bundle)
        bundle.content = buffer.getvalue()
        bundle.filename = f"clear-reports-{slugify(council.name)}-{timezone.localdate():%Y-%m-%d}.zip"
        bundle.state, bundle.finished_at = BundleState.DONE, timezone.now()
        bundle.save(update_fields=["content", "filename", "state", "finished_at"])
    except Exception as exc:
        ReportBundle.objects.filter(pk=bundle.pk).update(
            state=BundleState.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.exception("report bundle %s of %s failed", bundle.pk, council)
        raise
    logger.info("report bundle %s of %s: %d reports", bundle.pk, council, bundle.total)
    return bundle.total


def _count_one(bundle: ReportBundle) -> None:
    """One more report rendered: progress for the page, and a sign of life (ReportBundle.problem)."""
    ReportBundle.objects.filter(pk=bundle.pk).update(done=F("done") + 1, progress_at=timezone.now())
