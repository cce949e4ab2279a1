"""The council's reports page, and rendering all its reports as a background task."""

import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from audits import services, tasks
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


def test_a_bundle_nobody_has_started_says_so_and_what_to_do(client_for, council, manager):
    """A worker that is not running must not leave people waiting for good without a word."""
    client = client_for(manager)
    url = client.post("/councils/ynys-mon/reports/").url
    bundle = ReportBundle.objects.get()
    assert client.get(f"{url}progress.json").json()["problem"] == ""
    assert 'aria-live="polite" hidden>' in client.get(url).content.decode()  # there for the script, hidden

    ReportBundle.objects.filter(pk=bundle.pk).update(requested_at=timezone.now() - timedelta(minutes=6))
    problem = client.get(f"{url}progress.json").json()["problem"]
    page = client.get(url).content.decode()
    assert problem.startswith("No worker has started these reports yet") and problem in page.replace("&#x27;", "'")
    assert 'id="bundle-problem" class="alert alert-warning" aria-live="polite">' in page  # shown


def in_flight(council, user, state=BundleState.RUNNING, *, heartbeat_ago=1, progress_ago=1, task_id=""):
    """A bundle as a task leaves it while it renders: its last heartbeat and report so long ago (seconds)."""
    now = timezone.now()
    bundle = ReportBundle.objects.create(council=council, requested_by=user, state=state, total=3, done=1)
    ReportBundle.objects.filter(pk=bundle.pk).update(
        requested_at=now - timedelta(seconds=max(heartbeat_ago, progress_ago) + 5),
        heartbeat_at=now - timedelta(seconds=heartbeat_ago) if state == BundleState.RUNNING else None,
        progress_at=now - timedelta(seconds=progress_ago) if state == BundleState.RUNNING else None,
        task_id=task_id,
    )
    return bundle


@pytest.mark.parametrize("state", [BundleState.QUEUED, BundleState.RUNNING])
def test_a_second_request_while_one_is_in_flight_shows_that_one(client_for, council, manager, councillor, state):
    if state == BundleState.QUEUED:  # asked for, no worker has taken it yet
        client_for(manager).post("/councils/ynys-mon/reports/")
        bundle = ReportBundle.objects.get()
    else:
        bundle = in_flight(council, manager, state)
    response = client_for(councillor).post("/councils/ynys-mon/reports/", follow=True)
    assert ReportBundle.objects.count() == 1  # no second rendering
    assert response.redirect_chain == [(f"/councils/ynys-mon/reports/{bundle.pk}/", 302)]
    page = response.content.decode()
    assert "These reports are already being prepared (asked for by" in page
    assert "no new rendering was started" in page


def test_the_database_holds_one_bundle_in_flight_per_council(council, other_council, manager, outsider):
    in_flight(council, manager, BundleState.QUEUED)
    ReportBundle.objects.create(council=council, requested_by=manager, state=BundleState.DONE)
    ReportBundle.objects.create(council=council, requested_by=manager, state=BundleState.FAILED)
    in_flight(other_council, outsider, BundleState.RUNNING)  # another council's is no matter
    with pytest.raises(IntegrityError, match="report_bundle_one_in_flight_per_council"), transaction.atomic():
        ReportBundle.objects.create(council=council, requested_by=manager, state=BundleState.RUNNING)


@worker_test
def test_two_requests_at_the_same_moment_start_one_rendering(question_bank, council, manager, officer):
    """The second request does not see the first (not committed yet) before inserting its own:
    the unique constraint makes it wait for the first, then it follows that one."""
    inserted, go_on = threading.Event(), threading.Event()
    first = {}

    def first_request():
        try:
            with transaction.atomic():
                first["bundle"], _ = services.report_bundle_request(council=council, user=officer)
                inserted.set()
                go_on.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert inserted.wait(10)
    threading.Timer(0.5, go_on.set).start()  # the first commits while the second waits on it
    bundle, created = services.report_bundle_request(council=council, user=manager)
    thread.join(10)
    assert (bundle.pk, created) == (first["bundle"].pk, False)
    assert ReportBundle.objects.count() == 1


@pytest.mark.parametrize(("seconds", "lost"), [(30, False), (50, True)])
def test_a_bundle_whose_heartbeat_stopped_fails_within_a_minute_and_may_be_asked_for_again(
    client_for, council, manager, seconds, lost
):
    bundle = in_flight(council, manager, heartbeat_ago=seconds, progress_ago=seconds)
    client = client_for(manager)
    url = f"/councils/ynys-mon/reports/{bundle.pk}/"
    progress = client.get(f"{url}progress.json").json()
    page = client.get(url).content.decode()
    if not lost:
        assert (progress["state"], progress["finished"], progress["problem"]) == ("running", False, "")
        assert "Rendering: 1 of 3 reports." in page
        client.post("/councils/ynys-mon/reports/")
        assert ReportBundle.objects.count() == 1
        return
    assert (progress["state"], progress["finished"]) == ("failed", True)  # the page reloads itself
    assert "Failed: The worker rendering these reports stopped; prepare them again." in page
    assert "Prepare all reports again" in page and "js/progress" not in page
    response = client.post("/councils/ynys-mon/reports/")  # the button on that page
    new = ReportBundle.objects.exclude(pk=bundle.pk).get()
    assert response.url == f"/councils/ynys-mon/reports/{new.pk}/"
    assert new.state == BundleState.QUEUED and new.task_id


def test_a_worker_alive_but_stuck_for_ten_minutes_is_given_up(client_for, council, manager):
    bundle = in_flight(council, manager, heartbeat_ago=1, progress_ago=11 * 60)
    page = client_for(manager).get(f"/councils/ynys-mon/reports/{bundle.pk}/").content.decode()
    assert "Failed: The rendering made no progress for 10 minutes, so it was given up" in page


def test_a_queued_bundle_whose_task_ended_does_not_block_the_next(client_for, council, manager):
    client = client_for(manager)
    client.post("/councils/ynys-mon/reports/")
    bundle = ReportBundle.objects.get()
    DBTaskResult.objects.filter(id=bundle.task_id).update(status=TaskResultStatus.FAILED)  # e.g. its code moved
    response = client.post("/councils/ynys-mon/reports/")
    assert ReportBundle.objects.count() == 2 and response.url != f"/councils/ynys-mon/reports/{bundle.pk}/"
    bundle.refresh_from_db()
    assert (bundle.state, bundle.error) == (BundleState.FAILED, ReportBundle.TASK_ENDED)


@worker_test
def test_the_heartbeat_beats_during_one_long_report_and_stops_with_the_bundle(question_bank, council, manager):
    bundle = in_flight(council, manager, heartbeat_ago=600)
    old = ReportBundle.objects.get(pk=bundle.pk).heartbeat_at
    seen = []
    with tasks.heartbeat(bundle.pk, every=0.05) as thread:
        for _ in range(6):  # one report that takes a while: nothing else writes the heartbeat
            time.sleep(0.1)
            seen.append(ReportBundle.objects.get(pk=bundle.pk).heartbeat_at)
        assert seen[0] > old and len(set(seen)) >= 3  # it keeps beating
        ReportBundle.objects.filter(pk=bundle.pk).update(state=BundleState.FAILED)  # given up
        thread.join(2)
        assert not thread.is_alive()  # it stopped by itself


def database_url() -> str:
    """The test database, for a worker in another process."""
    s = connection.settings_dict
    user = quote(s["USER"] or "")
    password = f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{quote(s['NAME'])}"


@worker_test
def test_a_worker_killed_mid_task_is_noticed_and_the_reports_can_be_prepared_again(
    question_bank, client_for, council, approved_audit, officer, manager
):
    """A real `manage.py db_worker` process, killed (as by the out-of-memory killer) while it
    renders: django-tasks leaves its task "running" for good; the page must say what happened."""
    for name in ("Housing", "Parks"):
        audit = services.audit_create(
            user=officer, council=council, service=council.services.create(name=name), period="2026/27"
        )
        answer_all(audit, officer)
        services.audit_submit(audit=audit, user=officer)
        services.audit_approve(audit=audit, user=manager)
    client = client_for(manager)
    url = client.post("/councils/ynys-mon/reports/").url
    bundle = ReportBundle.objects.get()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while ReportBundle.objects.filter(pk=bundle.pk, state=BundleState.RUNNING, done__gte=1).count() == 0:
            assert worker.poll() is None and time.monotonic() < deadline, "the worker did not start rendering"
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)  # mid-task: no chance to clean up
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    bundle.refresh_from_db()
    assert bundle.state == BundleState.RUNNING and bundle.done < bundle.total
    assert DBTaskResult.objects.get(id=bundle.task_id).status == TaskResultStatus.RUNNING  # so django-tasks thinks
    assert client.get(f"{url}progress.json").json()["finished"] is False  # its heartbeat is still fresh

    # Less than a minute later, its heartbeat has gone quiet for longer than LOST_AFTER.
    ago = timezone.now() - ReportBundle.LOST_AFTER - timedelta(seconds=1)
    ReportBundle.objects.filter(pk=bundle.pk).update(heartbeat_at=ago, progress_at=ago)
    assert client.get(f"{url}progress.json").json()["finished"] is True
    assert "The worker rendering these reports stopped; prepare them again." in client.get(url).content.decode()
    task_result = DBTaskResult.objects.get(id=bundle.task_id)
    assert (task_result.status, task_result.exception_class_path) == (
        TaskResultStatus.FAILED,
        "audits.tasks.WorkerLost",
    )

    new_url = client.post("/councils/ynys-mon/reports/").url
    assert new_url != url
    run_worker()
    assert client.get(f"{new_url}progress.json").json()["state"] == "done"


@worker_test
def test_a_worker_that_starts_a_task_gives_up_the_bundles_a_dead_one_left(
    question_bank, client_for, council, other_council, manager, outsider
):
    left = in_flight(other_council, outsider, heartbeat_ago=120, progress_ago=120)
    client_for(manager).post("/councils/ynys-mon/reports/")
    run_worker()
    left.refresh_from_db()
    assert (left.state, left.error) == (BundleState.FAILED, ReportBundle.WORKER_STOPPED)
    assert ReportBundle.objects.get(council=council).state == BundleState.DONE
