"""The council's reports page, and rendering all its reports as a background task."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audits import services
from audits.models import BundleState, ReportBundle
from tests.conftest import answer_all


def run_worker():
    """What `manage.py db_worker` does on a worker machine: run every queued task, then stop."""
    call_command("db_worker", batch=True, startup_delay=False, queue_name="default", verbosity=0)


def test_the_page_lists_the_council_report_and_each_latest_approved_audit(client_for, approved_audit, councillor):
    page = client_for(councillor).get("/councils/ynys-mon/reports/").content.decode()
    assert 'href="/councils/ynys-mon/report.pdf"' in page
    assert f'href="/audits/{approved_audit.pk}/report.pdf"' in page
    assert "Prepare all reports" in page


# The worker closes its database connection after each task, as it should in production: these
# tests commit for real instead of running inside one rolled-back transaction.
worker_test = pytest.mark.django_db(transaction=True)


@worker_test
def test_all_reports_are_rendered_in_the_background_and_downloaded_as_one_zip(
    question_bank, client_for, approved_audit, manager
):
    client = client_for(manager)
    response = client.post("/councils/ynys-mon/reports/")
    bundle = ReportBundle.objects.get()
    assert response.status_code == 302
    assert response.url == f"/councils/ynys-mon/reports/{bundle.pk}/"
    assert bundle.state == BundleState.QUEUED and bundle.task_id

    page = client.get(response.url).content.decode()
    assert "Waiting for a worker to start" in page and "js/progress" in page
    assert client.get(f"{response.url}progress.json").json()["state"] == "queued"
    assert client.get(f"{response.url}reports.zip").status_code == 404  # not ready yet

    run_worker()

    progress = client.get(f"{response.url}progress.json").json()
    assert progress == {
        "state": "done",
        "done": 2,
        "total": 2,
        "percent": 100,
        "finished": True,
        "problem": "",
    }
    assert ReportBundle.objects.get().progress_at is not None
    page = client.get(response.url).content.decode()
    assert "Ready: 2 reports." in page and "Download all reports (zip, 2 PDFs)" in page
    download = client.get(f"{response.url}reports.zip")
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith('attachment; filename="clear-reports-ynys-mon-')
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = sorted(archive.namelist())
    assert len(names) == 2 and names[0] == "clear-audit-ynys-mon-planning-2026-27.pdf"
    assert names[1].startswith("clear-council-report-ynys-mon-")
    assert all(archive.read(name).startswith(b"%PDF") for name in names)


@worker_test
def test_a_council_without_approved_audits_still_gets_its_council_report(question_bank, client_for, audit, officer):
    client = client_for(officer)
    client.post("/councils/ynys-mon/reports/")
    run_worker()
    bundle = ReportBundle.objects.get()
    assert (bundle.state, bundle.done, bundle.total) == (BundleState.DONE, 1, 1)


def test_the_page_queries_do_not_grow_with_audits_or_bundles(client_for, approved_audit, council, officer, manager):
    client = client_for(manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/councils/ynys-mon/reports/").status_code == 200
        return len(captured)

    client.post("/councils/ynys-mon/reports/")
    few = queries()
    for name in ("Housing", "Parks", "Libraries"):
        service = council.services.create(name=name)
        audit = services.audit_create(user=officer, council=council, service=service, period="2026/27")
        answer_all(audit, officer)
        services.audit_submit(audit=audit, user=officer)
        services.audit_approve(audit=audit, user=manager)
        client.post("/councils/ynys-mon/reports/")
    assert queries() == few  # the audits changed: the list is read again, with as many queries
    page = client.get("/councils/ynys-mon/reports/").content.decode()
    assert all(name in page for name in ("Housing", "Parks", "Libraries"))
    assert queries() < few  # unchanged since: the list comes from the cache


@pytest.mark.parametrize(
    ("state", "minutes_ago", "words"),
    [
        (BundleState.QUEUED, 1, ""),
        (BundleState.QUEUED, 6, "No worker has started these reports yet"),
        (BundleState.RUNNING, 9, ""),
        (BundleState.RUNNING, 11, "The rendering seems to have stopped"),
    ],
)
def test_a_bundle_that_seems_stuck_says_so_and_what_to_do(client_for, council, manager, state, minutes_ago, words):
    """A worker that is not running, or was stopped mid-task, must not leave people waiting for good."""
    then = timezone.now() - timedelta(minutes=minutes_ago)
    bundle = ReportBundle.objects.create(council=council, requested_by=manager, state=state, total=3, done=1)
    ReportBundle.objects.filter(pk=bundle.pk).update(requested_at=then, progress_at=then)
    client = client_for(manager)
    url = f"/councils/ynys-mon/reports/{bundle.pk}/"
    problem = client.get(f"{url}progress.json").json()["problem"]
    page = client.get(url).content.decode()
    if words:
        assert problem.startswith(words) and problem in page.replace("&#x27;", "'")
        assert 'id="bundle-problem" class="alert alert-warning" aria-live="polite">' in page  # shown
    else:
        assert problem == ""
        assert 'aria-live="polite" hidden>' in page  # there for the script to fill in, hidden
