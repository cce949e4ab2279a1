"""All of a council's reports as one zip, rendered in the background while the browser shows
the progress, then downloaded."""

import io
import zipfile
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from audits import services
from audits.models import BundleState, Council, ReportBundle, Service

from ..conftest import answer_all
from .test_journey import DESKTOP, Mouse, open_as


def test_the_browser_follows_the_background_rendering_to_the_download(browser, live_server, people):
    council = Council.objects.get(slug="ynys-mon")
    audit = services.audit_create(
        user=people["officer"], council=council, service=Service.objects.get(name="Planning"), period="2026/27"
    )
    answer_all(audit, people["officer"], rating=3, evidence_notes="Survey")
    services.audit_submit(audit=audit, user=people["officer"])
    services.audit_approve(audit=audit, user=people["manager"])

    page, _, visit = open_as(browser, live_server, "councillor", DESKTOP, Mouse, "bundle")
    page.goto("/councils/ynys-mon/reports/")
    visit.check("reports page")
    page.get_by_role("button", name="Prepare all reports").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Waiting for a worker to start")
    visit.check("waiting for a worker")

    # A worker picks the task up (on another machine in production; here, in this process).
    call_command("db_worker", batch=True, startup_delay=False, queue_name="default", verbosity=0)

    link = page.get_by_role("link", name="Download all reports (zip, 2 PDFs)")
    expect(link).to_be_visible(timeout=15000)  # the page notices by itself, without a reload by the user
    expect(status).to_contain_text("Ready: 2 reports.")
    visit.check("ready")
    with page.expect_download() as download:
        link.click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert len(archive.namelist()) == 2
    visit.assert_accessible()


def test_a_stuck_bundle_says_so_and_a_lost_one_can_be_prepared_again(browser, live_server, people):
    council = Council.objects.get(slug="ynys-mon")
    bundle, _ = services.report_bundle_request(council=council, user=people["manager"])
    ReportBundle.objects.filter(pk=bundle.pk).update(requested_at=timezone.now() - timedelta(minutes=10))

    page, _, visit = open_as(browser, live_server, "manager", DESKTOP, Mouse, "stuck-bundle")
    page.goto(f"/councils/ynys-mon/reports/{bundle.pk}/")
    problem = page.locator("#bundle-problem")
    expect(problem).to_contain_text("No worker has started these reports yet")
    visit.check("no worker")

    # A worker takes it at last: the page notices by itself, and the warning goes.
    now = timezone.now()
    ReportBundle.objects.filter(pk=bundle.pk).update(
        state=BundleState.RUNNING, total=3, done=1, progress_at=now, heartbeat_at=now
    )
    expect(problem).to_be_hidden(timeout=10000)
    expect(page.get_by_role("status")).to_contain_text("Rendering: 1 of 3 reports.")
    # …and its worker dies: the heartbeat goes quiet, and within a minute the page says so.
    ago = timezone.now() - ReportBundle.LOST_AFTER - timedelta(seconds=1)
    ReportBundle.objects.filter(pk=bundle.pk).update(heartbeat_at=ago, progress_at=ago)
    expect(page.get_by_role("status")).to_contain_text(
        "Failed: The worker rendering these reports stopped; prepare them again.", timeout=10000
    )
    visit.check("worker stopped")
    visit.assert_accessible()
    page.get_by_role("button", name="Prepare all reports again").click()
    expect(page.get_by_role("status")).to_contain_text("Waiting for a worker to start")
    assert ReportBundle.objects.filter(council=council, state=BundleState.QUEUED).exclude(pk=bundle.pk).count() == 1
