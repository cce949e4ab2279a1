"""Background tasks (django-tasks; run by `manage.py db_worker` on any machine that reaches
the database)."""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from contextlib import contextmanager

from django.db import DatabaseError, connection
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django_tasks import task

from .council_profile import latest_approved_audits
from .models import BundleState, ReportBundle
from .reports.data import build_audit_report, build_council_report
from .reports.pdf import audit_report_pdf, council_report_pdf

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """Recorded on a task whose worker stopped mid-task (services.report_bundles_give_up_lost)."""


class BundleGivenUp(Exception):
    """The bundle was marked failed while this task was rendering it (its heartbeat had gone
    quiet, or it made no progress): the task stops, and leaves that message in place."""


@task()
def render_report_bundle(bundle_id: int) -> int:
    """Render the council-wide report and the report of each scope's latest approved audit into
    one zip, counting progress as it goes. Returns the number of reports."""
    from . import services

    # A worker that starts a task may be one restarted after a crash: give up the bundles the
    # dead one left behind, so that their pages say so even if nobody is watching them.
    services.report_bundles_give_up_lost()
    bundle = ReportBundle.objects.select_related("council").get(pk=bundle_id)
    council = bundle.council
    try:
        audits = latest_approved_audits(council)
        bundle.total, now = len(audits) + 1, timezone.now()
        started = ReportBundle.objects.filter(pk=bundle.pk, state=BundleState.QUEUED).update(
            state=BundleState.RUNNING, total=bundle.total, done=0, progress_at=now, heartbeat_at=now
        )
        if not started:
            raise BundleGivenUp(f"bundle {bundle.pk} is {bundle.state}, not queued")
        buffer = io.BytesIO()
        with heartbeat(bundle.pk), zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            report = build_council_report(council)  # PDFs are compressed already: ZIP_STORED
            archive.writestr(report.filename, council_report_pdf(report))
            _count_one(bundle)
            for audit in audits:
                report = build_audit_report(audit)
                archive.writestr(report.filename, audit_report_pdf(report))
                _count_one(bundle)
        finished = ReportBundle.objects.filter(pk=bundle.pk, state=BundleState.RUNNING).update(
            content=buffer.getvalue(),
            filename=f"clear-reports-{slugify(council.name)}-{timezone.localdate():%Y-%m-%d}.zip",
            state=BundleState.DONE,
            finished_at=timezone.now(),
        )
        if not finished:
            raise BundleGivenUp(f"bundle {bundle.pk} was given up")
    except BundleGivenUp:
        logger.warning("report bundle %s of %s: given up before it was finished", bundle.pk, council)
        raise
    except Exception as exc:
        ReportBundle.objects.filter(pk=bundle.pk, state__in=ReportBundle.IN_FLIGHT).update(
            state=BundleState.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.exception("report bundle %s of %s failed", bundle.pk, council)
        raise
    logger.info("report bundle %s of %s: %d reports", bundle.pk, council, bundle.total)
    return bundle.total


def _count_one(bundle: ReportBundle) -> None:
    """One more report rendered: progress for the page, and a sign of life. Stops the task if the
    bundle was given up meanwhile (there is no point rendering the rest)."""
    now = timezone.now()
    updated = ReportBundle.objects.filter(pk=bundle.pk, state=BundleState.RUNNING).update(
        done=F("done") + 1, progress_at=now, heartbeat_at=now
    )
    if not updated:
        raise BundleGivenUp(f"bundle {bundle.pk} was given up")


@contextmanager
def heartbeat(bundle_id: int, every: float | None = None):
    """While the body runs, a thread beside it writes the bundle's heartbeat_at every
    ReportBundle.HEARTBEAT_EVERY (or ``every`` seconds).

    A thread rather than a beat between reports: one report can take longer than a beat (a
    council-wide report of 25 services takes about 4 s, and councils have more), and the beat
    must not depend on how long any report takes. Rendering holds no lock that the thread
    needs, and Python switches threads every few milliseconds, so the beat comes on time while
    WeasyPrint works. If the worker process dies, the thread dies with it and the heartbeat goes
    quiet: that is how a lost worker is noticed. The thread stops by itself once the bundle is no
    longer running (finished, or given up)."""
    seconds = ReportBundle.HEARTBEAT_EVERY.total_seconds() if every is None else every
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(seconds):
                try:
                    alive = ReportBundle.objects.filter(pk=bundle_id, state=BundleState.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    logger.warning("report bundle %s: heartbeat not written", bundle_id, exc_info=True)
                    connection.close()  # this thread's connection: open a new one next beat
                    continue
                if not alive:
                    return
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"report-bundle-{bundle_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=10)
